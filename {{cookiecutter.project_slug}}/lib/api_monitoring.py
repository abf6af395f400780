"""Alarms and a dashboard for the serverless API."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
from pulumi_aws import cloudwatch, lambda_

from lib.context import StackContext
from lib.rest_api import RestApi
from lib.tiers import ApiTier

PERIOD_SECONDS = 300
# Alarm before the function is cut off: at 80% of its timeout.
DURATION_ALARM_FRACTION = 0.8


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


class ApiMonitoring(pulumi.ComponentResource):
    """Alarms on the function and the API that notify the alarm topic, and the API dashboard."""

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        *,
        function: lambda_.Function,
        api: RestApi,
        tier: ApiTier,
        alarm_topic_arn: pulumi.Input[str],
        timeout_seconds: int,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:monitoring:ApiMonitoring", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        function_dims = {"FunctionName": function.name}
        api_dims = {"ApiName": api.api.name, "Stage": api.stage.stage_name}
        specs = [
            AlarmSpec(
                "fn-errors",
                "Lambda errors",
                "AWS/Lambda",
                "Errors",
                "Sum",
                tier.error_alarm_threshold,
                function_dims,
            ),
            AlarmSpec(
                "fn-throttles",
                "Lambda throttles",
                "AWS/Lambda",
                "Throttles",
                "Sum",
                1,
                function_dims,
            ),
            AlarmSpec(
                "fn-duration",
                "Lambda duration near its timeout",
                "AWS/Lambda",
                "Duration",
                "Maximum",
                timeout_seconds * 1000 * DURATION_ALARM_FRACTION,
                function_dims,
            ),
            AlarmSpec(
                "api-5xx", "API server errors", "AWS/ApiGateway", "5XXError", "Sum", 1, api_dims
            ),
            AlarmSpec(
                "api-4xx",
                "API client errors",
                "AWS/ApiGateway",
                "4XXError",
                "Sum",
                tier.api_4xx_alarm_threshold,
                api_dims,
            ),
            AlarmSpec(
                "api-latency",
                "API latency",
                "AWS/ApiGateway",
                "Latency",
                "Maximum",
                tier.latency_alarm_ms,
                api_dims,
            ),
        ]
        self.alarms = [
            cloudwatch.MetricAlarm(
                f"{name}-{spec.purpose}",
                name=ctx.namer.name("alarm", spec.purpose),
                alarm_description=f"{spec.description} for {ctx.namer.project} ({ctx.suffix})",
                namespace=spec.namespace,
                metric_name=spec.metric_name,
                dimensions=spec.dimensions,
                statistic=spec.statistic,
                period=PERIOD_SECONDS,
                evaluation_periods=1,
                threshold=spec.threshold,
                comparison_operator="GreaterThanOrEqualToThreshold",
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
            dashboard_name=f"TAP-API-{ctx.suffix}",
            dashboard_body=pulumi.Output.all(
                function=function.name, api=api.api.name, stage=api.stage.stage_name
            ).apply(lambda names: dashboard_body(ctx.region, **names)),
            opts=child,
        )
        self.register_outputs(
            {"dashboard_name": self.dashboard.dashboard_name, "alarm_count": len(self.alarms)}
        )


def dashboard_body(region: str, *, function: str, api: str, stage: str) -> str:
    """The dashboard: one widget per metric that tells whether the API is healthy."""
    fn = {"FunctionName": function}
    gateway = {"ApiName": api, "Stage": stage}
    widgets = [
        ("Invocations", "AWS/Lambda", "Invocations", "Sum", fn),
        ("Errors", "AWS/Lambda", "Errors", "Sum", fn),
        ("Duration", "AWS/Lambda", "Duration", "Average", fn),
        ("Throttles", "AWS/Lambda", "Throttles", "Sum", fn),
        ("API requests", "AWS/ApiGateway", "Count", "Sum", gateway),
        ("API latency", "AWS/ApiGateway", "Latency", "Average", gateway),
        ("API 4XX", "AWS/ApiGateway", "4XXError", "Sum", gateway),
        ("API 5XX", "AWS/ApiGateway", "5XXError", "Sum", gateway),
    ]
    return json.dumps(
        {
            "widgets": [
                {
                    "type": "metric",
                    "x": (index % 2) * 12,
                    "y": (index // 2) * 6,
                    "width": 12,
                    "height": 6,
                    "properties": {
                        "title": title,
                        "region": region,
                        "stat": stat,
                        "period": PERIOD_SECONDS,
                        "metrics": [
                            [namespace, metric, *[part for item in dims.items() for part in item]]
                        ],
                    },
                }
                for index, (title, namespace, metric, stat, dims) in enumerate(widgets)
            ]
        }
    )
