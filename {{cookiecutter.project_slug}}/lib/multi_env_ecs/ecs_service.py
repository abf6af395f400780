"""The service itself: an ECS cluster, a Fargate task definition and a service behind the ALB."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi_aws import appautoscaling, ecs, iam

from lib.context import StackContext
from lib.iam import assume_role_policy, policy_document, statement
from lib.log_group import encrypted_log_group
from lib.multi_env_ecs.container_definition import (
    APP_CONTAINER,
    ContainerSpec,
    container_definitions,
    private_ecr_repository,
    volume_name,
    writable_paths,
)
from lib.multi_env_ecs.tiers import ServiceTier
from lib.naming import Namer

TASKS_SERVICE = "ecs-tasks.amazonaws.com"
# Seconds a new task may fail its load balancer health checks while it starts.
HEALTH_CHECK_GRACE_SECONDS = 60
SCALE_IN_COOLDOWN_SECONDS = 300
SCALE_OUT_COOLDOWN_SECONDS = 60
LAUNCH_TYPE = "FARGATE"


def service_name(namer: Namer) -> str:
    """The service's name. Names are unique per cluster, and a new cluster is a new one; a new
    launch type replaces the service (pulumi-aws 7: launch_type "forces a new resource"), so
    the name carries it and the new service is created while the old one still runs."""
    return namer.replaceable_name("ecs_service", "web", LAUNCH_TYPE)


@dataclass(frozen=True)
class EcsServiceArgs:
    """What the service runs, where, and what it may reach."""

    image: str
    port: int
    health_check_path: str
    enable_xray: bool
    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]
    target_group_arn: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]  # the log group's key
    database_secret_arn: pulumi.Input[str]
    database_key_arn: pulumi.Input[str]  # the key that encrypts that secret
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # Resources the service must wait for, such as the listeners that attach the target group.
    depends_on: Sequence[pulumi.Resource] = ()


class EcsService(pulumi.ComponentResource):
    """A Fargate service in the private subnets, registered with the load balancer's targets.

    Two roles split the work: the execution role lets ECS pull the image and write the logs;
    the task role is what the application itself may do, which is reading the database's
    secret (and sending traces when X-Ray is on). Deployments that fail their health checks
    roll back, and the task count follows CPU within the tier's bounds.
    """

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        tier: ServiceTier,
        args: EcsServiceArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:compute:EcsService", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.service_name = service_name(ctx.namer)
        self.cluster = ecs.Cluster(
            f"{name}-cluster",
            name=ctx.namer.name("ecs_cluster", "cluster"),
            settings=[{"name": "containerInsights", "value": "enabled"}],
            tags=ctx.tags,
            opts=child,
        )
        self.log_group = encrypted_log_group(
            f"{name}-logs",
            ctx,
            name=ctx.namer.log_group("ecs", self.service_name),
            retention_days=tier.log_retention_days,
            kms_key_arn=args.kms_key_arn,
            opts=child,
        )
        self.execution_role = self._role(
            f"{name}-execution", ctx, "ecs-execution", self._execution_statements(ctx, args), child
        )
        self.task_role = self._role(
            f"{name}-task", ctx, "ecs-task", self._task_statements(ctx, args), child
        )
        self.task_definition = ecs.TaskDefinition(
            f"{name}-task-definition",
            family=ctx.namer.name("ecs_family", "web"),
            cpu=str(tier.task_cpu),
            memory=str(tier.task_memory_mb),
            network_mode="awsvpc",
            requires_compatibilities=["FARGATE"],
            runtime_platform={"operating_system_family": "LINUX", "cpu_architecture": "X86_64"},
            execution_role_arn=self.execution_role.arn,
            task_role_arn=self.task_role.arn,
            container_definitions=pulumi.Output.all(
                log_group=self.log_group.name, environment=dict(args.environment)
            ).apply(
                lambda values: container_definitions(
                    ContainerSpec(
                        image=args.image,
                        port=args.port,
                        health_check_path=args.health_check_path,
                        log_group=values["log_group"],
                        region=ctx.region,
                        environment=values["environment"],
                        enable_xray=args.enable_xray,
                    )
                )
            ),
            volumes=[{"name": volume_name(path)} for path in writable_paths(args.image)],
            tags=ctx.tags,
            opts=child,
        )
        self.service = ecs.Service(
            f"{name}-service",
            name=self.service_name,
            cluster=self.cluster.arn,
            task_definition=self.task_definition.arn,
            desired_count=tier.desired_count,
            launch_type=LAUNCH_TYPE,
            platform_version="LATEST",
            network_configuration={
                "subnets": list(args.subnet_ids),
                "security_groups": [args.security_group_id],
                "assign_public_ip": False,
            },
            load_balancers=[
                {
                    "target_group_arn": args.target_group_arn,
                    "container_name": APP_CONTAINER,
                    "container_port": args.port,
                }
            ],
            health_check_grace_period_seconds=HEALTH_CHECK_GRACE_SECONDS,
            deployment_circuit_breaker={"enable": True, "rollback": True},
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            enable_execute_command=False,
            enable_ecs_managed_tags=True,
            propagate_tags="SERVICE",
            tags=ctx.tags,
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=list(args.depends_on),
                # Autoscaling owns the running count once the service exists.
                ignore_changes=["desiredCount"],
            ),
        )
        self.scaling_target = appautoscaling.Target(
            f"{name}-scaling-target",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.concat("service/", self.cluster.name, "/", self.service.name),
            min_capacity=tier.min_tasks,
            max_capacity=tier.max_tasks,
            tags=ctx.tags,
            opts=child,
        )
        self.scaling_policy = appautoscaling.Policy(
            f"{name}-cpu-scaling",
            name=ctx.namer.name("scaling_policy", "web-cpu"),
            policy_type="TargetTrackingScaling",
            service_namespace=self.scaling_target.service_namespace,
            scalable_dimension=self.scaling_target.scalable_dimension,
            resource_id=self.scaling_target.resource_id,
            target_tracking_scaling_policy_configuration={
                "predefined_metric_specification": {
                    "predefined_metric_type": "ECSServiceAverageCPUUtilization"
                },
                "target_value": tier.cpu_target_percent,
                "scale_in_cooldown": SCALE_IN_COOLDOWN_SECONDS,
                "scale_out_cooldown": SCALE_OUT_COOLDOWN_SECONDS,
            },
            opts=child,
        )
        self.register_outputs(
            {
                "cluster_name": self.cluster.name,
                "service_name": self.service.name,
                "task_definition_arn": self.task_definition.arn,
            }
        )

    @staticmethod
    def _role(
        name: str,
        ctx: StackContext,
        purpose: str,
        statements: list[dict[str, Any]],
        opts: pulumi.ResourceOptions,
    ) -> iam.Role:
        role = iam.Role(
            f"{name}-role",
            name=ctx.namer.name("iam_role", purpose),
            assume_role_policy=assume_role_policy(
                TASKS_SERVICE, source_account=ctx.account_id, sid="AssumeFromEcsTasks"
            ),
            tags=ctx.tags,
            opts=opts,
        )
        iam.RolePolicy(
            f"{name}-policy",
            name=ctx.namer.name("iam_policy", purpose),
            role=role.id,
            policy=policy_document(statements),
            opts=opts,
        )
        return role

    def _execution_statements(self, ctx: StackContext, args: EcsServiceArgs) -> list[dict]:
        """ECS itself: write the container logs, and pull the image when it is in private ECR."""
        statements = [
            statement(
                "WriteContainerLogs",
                ["logs:CreateLogStream", "logs:PutLogEvents"],
                [pulumi.Output.concat(self.log_group.arn, ":*")],
            )
        ]
        repository = private_ecr_repository(args.image)
        if repository:
            account, region, name = repository
            statements += [
                statement(
                    "PullServiceImage",
                    [
                        "ecr:BatchCheckLayerAvailability",
                        "ecr:BatchGetImage",
                        "ecr:GetDownloadUrlForLayer",
                    ],
                    [f"arn:{ctx.partition}:ecr:{region}:{account}:repository/{name}"],
                ),
                # Registry sign-in has no resource to scope it to.
                statement("SignInToRegistry", ["ecr:GetAuthorizationToken"], ["*"]),
            ]
        return statements

    @staticmethod
    def _task_statements(ctx: StackContext, args: EcsServiceArgs) -> list[dict]:
        """The application: read the database's secret and nothing else (plus traces)."""
        statements = [
            statement(
                "ReadDatabaseSecret",
                ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
                [args.database_secret_arn],
            ),
            statement(
                "DecryptDatabaseSecret",
                ["kms:Decrypt"],
                [args.database_key_arn],
                condition={
                    "StringEquals": {"kms:ViaService": ctx.regional_service("secretsmanager")}
                },
            ),
        ]
        if args.enable_xray:
            # X-Ray has no resource-level permissions: the resource must be "*".
            statements.append(
                statement(
                    "WriteTraces",
                    [
                        "xray:GetSamplingRules",
                        "xray:GetSamplingTargets",
                        "xray:PutTelemetryRecords",
                        "xray:PutTraceSegments",
                    ],
                    ["*"],
                )
            )
        return statements
