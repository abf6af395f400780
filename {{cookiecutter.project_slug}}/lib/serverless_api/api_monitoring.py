"""Alarms and a dashboard for the serverless API."""

from __future__ import annotations

import pulumi
from pulumi_aws import cloudwatch

from lib.alarms import AlarmSpec, Widget, grid, metric_alarms, metric_line
from lib.context import StackContext
from lib.lambda_api.api_deployment import INTEGRATION_TIMEOUT_SECONDS
from lib.lambda_api.python_function import PythonFunction
from lib.serverless_api.rest_api import RestApi
from lib.serverless_api.tiers import ApiTier


class ApiMonitoring(pulumi.ComponentResource):
    """Alarms on the function and the API that notify the alarm topic, and the API dashboard."""

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        *,
        function: PythonFunction,
        api: RestApi,
        tier: ApiTier,
        alarm_topic_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:monitoring:ApiMonitoring", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        api_dims = {"ApiName": api.api.name, "Stage": api.stage.stage_name}
        specs = [
            # The function may run for its whole timeout; its client is cut off sooner.
            *function.alarm_specs(
                tier.error_alarm_threshold, duration_limit_seconds=INTEGRATION_TIMEOUT_SECONDS
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
        self.alarms = metric_alarms(name, ctx, specs, alarm_topic_arn=alarm_topic_arn, opts=child)
        self.dashboard = cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=ctx.namer.name("api_dashboard", ""),
            dashboard_body=pulumi.Output.all(
                function=function.function.name, api=api.api.name, stage=api.stage.stage_name
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
    return grid(
        region,
        [
            Widget("Invocations", "Sum", [metric_line("AWS/Lambda", "Invocations", fn)]),
            Widget("Errors", "Sum", [metric_line("AWS/Lambda", "Errors", fn)]),
            Widget("Duration", "Average", [metric_line("AWS/Lambda", "Duration", fn)]),
            Widget("Throttles", "Sum", [metric_line("AWS/Lambda", "Throttles", fn)]),
            Widget("API requests", "Sum", [metric_line("AWS/ApiGateway", "Count", gateway)]),
            Widget("API latency", "Average", [metric_line("AWS/ApiGateway", "Latency", gateway)]),
            Widget("API 4XX", "Sum", [metric_line("AWS/ApiGateway", "4XXError", gateway)]),
            Widget("API 5XX", "Sum", [metric_line("AWS/ApiGateway", "5XXError", gateway)]),
        ],
    )
