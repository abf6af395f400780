"""The task's containers, as the JSON ECS reads: the service and, with X-Ray, its daemon.

Plain functions of plain values, so every setting is tested without a deployment. Each
container runs unprivileged on a read-only root filesystem; the few paths it must write to are
task volumes (Fargate ephemeral storage).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

APP_CONTAINER = "app"
XRAY_CONTAINER = "xray-daemon"
XRAY_DAEMON_IMAGE = "public.ecr.aws/xray/aws-xray-daemon:3.x"
XRAY_DAEMON_PORT = 2000
XRAY_DAEMON_CPU = 32
XRAY_DAEMON_MEMORY_MB = 64
# Every image may write temporary files.
WRITABLE_PATHS = ("/tmp",)  # noqa: S108 - a task volume, private to the task
# The stock nginx image also writes its pid, its caches and the server block written at start.
NGINX_WRITABLE_PATHS = ("/run", "/var/cache/nginx", "/etc/nginx/conf.d")
NGINX_SERVER_BLOCK_VARIABLE = "NGINX_SERVER_BLOCK"
_PRIVATE_ECR = re.compile(
    r"(?P<account>[0-9]{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/"
    r"(?P<repository>[^:@]+)(?::[^@]+)?(?:@.+)?"
)


@dataclass(frozen=True)
class ContainerSpec:
    """What the service's container runs, where it listens and where it logs."""

    image: str
    port: int
    health_check_path: str
    log_group: str
    region: str
    environment: Mapping[str, str] = field(default_factory=dict)
    enable_xray: bool = False


def image_name(image: str) -> str:
    """The repository's last path part: ``nginx`` for ``public.ecr.aws/nginx/nginx:stable``."""
    without_digest = image.split("@", 1)[0]
    return without_digest.rsplit("/", 1)[-1].split(":", 1)[0]


def is_nginx(image: str) -> bool:
    """Whether ``image`` is the stock nginx image, which this module knows how to configure."""
    return image_name(image) == "nginx"


def private_ecr_repository(image: str) -> tuple[str, str, str] | None:
    """(account, region, repository) when ``image`` lives in a private ECR registry, else None."""
    match = _PRIVATE_ECR.fullmatch(image)
    return (match["account"], match["region"], match["repository"]) if match else None


def writable_paths(image: str) -> tuple[str, ...]:
    """The paths the container may write to; everything else is read-only."""
    return WRITABLE_PATHS + (NGINX_WRITABLE_PATHS if is_nginx(image) else ())


def volume_name(path: str) -> str:
    """The task volume mounted at ``path``: ``var-cache-nginx`` for ``/var/cache/nginx``."""
    return path.strip("/").replace("/", "-").replace(".", "-")


def nginx_server_block(port: int, health_check_path: str) -> str:
    """An nginx server that listens on ``port``, answers the health check and serves the site."""
    return (
        "server {\n"
        f"    listen {port};\n"
        f"    location = {health_check_path} " + "{\n"
        "        access_log off;\n"
        "        default_type text/plain;\n"
        "        return 200 'ok';\n"
        "    }\n"
        "    location / {\n"
        "        root /usr/share/nginx/html;\n"
        "        index index.html;\n"
        "    }\n"
        "}\n"
    )


def nginx_command() -> list[str]:
    """Write the server block from the environment into conf.d, then run nginx in the foreground.

    The stock image listens on port 80 and has no health path; this makes it listen on the
    configured port and answer the configured path, without building an image of our own.
    """
    return [
        "/bin/sh",
        "-c",
        f'printf "%s" "${NGINX_SERVER_BLOCK_VARIABLE}" > /etc/nginx/conf.d/default.conf'
        " && exec nginx -g 'daemon off;'",
    ]


def _log_configuration(spec: ContainerSpec, prefix: str) -> dict[str, Any]:
    return {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": spec.log_group,
            "awslogs-region": spec.region,
            "awslogs-stream-prefix": prefix,
        },
    }


def app_container(spec: ContainerSpec) -> dict[str, Any]:
    """The service's container definition."""
    environment = {**spec.environment, "PORT": str(spec.port)}
    if spec.enable_xray:
        environment["AWS_XRAY_DAEMON_ADDRESS"] = f"127.0.0.1:{XRAY_DAEMON_PORT}"
    definition: dict[str, Any] = {
        "name": APP_CONTAINER,
        "image": spec.image,
        "essential": True,
        "privileged": False,
        "readonlyRootFilesystem": True,
        "portMappings": [{"containerPort": spec.port, "protocol": "tcp"}],
        "mountPoints": [
            {"sourceVolume": volume_name(path), "containerPath": path, "readOnly": False}
            for path in writable_paths(spec.image)
        ],
        "healthCheck": {
            "command": [
                "CMD-SHELL",
                f"curl -fsS http://localhost:{spec.port}{spec.health_check_path} > /dev/null"
                " || exit 1",
            ],
            "interval": 30,
            "timeout": 5,
            "retries": 3,
            "startPeriod": 15,
        },
        "logConfiguration": _log_configuration(spec, APP_CONTAINER),
    }
    if is_nginx(spec.image):
        definition["command"] = nginx_command()
        environment[NGINX_SERVER_BLOCK_VARIABLE] = nginx_server_block(
            spec.port, spec.health_check_path
        )
    definition["environment"] = [
        {"name": name, "value": value} for name, value in sorted(environment.items())
    ]
    return definition


def xray_container(spec: ContainerSpec) -> dict[str, Any]:
    """The X-Ray daemon the service sends its trace segments to over UDP."""
    return {
        "name": XRAY_CONTAINER,
        "image": XRAY_DAEMON_IMAGE,
        "essential": False,
        "privileged": False,
        "readonlyRootFilesystem": True,
        "cpu": XRAY_DAEMON_CPU,
        "memoryReservation": XRAY_DAEMON_MEMORY_MB,
        "portMappings": [{"containerPort": XRAY_DAEMON_PORT, "protocol": "udp"}],
        "environment": [{"name": "AWS_REGION", "value": spec.region}],
        "logConfiguration": _log_configuration(spec, XRAY_CONTAINER),
    }


def container_definitions(spec: ContainerSpec) -> str:
    """The task definition's ``containerDefinitions`` JSON."""
    containers = [app_container(spec)]
    if spec.enable_xray:
        containers.append(xray_container(spec))
    return json.dumps(containers, sort_keys=True)
