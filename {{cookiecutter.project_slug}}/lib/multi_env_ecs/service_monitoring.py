"""Alarms on the service, the load balancer and the database, and one dashboard with them all."""

from __future__ import annotations

import pulumi
from pulumi_aws import cloudwatch, ecs, lb, rds

from lib.alarms import BELOW, AlarmSpec, Widget, grid, metric_alarms, metric_line
from lib.context import StackContext
from lib.multi_env_ecs.tiers import ServiceTier


class ServiceMonitoring(pulumi.ComponentResource):
    """Eight alarms with the tier's thresholds, all notifying the alarm topic, and the dashboard."""

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        *,
        tier: ServiceTier,
        cluster: ecs.Cluster,
        service: ecs.Service,
        load_balancer: lb.LoadBalancer,
        target_group: lb.TargetGroup,
        database: rds.Cluster,
        alarm_topic_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:monitoring:ServiceMonitoring", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        specs = alarm_specs(
            tier,
            cluster=cluster,
            service=service,
            load_balancer=load_balancer,
            target_group=target_group,
            database=database,
        )
        # Two periods in a row: a single slow deployment or burst is not worth a page.
        self.alarms = metric_alarms(
            name, ctx, specs, alarm_topic_arn=alarm_topic_arn, opts=child, evaluation_periods=2
        )
        self.dashboard = cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=ctx.namer.name("dashboard", ""),
            dashboard_body=pulumi.Output.all(
                alarms=[alarm.arn for alarm in self.alarms],
                dimensions=[spec.dimensions for spec in specs],
            ).apply(
                lambda resolved: dashboard_body(
                    ctx.region, specs, resolved["alarms"], resolved["dimensions"]
                )
            ),
            opts=child,
        )
        self.register_outputs(
            {"dashboard_name": self.dashboard.dashboard_name, "alarm_count": len(self.alarms)}
        )


def alarm_specs(
    tier: ServiceTier,
    *,
    cluster: ecs.Cluster,
    service: ecs.Service,
    load_balancer: lb.LoadBalancer,
    target_group: lb.TargetGroup,
    database: rds.Cluster,
) -> list[AlarmSpec]:
    """The eight alarms: service CPU and memory, load balancer 5XX, unhealthy targets and
    response time, database CPU, free memory and connections."""
    ecs_dims = {"ClusterName": cluster.name, "ServiceName": service.name}
    alb_dims = {"LoadBalancer": load_balancer.arn_suffix}
    target_dims = {"TargetGroup": target_group.arn_suffix, **alb_dims}
    db_dims = {"DBClusterIdentifier": database.cluster_identifier}
    return [
        AlarmSpec(
            "service-cpu",
            "Service CPU",
            "AWS/ECS",
            "CPUUtilization",
            "Average",
            tier.cpu_alarm_percent,
            ecs_dims,
        ),
        AlarmSpec(
            "service-memory",
            "Service memory",
            "AWS/ECS",
            "MemoryUtilization",
            "Average",
            tier.memory_alarm_percent,
            ecs_dims,
        ),
        AlarmSpec(
            "alb-5xx",
            "Load balancer 5XX responses",
            "AWS/ApplicationELB",
            "HTTPCode_ELB_5XX_Count",
            "Sum",
            tier.alb_5xx_alarm_count,
            alb_dims,
        ),
        AlarmSpec(
            "unhealthy-hosts",
            "Unhealthy targets",
            "AWS/ApplicationELB",
            "UnHealthyHostCount",
            "Maximum",
            tier.unhealthy_hosts_alarm_count,
            target_dims,
        ),
        AlarmSpec(
            "response-time",
            "Target response time",
            "AWS/ApplicationELB",
            "TargetResponseTime",
            "Average",
            tier.response_time_alarm_seconds,
            alb_dims,
        ),
        AlarmSpec(
            "db-cpu",
            "Database CPU",
            "AWS/RDS",
            "CPUUtilization",
            "Average",
            tier.db_cpu_alarm_percent,
            db_dims,
        ),
        AlarmSpec(
            "db-memory",
            "Database freeable memory",
            "AWS/RDS",
            "FreeableMemory",
            "Minimum",
            tier.db_freeable_memory_alarm_bytes,
            db_dims,
            comparison=BELOW,
        ),
        AlarmSpec(
            "db-connections",
            "Database connections",
            "AWS/RDS",
            "DatabaseConnections",
            "Maximum",
            tier.db_connections_alarm_count,
            db_dims,
        ),
    ]


def dashboard_body(
    region: str, specs: list[AlarmSpec], alarm_arns: list[str], dimensions: list[dict[str, str]]
) -> str:
    """One graph per alarm, its threshold drawn, then every alarm's state in one widget."""
    return grid(
        region,
        [
            Widget(
                spec.description,
                spec.statistic,
                [metric_line(spec.namespace, spec.metric_name, dims)],
                spec.threshold,
            )
            for spec, dims in zip(specs, dimensions, strict=True)
        ],
        extra=[
            {"type": "alarm", "height": 4, "properties": {"title": "Alarms", "alarms": alarm_arns}}
        ],
    )
