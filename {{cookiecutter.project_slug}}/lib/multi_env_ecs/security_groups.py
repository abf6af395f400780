"""Who may talk to whom: the load balancer, the service and the database, one group each.

Every rule is its own resource (none inline), so each one can be read, changed and tested on
its own, and a group without an egress rule lets nothing out.
"""

from __future__ import annotations

import pulumi
from pulumi_aws import ec2, vpc

from lib.context import StackContext
from lib.tagging import with_name

ANYWHERE = "0.0.0.0/0"
HTTP_PORT = 80
HTTPS_PORT = 443
POSTGRES_PORT = 5432


def ingress_rule(
    resource_name: str,
    ctx: StackContext,
    *,
    group_id: pulumi.Input[str],
    port: int,
    description: str,
    source_cidr: pulumi.Input[str] | None = None,
    source_group_id: pulumi.Input[str] | None = None,
    opts: pulumi.ResourceOptions,
) -> vpc.SecurityGroupIngressRule:
    """Let TCP ``port`` into ``group_id`` from one network or from one other group."""
    return vpc.SecurityGroupIngressRule(
        resource_name,
        security_group_id=group_id,
        ip_protocol="tcp",
        from_port=port,
        to_port=port,
        cidr_ipv4=source_cidr,
        referenced_security_group_id=source_group_id,
        description=description,
        tags=ctx.tags,
        opts=opts,
    )


def egress_rule(
    resource_name: str,
    ctx: StackContext,
    *,
    group_id: pulumi.Input[str],
    port: pulumi.Input[int],
    description: str,
    destination_cidr: pulumi.Input[str] | None = None,
    destination_group_id: pulumi.Input[str] | None = None,
    opts: pulumi.ResourceOptions,
) -> vpc.SecurityGroupEgressRule:
    """Let TCP ``port`` out of ``group_id`` to one network or to one other group."""
    return vpc.SecurityGroupEgressRule(
        resource_name,
        security_group_id=group_id,
        ip_protocol="tcp",
        from_port=port,
        to_port=port,
        cidr_ipv4=destination_cidr,
        referenced_security_group_id=destination_group_id,
        description=description,
        tags=ctx.tags,
        opts=opts,
    )


class ServiceSecurityGroups(pulumi.ComponentResource):
    """The chain internet -> load balancer -> service -> database, and nothing else.

    The load balancer takes HTTP and HTTPS from anywhere and reaches only the service's port;
    the service takes its port only from the load balancer and reaches only HTTPS (images, logs,
    secrets, through NAT) and the database; the database takes PostgreSQL only from the service
    and reaches nothing.
    """

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        *,
        vpc_id: pulumi.Input[str],
        container_port: int,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:network:ServiceSecurityGroups", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        def group(purpose: str, description: str) -> ec2.SecurityGroup:
            group_name = ctx.namer.name("security_group", purpose)
            return ec2.SecurityGroup(
                f"{name}-{purpose}",
                # A new description or VPC replaces a group, and a VPC refuses a second group of
                # the same name: the provider completes the prefix with a unique suffix, and the
                # Name tag carries the readable name.
                name_prefix=ctx.namer.name_prefix("security_group", purpose),
                description=description,
                vpc_id=vpc_id,
                revoke_rules_on_delete=True,
                tags=with_name(ctx.tags, group_name),
                opts=child,
            )

        self.alb = group("alb", "Application load balancer: HTTP and HTTPS from the internet")
        self.service = group("service", "ECS tasks: the container port from the load balancer")
        self.database = group("db", "Aurora PostgreSQL: 5432 from the service")
        self.rules = [
            ingress_rule(
                f"{name}-alb-from-internet-http",
                ctx,
                group_id=self.alb.id,
                port=HTTP_PORT,
                source_cidr=ANYWHERE,
                description="HTTP from anywhere",
                opts=child,
            ),
            ingress_rule(
                f"{name}-alb-from-internet-https",
                ctx,
                group_id=self.alb.id,
                port=HTTPS_PORT,
                source_cidr=ANYWHERE,
                description="HTTPS from anywhere",
                opts=child,
            ),
            egress_rule(
                f"{name}-alb-to-service",
                ctx,
                group_id=self.alb.id,
                port=container_port,
                destination_group_id=self.service.id,
                description="Requests and health checks to the service",
                opts=child,
            ),
            ingress_rule(
                f"{name}-service-from-alb",
                ctx,
                group_id=self.service.id,
                port=container_port,
                source_group_id=self.alb.id,
                description="Requests and health checks from the load balancer",
                opts=child,
            ),
            egress_rule(
                f"{name}-service-to-https",
                ctx,
                group_id=self.service.id,
                port=HTTPS_PORT,
                destination_cidr=ANYWHERE,
                description="AWS APIs and image registries over HTTPS, through NAT",
                opts=child,
            ),
            egress_rule(
                f"{name}-service-to-db",
                ctx,
                group_id=self.service.id,
                port=POSTGRES_PORT,
                destination_group_id=self.database.id,
                description="PostgreSQL to the database",
                opts=child,
            ),
            ingress_rule(
                f"{name}-db-from-service",
                ctx,
                group_id=self.database.id,
                port=POSTGRES_PORT,
                source_group_id=self.service.id,
                description="PostgreSQL from the service",
                opts=child,
            ),
        ]
        self.register_outputs(
            {
                "alb_group_id": self.alb.id,
                "service_group_id": self.service.id,
                "database_group_id": self.database.id,
            }
        )
