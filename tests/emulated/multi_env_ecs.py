"""A multi-env-ecs deployment, emulated: the program's resources replayed into moto
(replay.py), a loopback nginx for the service's tasks, and a VPC outside the project to peer
with.

What moto cannot do, and what stands in for it:

- No container runs. ``NginxStandIn`` serves, on loopback, what the task's nginx serves: the
  server block the task definition hands nginx. It answers for the load balancer's HTTP URL
  (``http://<ALB DNS name>``, which the stack exports as its service URL).
- moto reports as running as many tasks as MOTO_ECS_SERVICE_RUNNING says when a service is
  created. It is set to the service's desired count only once the stand-in has answered the
  target group's health check with the target group's healthy code: on AWS, tasks that fail
  that check are replaced and the deployment's circuit breaker rolls the service back.

``deploy`` peers the stack with a network outside the project, as a user with a shared-services
VPC would: that VPC is created in moto first and named in the stack's ``peerVpcs`` config. The
program is planned with a fixed id in its place (PEER_VPC_IN_PLAN), so that one plan serves
every deployment; the replay swaps in moto's id, as it does the mocks' ids.
"""

from __future__ import annotations

import json
import os
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.emulated import EmulatedAws
from tests.emulated.replay import replay_stack

SERVICE = "aws:ecs/service:Service"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
# The answer to ``GET /`` of the stock nginx image (its welcome page).
NGINX_INDEX = b"<!DOCTYPE html><title>Welcome to nginx!</title>"
# The network outside the project: a range no environment's VPC can overlap, as each is a /16
# of the vpc_cidr_base answer, a /8 to /12 inside 10.0.0.0/8 or 172.16.0.0/12.
PEER_CIDR = "192.168.0.0/16"
# The peer's id in the config the program is planned with; moto's id replaces it.
PEER_VPC_IN_PLAN = "vpc-0123456789abcdef0"
PEERED = {"TapStack:peerVpcs": json.dumps([{"vpcId": PEER_VPC_IN_PLAN, "cidrBlock": PEER_CIDR}])}
# The stack configs, beyond its stack file, that ``deploy`` and ``deploy_without_peers`` run
# the program with.
CONFIGS: tuple[dict[str, str], ...] = (PEERED, {})


class NginxStandIn:
    """HTTP on 127.0.0.1 that answers as nginx does with ``server_block``.

    Each ``location = <path> { ... return <code> '<body>'; }`` answers its exact path; ``/`` is
    the image's own index page; anything else is 404, as with the stock image's site.
    """

    def __init__(self, server_block: str) -> None:
        exact = {
            path: (int(code), body.encode())
            for path, code, body in re.findall(
                r"location = (\S+) \{[^}]*?return (\d{3}) '([^']*)';", server_block
            )
        }
        if not exact:
            raise AssertionError(f"the server block answers no path:\n{server_block}")
        exact.setdefault("/", (200, NGINX_INDEX))
        (listen,) = re.findall(r"listen (\d+);", server_block)
        self.port_in_container = int(listen)

        class Nginx(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                status, body = exact.get(self.path.split("?", 1)[0], (404, b"Not Found"))
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                del args

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Nginx)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def status_of(self, path: str) -> int:
        """The status a health check of ``path`` gets."""
        try:
            with urllib.request.urlopen(f"{self.url}{path}", timeout=5) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def running_tasks(count: int) -> Iterator[None]:
    """Services created inside report ``count`` running tasks (moto's own switch)."""
    before = os.environ.get("MOTO_ECS_SERVICE_RUNNING")
    os.environ["MOTO_ECS_SERVICE_RUNNING"] = str(count)
    try:
        yield
    finally:
        if before is None:
            del os.environ["MOTO_ECS_SERVICE_RUNNING"]
        else:
            os.environ["MOTO_ECS_SERVICE_RUNNING"] = before


def deploy(project: Path, aws: EmulatedAws, answers: dict) -> tuple[dict, list]:
    """``pulumi up`` of the default stack with one peer in its config: a VPC outside the
    project (PEER_CIDR), created first."""
    peer = aws.client("ec2").create_vpc(CidrBlock=PEER_CIDR)["Vpc"]["VpcId"]
    return _deploy(project, aws, answers, config=PEERED, known={PEER_VPC_IN_PLAN: peer})


def deploy_without_peers(project: Path, aws: EmulatedAws, answers: dict) -> tuple[dict, list]:
    """``pulumi up`` of the default stack as generated: no peerVpcs in its config."""
    return _deploy(project, aws, answers, config={}, known={})


def _deploy(
    project: Path, aws: EmulatedAws, answers: dict, *, config: dict, known: dict
) -> tuple[dict, list]:
    servers: list[NginxStandIn] = []
    try:
        run = replay_stack(
            project,
            aws,
            answers["environment_suffix"],
            config=config,
            known=known,
            around={SERVICE: lambda service: healthy_tasks(aws, service, servers)},
        )
        if len(servers) != 1:
            raise AssertionError(f"the stack runs {len(servers)} ECS services, not one")
        (tasks,) = servers
        for _, balancer in run.of_type(LOAD_BALANCER):
            run.learn(f"http://{balancer['dnsName']}", tasks.url)
        return run.outputs(), servers
    except BaseException:
        for server in servers:
            server.stop()
        raise


@contextmanager
def healthy_tasks(aws: EmulatedAws, service: dict, servers: list) -> Iterator[None]:
    """The tasks of ``service`` (its inputs) on loopback, and moto reporting them running while
    the service is created, once they pass its target group's health check."""
    definition = aws.client("ecs").describe_task_definition(
        taskDefinition=service["taskDefinition"]
    )["taskDefinition"]
    (target,) = service["loadBalancers"]
    (group,) = aws.client("elbv2").describe_target_groups(
        TargetGroupArns=[target["targetGroupArn"]]
    )["TargetGroups"]
    servers.append(start_tasks(definition, target["containerName"], group))
    with running_tasks(service["desiredCount"]):
        yield


def start_tasks(task_definition: dict, container: str, target_group: dict) -> NginxStandIn:
    """The service's tasks, on loopback, once they pass the target group's health check."""
    (app,) = [c for c in task_definition["containerDefinitions"] if c["name"] == container]
    environment = {item["name"]: item["value"] for item in app["environment"]}
    tasks = NginxStandIn(environment["NGINX_SERVER_BLOCK"])
    status = tasks.status_of(target_group["HealthCheckPath"])
    healthy = (
        tasks.port_in_container == target_group["Port"]
        and str(status) == target_group["Matcher"]["HttpCode"]
    )
    if not healthy:
        tasks.stop()
        raise AssertionError(
            f"the tasks fail the target group's health check: nginx listens on "
            f"{tasks.port_in_container} and answers {target_group['HealthCheckPath']} with "
            f"{status}; the target group sends to {target_group['Port']} and wants "
            f"{target_group['Matcher']['HttpCode']}"
        )
    return tasks
