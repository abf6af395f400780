"""The stage of a REST API: access and execution logs, tracing, metrics and throttling."""

from __future__ import annotations

import json
from typing import Protocol

import pulumi
from pulumi_aws import apigateway

from lib.context import StackContext
from lib.log_group import encrypted_log_group
from lib.web_acl import ManagedRuleGroup, WebFirewall

# One JSON line per request, so access logs can be queried with CloudWatch Logs Insights.
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "status": "$context.status",
        "responseLength": "$context.responseLength",
        "integrationLatency": "$context.integrationLatency",
        "xrayTraceId": "$context.xrayTraceId",
    },
    separators=(",", ":"),
)
# The web ACL's AWS managed rule groups (baseline and IP reputation, "AWS Managed Rules rule
# groups list", AWS WAF Developer Guide), in the order they judge a request: the cheapest
# verdict, the source's reputation, first.
WEB_ACL_RULE_GROUPS = (
    ManagedRuleGroup("AWSManagedRulesAmazonIpReputationList", 25),
    ManagedRuleGroup("AWSManagedRulesCommonRuleSet", 700),
    ManagedRuleGroup("AWSManagedRulesKnownBadInputsRuleSet", 200),
)
# Rules of those groups that would block what the APIs accept, counted instead of blocking:
# SizeRestrictions_BODY blocks bodies over 8 KB, where the ingest API takes up to 64 KB and
# each handler enforces its own limit.
WEB_ACL_COUNTED_RULES = {"AWSManagedRulesCommonRuleSet": ("SizeRestrictions_BODY",)}


class StageTier(Protocol):
    """What a stage reads from its variant's tier row."""

    log_retention_days: int
    throttle_rate_limit: float
    throttle_burst_limit: int
    web_acl: bool


class ApiStage(pulumi.ComponentResource):
    """The environment's stage of ``api``, named after the suffix, logged, measured and throttled,
    and behind a WAF web ACL where the tier says ``web_acl`` (lib/web_acl.py).

    The access log group is named after the API's ``purpose``; the execution log group is the
    one API Gateway would otherwise create itself, unencrypted and kept forever. API Gateway
    writes both through the region's CloudWatch role, which the account stack sets
    (``account/``, lib/lambda_api/api_gateway_logging.py), not this one.
    """

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        *,
        api: apigateway.RestApi,
        deployment: apigateway.Deployment,
        purpose: str,
        tier: StageTier,
        kms_key_arn: pulumi.Input[str],
        enable_xray: bool,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:api:ApiStage", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.access_logs = encrypted_log_group(
            f"{name}-access-logs",
            ctx,
            name=ctx.namer.log_group("apigateway", ctx.namer.name("rest_api", f"{purpose}-access")),
            retention_days=tier.log_retention_days,
            kms_key_arn=kms_key_arn,
            opts=child,
        )
        self.stage = apigateway.Stage(
            f"{name}-stage",
            rest_api=api.id,
            deployment=deployment.id,
            stage_name=ctx.suffix,
            xray_tracing_enabled=enable_xray,
            access_log_settings=apigateway.StageAccessLogSettingsArgs(
                destination_arn=self.access_logs.arn, format=ACCESS_LOG_FORMAT
            ),
            tags=ctx.tags,
            opts=child,
        )
        self.execution_logs = encrypted_log_group(
            f"{name}-execution-logs",
            ctx,
            name=pulumi.Output.concat("API-Gateway-Execution-Logs_", api.id, "/", ctx.suffix),
            retention_days=tier.log_retention_days,
            kms_key_arn=kms_key_arn,
            opts=child,
        )
        self.method_settings = apigateway.MethodSettings(
            f"{name}-method-settings",
            rest_api=api.id,
            stage_name=self.stage.stage_name,
            method_path="*/*",
            settings=apigateway.MethodSettingsSettingsArgs(
                metrics_enabled=True,
                logging_level="ERROR",
                data_trace_enabled=False,
                throttling_rate_limit=tier.throttle_rate_limit,
                throttling_burst_limit=tier.throttle_burst_limit,
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.execution_logs]),
        )
        self.firewall = (
            WebFirewall(
                f"{name}-firewall",
                ctx,
                purpose=purpose,
                resource_arn=self.stage.arn,
                rule_groups=WEB_ACL_RULE_GROUPS,
                counted_rules=WEB_ACL_COUNTED_RULES,
                opts=child,
            )
            if tier.web_acl
            else None
        )
        self.invoke_url = self.stage.invoke_url
        self.register_outputs(
            {"invoke_url": self.invoke_url, "access_log_group": self.access_logs.name}
        )
