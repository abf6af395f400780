"""TapStack: one environment of the ECS service, composed from small components."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from lib.config import ProjectSettings, allow_destroy_from_config
from lib.context import StackContext
from lib.environment import tier_of
from lib.foundation import Foundation
from lib.multi_env_ecs.database import DATABASE_NAME, AuroraDatabase
from lib.multi_env_ecs.dns import ServiceDomain
from lib.multi_env_ecs.ecs_service import EcsService, EcsServiceArgs
from lib.multi_env_ecs.load_balancer import WEB_ACL_RULE_GROUPS, LoadBalancer
from lib.multi_env_ecs.network import Network
from lib.multi_env_ecs.output_writer import write_flat_outputs
from lib.multi_env_ecs.peering import EnvironmentPeering, VpcPeering, peering_endpoint
from lib.multi_env_ecs.security_groups import POSTGRES_PORT, ServiceSecurityGroups
from lib.multi_env_ecs.service_config import (
    DEFAULT_CONTAINER_IMAGE,
    DEFAULT_CONTAINER_PORT,
    DEFAULT_DOMAIN_NAME,
    DEFAULT_HEALTH_CHECK_PATH,
    PeerVpc,
    check_service_settings,
    service_settings_from_config,
)
from lib.multi_env_ecs.service_monitoring import ServiceMonitoring
from lib.multi_env_ecs.tiers import tier_settings
from lib.web_acl import WebFirewall

# What a pull-request stack reports instead of a DNS name: it never has one.
PR_DNS_NAME = "N/A-PR-Environment"


@dataclass(frozen=True)
class TapStackArgs(ProjectSettings):
    """The shared settings plus the service's own; service_config.py checks and reads them.

    ``vpc_cidr`` and ``availability_zones`` may be left empty: the environment's /16 from
    address_plan.py and the region's first zones are filled in when the args are built.
    """

    vpc_cidr: str = ""
    availability_zones: tuple[str, ...] = ()
    domain_name: str = DEFAULT_DOMAIN_NAME
    hosted_zone_id: str = ""
    peer_vpcs: tuple[PeerVpc, ...] = ()
    peer_environments: tuple[str, ...] = ()
    container_image: str = DEFAULT_CONTAINER_IMAGE
    container_port: int = DEFAULT_CONTAINER_PORT
    health_check_path: str = DEFAULT_HEALTH_CHECK_PATH
    skip_file_write: bool = False
    # Lifts what keeps a protected environment (prod) from being destroyed; see the README.
    allow_destroy: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        for key, value in check_service_settings(self).items():
            object.__setattr__(self, key, value)

    @classmethod
    def variant_settings_from_config(cls, config: pulumi.Config) -> dict[str, Any]:
        """The service's settings: vpcCidr, availabilityZones, domainName, peerVpcs,
        peerEnvironments, ..., allowDestroy."""
        return {
            **service_settings_from_config(config),
            "allow_destroy": allow_destroy_from_config(config),
        }

    @property
    def pull_request(self) -> bool:
        """Whether this is a pull-request stack, which never gets DNS records of its own."""
        return tier_of(self.environment_suffix) == "pr"


class TapStack(pulumi.ComponentResource):
    """An ECS Fargate service behind an ALB, with Aurora PostgreSQL, in the environment's VPC."""

    def __init__(
        self, name: str, args: TapStackArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tap:stack:TapStack", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tier = tier_settings(args.environment_suffix)
        if args.allow_destroy:
            tier = tier.destroyable()
        base = Foundation(self, name, args, tier, key_purpose="logs", key_name="logs-key")
        ctx, self.logs_key, self.alarm_topic = base.ctx, base.key, base.alarm_topic
        # Aurora and Secrets Manager use it with the caller's credentials, which IAM grants.
        self.data_key = base.data_key("data")
        self.network = Network(
            f"{name}-network",
            ctx,
            cidr=args.vpc_cidr,
            zones=args.availability_zones,
            tier=tier,
            kms_key_arn=self.logs_key.arn,
            opts=child,
        )
        self.security_groups = ServiceSecurityGroups(
            f"{name}-sg",
            ctx,
            vpc_id=self.network.vpc.id,
            container_port=args.container_port,
            opts=child,
        )
        self.domain = None
        if args.domain_name and not args.pull_request:
            self.domain = ServiceDomain(
                f"{name}-domain",
                ctx,
                domain_name=args.domain_name,
                hosted_zone_id=args.hosted_zone_id,
                opts=child,
            )
        self.load_balancer = LoadBalancer(
            f"{name}-lb",
            ctx,
            tier=tier,
            vpc_id=self.network.vpc.id,
            subnet_ids=self.network.public_subnet_ids,
            security_group_id=self.security_groups.alb.id,
            container_port=args.container_port,
            health_check_path=args.health_check_path,
            certificate_arn=self.domain.certificate_arn if self.domain else None,
            opts=child,
        )
        self.firewall = None
        if tier.web_acl:
            self.firewall = WebFirewall(
                f"{name}-waf",
                ctx,
                purpose="alb",
                resource_arn=self.load_balancer.alb.arn,
                rule_groups=WEB_ACL_RULE_GROUPS,
                opts=child,
            )
        self.database = AuroraDatabase(
            f"{name}-db",
            ctx,
            tier=tier,
            subnet_ids=self.network.isolated_subnet_ids,
            security_group_id=self.security_groups.database.id,
            kms_key_arn=self.data_key.arn,
            log_kms_key_arn=self.logs_key.arn,
            opts=child,
        )
        self.service = EcsService(
            f"{name}-ecs",
            ctx,
            tier,
            EcsServiceArgs(
                image=args.container_image,
                port=args.container_port,
                health_check_path=args.health_check_path,
                enable_xray=args.enable_xray,
                subnet_ids=self.network.private_subnet_ids,
                security_group_id=self.security_groups.service.id,
                target_group_arn=self.load_balancer.target_group.arn,
                kms_key_arn=self.logs_key.arn,
                database_secret_arn=self.database.secret_arn,
                database_key_arn=self.data_key.arn,
                environment={
                    "ENVIRONMENT": args.environment_suffix,
                    "REGION": args.region,
                    "DB_HOST": self.database.cluster.endpoint,
                    "DB_PORT": str(POSTGRES_PORT),
                    "DB_NAME": DATABASE_NAME,
                    "DB_SECRET_ARN": self.database.secret_arn,
                },
                depends_on=self.load_balancer.listeners,
            ),
            opts=child,
        )
        self.peering = None
        if args.peer_vpcs:
            self.peering = VpcPeering(
                f"{name}-peering",
                ctx,
                vpc_id=self.network.vpc.id,
                peers=args.peer_vpcs,
                route_table_ids=self.network.internal_route_table_ids,
                service_group_id=self.security_groups.service.id,
                database_group_id=self.security_groups.database.id,
                container_port=args.container_port,
                vpc_cidr=self.network.vpc.cidr_block,
                opts=child,
            )
        self.environment_peerings = [
            EnvironmentPeering(
                f"{name}-peer-{environment}",
                ctx,
                peer_environment=environment,
                vpc_id=self.network.vpc.id,
                route_table_ids=self.network.internal_route_table_ids,
                service_group_id=self.security_groups.service.id,
                database_group_id=self.security_groups.database.id,
                container_port=args.container_port,
                opts=child,
            )
            for environment in args.peer_environments
        ]
        self.monitoring = ServiceMonitoring(
            f"{name}-monitoring",
            ctx,
            tier=tier,
            cluster=self.service.cluster,
            service=self.service.service,
            load_balancer=self.load_balancer.alb,
            target_group=self.load_balancer.target_group,
            database=self.database.cluster,
            alarm_topic_arn=self.alarm_topic.topic_arn,
            opts=child,
        )
        if self.domain:
            self.domain.alias_to(self.load_balancer.alb)

        self.outputs: dict[str, pulumi.Input[Any]] = {
            "vpc_id": self.network.vpc.id,
            "vpc_cidr": self.network.vpc.cidr_block,
            "public_subnet_ids": self.network.public_subnet_ids,
            "private_subnet_ids": self.network.private_subnet_ids,
            "isolated_subnet_ids": self.network.isolated_subnet_ids,
            "alb_arn": self.load_balancer.alb.arn,
            "alb_dns_name": self.load_balancer.alb.dns_name,
            **self._addresses(args),
            "cluster_name": self.service.cluster.name,
            "service_name": self.service.service.name,
            "task_definition_arn": self.service.task_definition.arn,
            "db_cluster_endpoint": self.database.cluster.endpoint,
            "db_reader_endpoint": self.database.cluster.reader_endpoint,
            "db_secret_arn": self.database.secret_arn,
            "log_group_name": self.service.log_group.name,
            "alarm_topic_arn": self.alarm_topic.topic_arn,
            "dashboard_name": self.monitoring.dashboard.dashboard_name,
            **self._peering_outputs(ctx, args),
        }
        self.register_outputs(self.outputs)
        write_flat_outputs(self.outputs, skip=args.skip_file_write)

    def _peering_outputs(
        self, ctx: StackContext, args: TapStackArgs
    ) -> dict[str, pulumi.Input[Any]]:
        """Every connection of this VPC; what a peer environment's stack reads (this stack's
        endpoint, and the connections it requested, by environment); and, for each VPC outside
        the project, what its owner must add for traffic to flow back."""
        return {
            "peering_connection_ids": [
                *(self.peering.connection_ids if self.peering else []),
                *(peering.connection_id for peering in self.environment_peerings),
            ],
            "peering_endpoint": peering_endpoint(
                ctx,
                vpc_id=self.network.vpc.id,
                cidr_block=self.network.vpc.cidr_block,
                port=args.container_port,
            ),
            "peering_requests": {
                peering.peer_environment: peering.connection_id
                for peering in self.environment_peerings
                if peering.requests
            },
            "peer_vpc_instructions": self.peering.instructions if self.peering else [],
        }

    def _addresses(self, args: TapStackArgs) -> dict[str, pulumi.Input[str]]:
        """Where the service answers: its own name over HTTPS when it has a domain, else the
        load balancer's name over HTTP (a pull-request stack reports no DNS name at all)."""
        if self.domain:
            return {
                "service_url": f"https://{self.domain.record_name}",
                "dns_name": self.domain.record_name,
            }
        alb_dns_name = self.load_balancer.alb.dns_name
        return {
            "service_url": pulumi.Output.concat("http://", alb_dns_name),
            "dns_name": PR_DNS_NAME if args.pull_request else alb_dns_name,
        }
