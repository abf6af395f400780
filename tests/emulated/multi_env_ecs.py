"""A multi-env-ecs deployment, emulated: moto for AWS, a loopback nginx for the service's tasks.

The generated project's own modules decide what is created: names (lib.naming), sizes
(lib.tiers), the VPC range and subnets (lib.address_plan), the container definitions
(lib.container_definition), the alarms and the dashboard (lib.service_monitoring), with the
defaults its stack config starts from (lib.config, lib.service_config). This module makes the
calls ``pulumi up`` would make with them, in moto.

Two things moto cannot do, and what stands in for them:

- No container runs. ``NginxStandIn`` serves, on loopback, what the task's nginx serves: the
  server block the container definition hands nginx. Its URL stands in for ``http://<ALB name>``.
- moto reports as running as many tasks as MOTO_ECS_SERVICE_RUNNING says when a service is
  created. It is set to the tier's desired count only once the stand-in has answered the target
  group's health check with the target group's healthy code: on AWS, tasks that fail that check
  are replaced and the deployment's circuit breaker rolls the service back.

Names follow the program's: a name prefix is completed the way the provider completes it.

Left out, as no generated integration test reads them: NAT gateways, flow logs, IAM roles, the
access-log bucket, autoscaling, DNS (the default answers have no domain), and peering with
another environment of the project (the default stack names none).
"""

from __future__ import annotations

import ast
import importlib
import ipaddress
import json
import os
import re
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from tests.emulated import EmulatedAws

# The generated modules the emulation follows, imported from the project itself.
PROJECT_MODULES = (
    "alarms",
    "naming",
    "tiers",
    "config",
    "address_plan",
    "network",
    "peering",
    "container_definition",
    "service_config",
    "database",
    "ecs_service",
    "load_balancer",
    "security_groups",
    "service_monitoring",
)
# The answer to ``GET /`` of the stock nginx image (its welcome page).
NGINX_INDEX = b"<!DOCTYPE html><title>Welcome to nginx!</title>"
# What the provider appends to a name prefix: a unique 26-digit suffix per created resource.
_generated = iter(range(1, 10**6))


def generated_name(prefix: str) -> str:
    """The name the provider gives a resource declared with ``name_prefix``."""
    return f"{prefix}{next(_generated):026d}"


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
def project_modules(project: Path) -> Iterator[SimpleNamespace]:
    """The generated project's ``lib`` modules in PROJECT_MODULES, forgotten again afterwards."""

    def is_lib(name: str) -> bool:
        return name == "lib" or name.startswith("lib.")

    saved = {name: module for name, module in sys.modules.items() if is_lib(name)}
    for name in saved:
        del sys.modules[name]
    sys.path.insert(0, str(project))
    writes_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        yield SimpleNamespace(
            **{name: importlib.import_module(f"lib.{name}") for name in PROJECT_MODULES}
        )
    finally:
        sys.dont_write_bytecode = writes_bytecode
        sys.path.remove(str(project))
        for name in [name for name in sys.modules if is_lib(name)]:
            del sys.modules[name]
        sys.modules.update(saved)


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


def expected_outputs(project: Path) -> tuple[str, ...]:
    """The keys the stack exports: EXPECTED_OUTPUTS of the generated test_tap_stack.py."""
    tree = ast.parse((project / "tests" / "unit" / "test_tap_stack.py").read_text())
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and getattr(node.targets[0], "id", "") == "EXPECTED_OUTPUTS"
        ):
            return ast.literal_eval(node.value)
    raise AssertionError("test_tap_stack.py has no EXPECTED_OUTPUTS")


def named(kind: str, name: str) -> list[dict[str, Any]]:
    """EC2 TagSpecifications with a Name tag."""
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]


def deploy(project: Path, aws: EmulatedAws, answers: dict) -> tuple[dict, list]:
    """``pulumi up`` of the default stack with one peer in its config: a shared-services VPC in
    the address plan's slot 0, which stays free for networks outside the project."""
    return _deploy(project, aws, answers, with_peer=True)


