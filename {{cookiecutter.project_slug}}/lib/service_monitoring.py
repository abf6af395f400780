"""Alarms on the service, the load balancer and the database, and one dashboard with them all."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
from pulumi_aws import cloudwatch, ecs, lb, rds

from lib.context import StackContext
from lib.tiers import ServiceTier

PERIOD_SECONDS = 300
ABOVE = "GreaterThanOrEqualToThreshold"
BELOW = "LessThanOrEqualToThreshold"


@dataclass(frozen=True)
class AlarmSpec:
    """One metric alarm: what it watches and when it fires."""

    purpose: str
    description: str
    namespace: str
    metric_name: str
    statistic: str
    threshold: float
    dimensions: dict[str, pulumi.Input[str]]
    comparison: str = ABOVE


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
        self.alarms = [
            cloudwatch.MetricAlarm(
                f"{name}-{spec.purpose}",
                name=ctx.namer.name("alarm", spec.purpose),
                alarm_description=f"{spec.description} of {ctx.namer.project} ({ctx.suffix})",
                namespace=spec.namespace,
                metric_name=spec.metric_name,
                dimensions=spec.dimensions,
                statistic=spec.statistic,
                period=PERIOD_SECONDS,
                evaluation_periods=2,
                datapoints_to_alarm=2,
                threshold=spec.threshold,
                comparison_operator=spec.comparison,
                treat_missing_data="notBreaching",
                alarm_actions=[alarm_topic_arn],
                ok_actions=[alarm_topic_arn],
                tags=ctx.tags,
                opts=child,
            )
            for spec in specs
        ]
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
    widgets = [
        {
            "type": "metric",
            "x": (index % 2) * 12,
            "y": (index // 2) * 6,
            "width": 12,
            "height": 6,
            "properties": {
                "title": spec.description,
                "region": region,
                "stat": spec.statistic,
                "period": PERIOD_SECONDS,
                "metrics": [
                    [
                        spec.namespace,
                        spec.metric_name,
                        *[part for item in dims.items() for part in item],
                    ]
                ],
                "annotations": {"horizontal": [{"label": "alarm", "value": spec.threshold}]},
            },
        }
        for index, (spec, dims) in enumerate(zip(specs, dimensions, strict=True))
    ]
    widgets.append(
        {
            "type": "alarm",
            "x": 0,
            "y": (len(specs) + 1) // 2 * 6,
            "width": 24,
            "height": 4,
            "properties": {"title": "Alarms", "alarms": alarm_arns},
        }
    )
    return json.dumps({"widgets": widgets}, sort_keys=True)
