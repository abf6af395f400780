"""The environment's VPC: public, private and isolated subnets in every zone, NAT and flow logs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pulumi
from pulumi_aws import ec2, iam

from lib.context import StackContext
from lib.iam import assume_role_policy, policy_document, statement
from lib.log_group import encrypted_log_group
from lib.multi_env_ecs.address_plan import subnet_plan
from lib.multi_env_ecs.tiers import ServiceTier
from lib.tagging import with_name

ANYWHERE = "0.0.0.0/0"
FLOW_LOGS_SERVICE = "vpc-flow-logs.amazonaws.com"
# Flow logs arrive in one-minute batches instead of the default ten.
FLOW_LOG_AGGREGATION_SECONDS = 60
# The zone IDs that run Fargate, in the regions where AWS lists only some of them: "Linux
# containers on AWS Fargate", Amazon ECS Developer Guide,
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/AWS_Fargate-Regions.html
# (us-west-1 "usw1-az1 & usw1-az3 only", ap-northeast-1 "apne1-az1, apne1-az2, & apne1-az4
# only"). Every zone of a region not listed here runs Fargate. IDs, not names: a zone's name
# maps to a different physical zone in each account, its ID to the same one everywhere.
FARGATE_ZONE_IDS: Mapping[str, frozenset[str]] = {
    "us-west-1": frozenset({"usw1-az1", "usw1-az3"}),
    "ap-northeast-1": frozenset({"apne1-az1", "apne1-az2", "apne1-az4"}),
}


def runs_fargate(region: str, zone_id: str) -> bool:
    """Whether the zone ``zone_id`` of ``region`` can run Fargate tasks."""
    return region not in FARGATE_ZONE_IDS or zone_id in FARGATE_ZONE_IDS[region]


def fargate_zones(region: str, names: Sequence[str], zone_ids: Sequence[str]) -> tuple[str, ...]:
    """The names, in this account, of the zones that can run Fargate, in the order of their
    IDs: every account that deploys this project then picks the same physical zones."""
    by_id = dict(zip(zone_ids, names, strict=True))
    # IDs of one region share their prefix, so the shorter sorts first: az2 before az10.
    ordered = sorted(by_id, key=lambda zone_id: (len(zone_id), zone_id))
    return tuple(by_id[zone_id] for zone_id in ordered if runs_fargate(region, zone_id))


class Network(pulumi.ComponentResource):
    """One VPC with three tiers of subnets in each zone.

    Public subnets hold the load balancer and the NAT gateways and route to the internet
    gateway; private (application) subnets route out through NAT; isolated (database) subnets
    have no route beyond the VPC. Every tier has its own route tables; the private tier one per
    zone, so that in prod each zone leaves through its own NAT gateway.
    """

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        *,
        cidr: str,
        zones: Sequence[str],
        tier: ServiceTier,
        kms_key_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:network:Network", name, None, opts)
        self._ctx = ctx
        self._child = pulumi.ResourceOptions(parent=self)
        plan = subnet_plan(cidr, len(zones))
        self.zones = tuple(zones)
        self.vpc = ec2.Vpc(
            f"{name}-vpc",
            cidr_block=cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags=self._tags("vpc"),
            opts=self._child,
        )
        # Security Hub EC2.2: AWS gives every VPC a default group whose members may reach each
        # other and anywhere; anything later put in it by mistake would. The provider adopts
        # that group (it cannot create one) and removes every rule it has; on destroy it only
        # forgets it, and deleting the VPC deletes it (pulumi-aws DefaultSecurityGroup).
        self.default_security_group = ec2.DefaultSecurityGroup(
            f"{name}-default-sg",
            vpc_id=self.vpc.id,
            ingress=[],
            egress=[],
            tags=self._tags("default-sg"),
            opts=self._child,
        )
        self.internet_gateway = ec2.InternetGateway(
            f"{name}-igw", vpc_id=self.vpc.id, tags=self._tags("igw"), opts=self._child
        )
        self.public_subnets = self._subnets(name, "public", plan.public)
        self.private_subnets = self._subnets(name, "private", plan.private)
        self.isolated_subnets = self._subnets(name, "isolated", plan.isolated)

        public_table = self._route_table(name, "public")
        self._associate(name, "public", public_table, range(len(self.zones)))
        ec2.Route(
            f"{name}-public-internet",
            route_table_id=public_table.id,
            destination_cidr_block=ANYWHERE,
            gateway_id=self.internet_gateway.id,
            opts=self._child,
        )
        self.nat_gateways = [
            self._nat_gateway(name, index)
            for index in range(tier.nat_gateway_count(len(self.zones)))
        ]
        self.private_route_tables = []
        for index in range(len(self.zones)):
            table = self._route_table(name, f"private-{self._zone_label(index)}")
            self._associate(name, "private", table, [index])
            ec2.Route(
                f"{name}-private-{self._zone_label(index)}-nat",
                route_table_id=table.id,
                destination_cidr_block=ANYWHERE,
                nat_gateway_id=self.nat_gateways[index % len(self.nat_gateways)].id,
                opts=self._child,
            )
            self.private_route_tables.append(table)
        self.isolated_route_table = self._route_table(name, "isolated")
        self._associate(name, "isolated", self.isolated_route_table, range(len(self.zones)))
        self.flow_log = self._flow_log(name, tier, kms_key_arn)

        self.public_subnet_ids = [subnet.id for subnet in self.public_subnets]
        self.private_subnet_ids = [subnet.id for subnet in self.private_subnets]
        self.isolated_subnet_ids = [subnet.id for subnet in self.isolated_subnets]
        # The tables a peered network must be reachable from: the application's and the database's.
        self.internal_route_table_ids = [
            *(table.id for table in self.private_route_tables),
            self.isolated_route_table.id,
        ]
        self.register_outputs({"vpc_id": self.vpc.id, "vpc_cidr": self.vpc.cidr_block})

    def _tags(self, purpose: str) -> dict[str, str]:
        return with_name(self._ctx.tags, self._ctx.namer.name("vpc", purpose))

    def _zone_label(self, index: int) -> str:
        """``a`` for ``us-east-1a``: the zone's own letter, not its position."""
        return self.zones[index].removeprefix(self._ctx.region).strip("-")

    def _subnets(self, name: str, tier_name: str, cidrs: Sequence[str]) -> list[ec2.Subnet]:
        return [
            ec2.Subnet(
                f"{name}-{tier_name}-{self._zone_label(index)}",
                vpc_id=self.vpc.id,
                cidr_block=cidr,
                availability_zone=self.zones[index],
                map_public_ip_on_launch=False,
                tags={
                    **self._tags(f"{tier_name}-{self._zone_label(index)}"),
                    "Tier": tier_name,
                },
                opts=self._child,
            )
            for index, cidr in enumerate(cidrs)
        ]

    def _route_table(self, name: str, purpose: str) -> ec2.RouteTable:
        return ec2.RouteTable(
            f"{name}-{purpose}-routes",
            vpc_id=self.vpc.id,
            tags=self._tags(f"{purpose}-routes"),
            opts=self._child,
        )

    def _associate(
        self, name: str, tier_name: str, table: ec2.RouteTable, indexes: Iterable[int]
    ) -> None:
        subnets = {
            "public": self.public_subnets,
            "private": self.private_subnets,
            "isolated": self.isolated_subnets,
        }[tier_name]
        for index in indexes:
            ec2.RouteTableAssociation(
                f"{name}-{tier_name}-{self._zone_label(index)}-routes",
                route_table_id=table.id,
                subnet_id=subnets[index].id,
                opts=self._child,
            )

    def _nat_gateway(self, name: str, index: int) -> ec2.NatGateway:
        label = self._zone_label(index)
        address = ec2.Eip(
            f"{name}-nat-{label}-ip",
            domain="vpc",
            tags=self._tags(f"nat-{label}"),
            opts=self._child,
        )
        return ec2.NatGateway(
            f"{name}-nat-{label}",
            allocation_id=address.id,
            subnet_id=self.public_subnets[index].id,
            connectivity_type="public",
            tags=self._tags(f"nat-{label}"),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.internet_gateway]),
        )

    def _flow_log(
        self, name: str, tier: ServiceTier, kms_key_arn: pulumi.Input[str]
    ) -> ec2.FlowLog:
        ctx = self._ctx
        log_group = encrypted_log_group(
            f"{name}-flow-logs",
            ctx,
            name=ctx.namer.log_group("vpc", ctx.namer.name("vpc", "flow-logs")),
            retention_days=tier.log_retention_days,
            kms_key_arn=kms_key_arn,
            opts=self._child,
        )
        role = iam.Role(
            f"{name}-flow-logs-role",
            name=ctx.namer.name("iam_role", "flow-logs"),
            assume_role_policy=assume_role_policy(
                FLOW_LOGS_SERVICE, source_account=ctx.account_id, sid="AssumeFromFlowLogs"
            ),
            tags=ctx.tags,
            opts=self._child,
        )
        policy = iam.RolePolicy(
            f"{name}-flow-logs-policy",
            name=ctx.namer.name("iam_policy", "flow-logs"),
            role=role.id,
            policy=policy_document(
                [
                    statement(
                        "WriteFlowLogs",
                        ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                        [pulumi.Output.concat(log_group.arn, ":*")],
                    ),
                    statement(
                        "FindLogGroups",
                        ["logs:DescribeLogGroups"],
                        [ctx.arn("logs", "log-group:*")],
                    ),
                ]
            ),
            opts=self._child,
        )
        return ec2.FlowLog(
            f"{name}-flow-log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=log_group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=FLOW_LOG_AGGREGATION_SECONDS,
            tags=self._tags("flow-log"),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
