"""TapStack: the serverless API, composed from small components."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from lib.config import ProjectSettings, allow_destroy_from_config
from lib.foundation import Foundation
from lib.lambda_api.api_auth import DEFAULT_API_AUTH, api_auth_from_config
from lib.lambda_api.api_cors import ApiCors
from lib.lambda_api.python_function import PythonFunction, PythonFunctionArgs
from lib.serverless_api.api_monitoring import ApiMonitoring
from lib.serverless_api.rest_api import RestApi
from lib.serverless_api.tiers import tier_settings

FUNCTION_MEMORY_MB = 512
# The TAP specification's timeout. API Gateway stops waiting after 29 s
# (lib/lambda_api/api_deployment.py), so the duration alarm watches that sooner limit; the README
# says why both stay.
FUNCTION_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class TapStackArgs(ProjectSettings):
    """The stack's settings: ``environment_suffix`` and ``tags``, plus the shared defaults, and
    ``api_auth`` (config ``apiAuth``): who may call the API (lib/lambda_api/api_auth.py), and
    ``allow_destroy`` (config ``allowDestroy``): let a prod stack's destroy delete its user pool.
    """

    api_auth: str = DEFAULT_API_AUTH
    allow_destroy: bool = False

    @classmethod
    def variant_settings_from_config(cls, config: pulumi.Config) -> dict[str, Any]:
        """The API's own settings: apiAuth and allowDestroy."""
        return {
            "api_auth": api_auth_from_config(config),
            "allow_destroy": allow_destroy_from_config(config),
        }


class TapStack(pulumi.ComponentResource):
    """A REST API in front of one Lambda function, with encrypted logs, alarms and a dashboard."""

    def __init__(
        self, name: str, args: TapStackArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tap:stack:TapStack", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tier = tier_settings(args.environment_suffix)
        base = Foundation(self, name, args, tier, key_purpose="api")
        ctx, key, alarm_topic = base.ctx, base.key, base.alarm_topic
        # One CORS answer: the API's preflight and error responses, and the function's own.
        cors = ApiCors()
        function = PythonFunction(
            f"{name}-api",
            ctx,
            PythonFunctionArgs(
                purpose="api",
                source="api",
                handler="handler.handler",
                memory_mb=FUNCTION_MEMORY_MB,
                timeout_seconds=FUNCTION_TIMEOUT_SECONDS,
                log_retention_days=tier.log_retention_days,
                kms_key_arn=key.arn,
                enable_xray=args.enable_xray,
                metric_namespace=ctx.namer.metric_namespace(),
                reserved_concurrency=tier.reserved_concurrency,
                environment=cors.environment,
            ),
            opts=child,
        )
        api = RestApi(
            f"{name}-rest",
            ctx,
            function=function.function,
            tier=tier,
            kms_key_arn=key.arn,
            enable_xray=args.enable_xray,
            auth_mode=args.api_auth,
            allow_destroy=args.allow_destroy,
            cors=cors,
            opts=child,
        )
        monitoring = ApiMonitoring(
            f"{name}-monitoring",
            ctx,
            function=function,
            api=api,
            tier=tier,
            alarm_topic_arn=alarm_topic.topic_arn,
            opts=child,
        )

        self.outputs: dict[str, pulumi.Output] = {
            "api_url": api.url,
            "function_name": function.function.name,
            "function_arn": function.function.arn,
            "log_group_name": function.log_group.name,
            "dashboard_name": monitoring.dashboard.dashboard_name,
            "alarm_topic_arn": alarm_topic.topic_arn,
            **api.outputs,
        }
        self.register_outputs(self.outputs)