def deploy_without_peers(project: Path, aws: EmulatedAws, answers: dict) -> tuple[dict, list]:
    """``pulumi up`` of the default stack as generated: no peerVpcs in its config."""
    return _deploy(project, aws, answers, with_peer=False)


def _deploy(
    project: Path, aws: EmulatedAws, answers: dict, *, with_peer: bool
) -> tuple[dict, list]:
    with project_modules(project) as lib:
        stack = EmulatedStack(aws, lib, answers["environment_suffix"])
        try:
            stack.network()
            stack.load_balancer()
            stack.database()
            stack.service()
            if with_peer:
                stack.peer_with_shared_services()
            stack.monitoring()
        except BaseException:
            stack.stop()
            raise
    outputs = stack.outputs()
    assert sorted(outputs) == sorted(expected_outputs(project)), "the stack exports other keys"
    return outputs, stack.servers


class EmulatedStack:
    """The resources of one environment, created step by step in the order ``pulumi up`` would."""

    def __init__(self, aws: EmulatedAws, lib: SimpleNamespace, suffix: str) -> None:
        self.aws, self.lib, self.suffix = aws, lib, suffix
        self.namer = lib.naming.Namer(lib.config.PROJECT, suffix)
        self.tier = lib.tiers.tier_settings(suffix)
        self.port = lib.service_config.DEFAULT_CONTAINER_PORT
        self.health_path = lib.service_config.DEFAULT_HEALTH_CHECK_PATH
        self.ec2 = aws.client("ec2")
        self.logs_key, self.data_key = self._key("logs"), self._key("data")
        self.servers: list[NginxStandIn] = []
        self.peering_ids: list[str] = []
        self.peer_instructions: list[dict[str, Any]] = []

    def _key(self, purpose: str) -> str:
        kms = self.aws.client("kms")
        arn = kms.create_key(Description=f"{purpose} key")["KeyMetadata"]["Arn"]
        kms.create_alias(AliasName=self.namer.name("kms_alias", purpose), TargetKeyId=arn)
        return arn

    def _log_group(self, name: str) -> str:
        logs = self.aws.client("logs")
        logs.create_log_group(logGroupName=name, kmsKeyId=self.logs_key)
        logs.put_retention_policy(logGroupName=name, retentionInDays=self.tier.log_retention_days)
        return name

    def network(self) -> None:
        """The environment's /16, three tiers of subnets in the zones that can run Fargate,
        chosen by zone ID as lib/network.py does, the internal route tables and the security
        groups."""
        ec2, namer = self.ec2, self.namer
        listed = ec2.describe_availability_zones(
            Filters=[
                {"Name": "state", "Values": ["available"]},
                {"Name": "zone-type", "Values": ["availability-zone"]},
            ]
        )["AvailabilityZones"]
        zones = self.lib.network.fargate_zones(
            self.aws.region,
            [zone["ZoneName"] for zone in listed],
            [zone["ZoneId"] for zone in listed],
        )[: self.lib.service_config.AZ_COUNT]
        self.cidr = self.lib.address_plan.vpc_cidr_for(self.suffix)
        self.vpc_id = ec2.create_vpc(
            CidrBlock=self.cidr, TagSpecifications=named("vpc", namer.name("vpc", "vpc"))
        )["Vpc"]["VpcId"]
        gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=self.vpc_id)
        plan = self.lib.address_plan.subnet_plan(self.cidr, len(zones))
        self.subnets = {
            tier_name: [
                ec2.create_subnet(
                    VpcId=self.vpc_id,
                    CidrBlock=block,
                    AvailabilityZone=zone,
                    TagSpecifications=named("subnet", namer.name("vpc", f"{tier_name}-{zone[-1]}")),
                )["Subnet"]["SubnetId"]
                for block, zone in zip(getattr(plan, tier_name), zones, strict=True)
            ]
            for tier_name in ("public", "private", "isolated")
        }
        # One private table per zone and the isolated one: where peered networks are routed.
        self.internal_tables = [
            ec2.create_route_table(VpcId=self.vpc_id)["RouteTable"]["RouteTableId"]
            for _ in [*zones, "isolated"]
        ]
        self.groups = {
            purpose: ec2.create_security_group(
                GroupName=generated_name(namer.name_prefix("security_group", purpose)),
                Description=f"The {purpose} of the service",
                VpcId=self.vpc_id,
            )["GroupId"]
            for purpose in ("alb", "service", "db")
        }

    def load_balancer(self) -> None:
        """The ALB in the public subnets, HTTP on 80 to the target group on the container port."""
        elb, load_balancer = self.aws.client("elbv2"), self.lib.load_balancer
        (self.alb,) = elb.create_load_balancer(
            Name=self.namer.replaceable_name(
                "alb", "alb", load_balancer.LOAD_BALANCER_TYPE, load_balancer.INTERNAL
            ),
            Subnets=self.subnets["public"],
            SecurityGroups=[self.groups["alb"]],
            Scheme="internet-facing",
            Type="application",
        )["LoadBalancers"]
        (self.target_group,) = elb.create_target_group(
            Name=self.namer.replaceable_name(
                "target_group",
                "web",
                self.port,
                load_balancer.TARGET_PROTOCOL,
                load_balancer.TARGET_TYPE,
                self.vpc_id,
            ),
            Protocol=load_balancer.TARGET_PROTOCOL,
            Port=self.port,
            VpcId=self.vpc_id,
            TargetType=load_balancer.TARGET_TYPE,
            HealthCheckEnabled=True,
            HealthCheckProtocol="HTTP",
            HealthCheckPort="traffic-port",
            HealthCheckPath=self.health_path,
            Matcher={"HttpCode": self.lib.load_balancer.HEALTHY_RESPONSE},
        )["TargetGroups"]
        elb.create_listener(
            LoadBalancerArn=self.alb["LoadBalancerArn"],
            Port=80,
            Protocol="HTTP",
            DefaultActions=[
                {"Type": "forward", "TargetGroupArn": self.target_group["TargetGroupArn"]}
            ],
        )

    def database(self) -> None:
        """Aurora PostgreSQL in the isolated subnets, encrypted, its password managed by RDS."""
        rds, namer, tier, database = (
            self.aws.client("rds"),
            self.namer,
            self.tier,
            self.lib.database,
        )
        subnet_group = generated_name(namer.name_prefix("db_subnet_group", "db"))
        parameter_group = generated_name(namer.name_prefix("db_parameter_group", "db"))
        self.db_identifier = database.cluster_identifier(namer, subnet_group)
        rds.create_db_subnet_group(
            DBSubnetGroupName=subnet_group,
            DBSubnetGroupDescription="Isolated subnets of the database",
            SubnetIds=self.subnets["isolated"],
        )
        rds.create_db_cluster_parameter_group(
            DBClusterParameterGroupName=parameter_group,
            DBParameterGroupFamily=database.PARAMETER_GROUP_FAMILY,
            Description="Server settings of the database",
        )
        self._log_group(f"/aws/rds/cluster/{self.db_identifier}/postgresql")
        self.db_cluster = rds.create_db_cluster(
            DBClusterIdentifier=self.db_identifier,
            Engine=database.ENGINE,
            EngineVersion=database.ENGINE_VERSION,
            DatabaseName=database.DATABASE_NAME,
            MasterUsername=database.MASTER_USERNAME,
            ManageMasterUserPassword=True,
            MasterUserSecretKmsKeyId=self.data_key,
            StorageEncrypted=True,
            KmsKeyId=self.data_key,
            Port=self.lib.security_groups.POSTGRES_PORT,
            DBSubnetGroupName=subnet_group,
            DBClusterParameterGroupName=parameter_group,
            VpcSecurityGroupIds=[self.groups["db"]],
            EnableCloudwatchLogsExports=["postgresql"],
            BackupRetentionPeriod=tier.db_backup_retention_days,
            DeletionProtection=tier.deletion_protection,
        )["DBCluster"]
        for number in range(1, tier.db_instance_count + 1):
            rds.create_db_instance(
                DBInstanceIdentifier=database.instance_identifier(namer, subnet_group, number),
                DBClusterIdentifier=self.db_identifier,
                Engine=database.ENGINE,
                DBInstanceClass=tier.db_instance_class,
                PubliclyAccessible=False,
                PromotionTier=number,
            )

    def service(self) -> None:
        """The cluster, the task definition the generated code writes, and the Fargate service
        behind the target group, its tasks standing in on loopback."""
        ecs, namer, tier, lib = self.aws.client("ecs"), self.namer, self.tier, self.lib
        self.service_name = lib.ecs_service.service_name(namer)
        self.cluster_name = ecs.create_cluster(
            clusterName=namer.name("ecs_cluster", "cluster"),
            settings=[{"name": "containerInsights", "value": "enabled"}],
        )["cluster"]["clusterName"]
        self.service_logs = self._log_group(namer.log_group("ecs", self.service_name))
        spec = lib.container_definition.ContainerSpec(
            image=lib.service_config.DEFAULT_CONTAINER_IMAGE,
            port=self.port,
            health_check_path=self.health_path,
            log_group=self.service_logs,
            region=self.aws.region,
            environment={
                "ENVIRONMENT": self.suffix,
                "REGION": self.aws.region,
                "DB_HOST": self.db_cluster["Endpoint"],
                "DB_PORT": str(lib.security_groups.POSTGRES_PORT),
                "DB_NAME": lib.database.DATABASE_NAME,
                "DB_SECRET_ARN": self.db_cluster["MasterUserSecret"]["SecretArn"],
            },
            enable_xray=lib.config.DEFAULT_ENABLE_XRAY,
        )
        self.task_definition = ecs.register_task_definition(
            family=namer.name("ecs_family", "web"),
            cpu=str(tier.task_cpu),
            memory=str(tier.task_memory_mb),
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            runtimePlatform={"operatingSystemFamily": "LINUX", "cpuArchitecture": "X86_64"},
            containerDefinitions=json.loads(lib.container_definition.container_definitions(spec)),
            volumes=[
                {"name": lib.container_definition.volume_name(path)}
                for path in lib.container_definition.writable_paths(spec.image)
            ],
        )["taskDefinition"]
        app = lib.container_definition.APP_CONTAINER
        self.servers.append(start_tasks(self.task_definition, app, self.target_group))
        with running_tasks(tier.desired_count):
            ecs.create_service(
                cluster=self.cluster_name,
                serviceName=self.service_name,
                taskDefinition=self.task_definition["taskDefinitionArn"],
                desiredCount=tier.desired_count,
                launchType=lib.ecs_service.LAUNCH_TYPE,
                platformVersion="LATEST",
                networkConfiguration={
                    "awsvpcConfiguration": {
                        "subnets": self.subnets["private"],
                        "securityGroups": [self.groups["service"]],
                        "assignPublicIp": "DISABLED",
                    }
                },
                loadBalancers=[
                    {
                        "targetGroupArn": self.target_group["TargetGroupArn"],
                        "containerName": lib.container_definition.APP_CONTAINER,
                        "containerPort": self.port,
                    }
                ],
                deploymentConfiguration={
                    "deploymentCircuitBreaker": {"enable": True, "rollback": True},
                    "minimumHealthyPercent": 100,
                    "maximumPercent": 200,
                },
            )

    def peer_with_shared_services(self) -> None:
        """A VPC outside the project (slot 0 of the base) and a peering connection to it,
        accepted on the spot (same account and region) and routed from the internal tables."""
        base = ipaddress.IPv4Network(self.lib.address_plan.VPC_CIDR_BASE)
        shared_cidr = str(next(base.subnets(new_prefix=self.lib.address_plan.VPC_PREFIX)))
        shared_vpc = self.ec2.create_vpc(CidrBlock=shared_cidr)["Vpc"]["VpcId"]
        connection_id = self.ec2.create_vpc_peering_connection(
            VpcId=self.vpc_id, PeerVpcId=shared_vpc
        )["VpcPeeringConnection"]["VpcPeeringConnectionId"]
        self.ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=connection_id)
        for table in self.internal_tables:
            self.ec2.create_route(
                RouteTableId=table,
                DestinationCidrBlock=shared_cidr,
                VpcPeeringConnectionId=connection_id,
            )
        self.peering_ids.append(connection_id)
        self.peer_instructions.append(
            self.lib.peering.return_path(
                SimpleNamespace(vpc_id=shared_vpc, owner_id=""), connection_id, self.cidr, self.port
            )
        )

    def monitoring(self) -> None:
        """The alarm topic, an alarm per generated spec notifying it, and the dashboard."""
        lib, namer = self.lib, self.namer
        self.topic = self.aws.client("sns").create_topic(
            Name=namer.name("sns_topic", "alarms"), Attributes={"KmsMasterKeyId": self.logs_key}
        )["TopicArn"]
        alb_arn = self.alb["LoadBalancerArn"]
        target_group_arn = self.target_group["TargetGroupArn"]
        specs = lib.service_monitoring.alarm_specs(
            self.tier,
            cluster=SimpleNamespace(name=self.cluster_name),
            service=SimpleNamespace(name=self.service_name),
            load_balancer=SimpleNamespace(arn_suffix=alb_arn.split(":loadbalancer/")[1]),
            target_group=SimpleNamespace(arn_suffix=target_group_arn.split(":")[-1]),
            database=SimpleNamespace(cluster_identifier=self.db_identifier),
        )
        cloudwatch = self.aws.client("cloudwatch")
        alarm_arns = []
        for alarm in specs:
            name = namer.name("alarm", alarm.purpose)
            cloudwatch.put_metric_alarm(
                AlarmName=name,
                Namespace=alarm.namespace,
                MetricName=alarm.metric_name,
                Dimensions=[{"Name": k, "Value": v} for k, v in alarm.dimensions.items()],
                Statistic=alarm.statistic,
                Period=lib.alarms.PERIOD_SECONDS,
                EvaluationPeriods=2,
                DatapointsToAlarm=2,
                Threshold=float(alarm.threshold),
                ComparisonOperator=alarm.comparison,
                TreatMissingData="notBreaching",
                AlarmActions=[self.topic],
                OKActions=[self.topic],
            )
            (described,) = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
            alarm_arns.append(described["AlarmArn"])
        self.dashboard = namer.name("dashboard", "")
        cloudwatch.put_dashboard(
            DashboardName=self.dashboard,
            DashboardBody=lib.service_monitoring.dashboard_body(
                self.aws.region, specs, alarm_arns, [alarm.dimensions for alarm in specs]
            ),
        )

    def outputs(self) -> dict[str, Any]:
        """What the stack exports (lib/tap_stack.py), with the stand-in's URL for the service's."""
        return {
            "vpc_id": self.vpc_id,
            "vpc_cidr": self.cidr,
            "public_subnet_ids": self.subnets["public"],
            "private_subnet_ids": self.subnets["private"],
            "isolated_subnet_ids": self.subnets["isolated"],
            "alb_arn": self.alb["LoadBalancerArn"],
            "alb_dns_name": self.alb["DNSName"],
            # The stack exports http://<ALB DNS name>; the stand-in answers for it here.
            "service_url": self.servers[0].url,
            "dns_name": self.alb["DNSName"],
            "cluster_name": self.cluster_name,
            "service_name": self.service_name,
            "task_definition_arn": self.task_definition["taskDefinitionArn"],
            "db_cluster_endpoint": self.db_cluster["Endpoint"],
            "db_reader_endpoint": self.db_cluster["ReaderEndpoint"],
            "db_secret_arn": self.db_cluster["MasterUserSecret"]["SecretArn"],
            "log_group_name": self.service_logs,
            "alarm_topic_arn": self.topic,
            "dashboard_name": self.dashboard,
            "peering_connection_ids": self.peering_ids,
            "peering_endpoint": {
                "vpcId": self.vpc_id,
                "cidrBlock": self.cidr,
                "region": self.aws.region,
                "ownerId": self.aws.client("sts").get_caller_identity()["Account"],
                "servicePort": self.port,
            },
            "peering_requests": {},
            "peer_vpc_instructions": self.peer_instructions,
        }

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


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
