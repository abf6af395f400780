"""The public REST API: a Lambda proxy with CORS, an explicit stage, access logs and throttling."""

from __future__ import annotations

import hashlib
import json

import pulumi
from pulumi_aws import apigateway, iam, lambda_

from lib.context import StackContext
from lib.iam import assume_role_policy, policy_document, statement
from lib.log_group import encrypted_log_group
from lib.tiers import ApiTier

CORS_HEADERS = {
    "Access-Control-Allow-Headers": "'Content-Type,Authorization,X-Amz-Date,X-Api-Key'",
    "Access-Control-Allow-Methods": "'GET,POST,OPTIONS'",
    "Access-Control-Allow-Origin": "'*'",
}

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

# The actions API Gateway needs to write its logs, as in AWS's own push-to-CloudWatch policy.
API_GATEWAY_LOGGING_ACTIONS = (
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:DescribeLogGroups",
    "logs:DescribeLogStreams",
    "logs:FilterLogEvents",
    "logs:GetLogEvents",
    "logs:PutLogEvents",
)


class RestApi(pulumi.ComponentResource):
    """API Gateway REST API that proxies every path and method to one function."""

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        *,
        function: lambda_.Function,
        tier: ApiTier,
        kms_key_arn: pulumi.Input[str],
        enable_xray: bool,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:api:RestApi", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.api = apigateway.RestApi(
            f"{name}-api",
            name=ctx.namer.name("rest_api", "api"),
            description=f"{ctx.namer.project} API ({ctx.suffix})",
            endpoint_configuration=apigateway.RestApiEndpointConfigurationArgs(types="REGIONAL"),
            tags=ctx.tags,
            opts=child,
        )
        proxy = apigateway.Resource(
            f"{name}-proxy",
            rest_api=self.api.id,
            parent_id=self.api.root_resource_id,
            path_part="{proxy+}",
            opts=child,
        )
        routes = {"root": self.api.root_resource_id, "proxy": proxy.id}
        self.methods: list[pulumi.Resource] = []
        for route, resource_id in routes.items():
            self.methods += self._lambda_proxy(f"{name}-{route}", resource_id, function, child)
            self.methods += self._cors_preflight(f"{name}-{route}", resource_id, child)

        self.deployment = apigateway.Deployment(
            f"{name}-deployment",
            rest_api=self.api.id,
            description=f"{ctx.namer.project} API deployment",
            # Redeploy whenever the set of routes changes.
            triggers={"routes": hashlib.sha256(json.dumps(sorted(routes)).encode()).hexdigest()},
            opts=pulumi.ResourceOptions(parent=self, depends_on=self.methods),
        )
        self.access_logs = encrypted_log_group(
            f"{name}-access-logs",
            ctx,
            name=ctx.namer.log_group("apigateway", ctx.namer.name("rest_api", "api-access")),
            retention_days=tier.log_retention_days,
            kms_key_arn=kms_key_arn,
            opts=child,
        )
        account = self._cloudwatch_logging_role(name, ctx, child)
        self.stage = apigateway.Stage(
            f"{name}-stage",
            rest_api=self.api.id,
            deployment=self.deployment.id,
            stage_name=ctx.suffix,
            xray_tracing_enabled=enable_xray,
            access_log_settings=apigateway.StageAccessLogSettingsArgs(
                destination_arn=self.access_logs.arn, format=ACCESS_LOG_FORMAT
            ),
            tags=ctx.tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[account]),
        )
        # API Gateway would create the execution log group itself, unencrypted and kept forever.
        self.execution_logs = encrypted_log_group(
            f"{name}-execution-logs",
            ctx,
            name=pulumi.Output.concat("API-Gateway-Execution-Logs_", self.api.id, "/", ctx.suffix),
            retention_days=tier.log_retention_days,
            kms_key_arn=kms_key_arn,
            opts=child,
        )
        self.method_settings = apigateway.MethodSettings(
            f"{name}-method-settings",
            rest_api=self.api.id,
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
        self.permission = lambda_.Permission(
            f"{name}-invoke",
            action="lambda:InvokeFunction",
            function=function.name,
            principal="apigateway.amazonaws.com",
            # Only this API, any stage, method and path, may invoke the function.
            source_arn=pulumi.Output.concat(self.api.execution_arn, "/*/*"),
            opts=child,
        )
        self.url = self.stage.invoke_url
        self.register_outputs({"url": self.url, "api_id": self.api.id})

    def _lambda_proxy(
        self,
        name: str,
        resource_id: pulumi.Input[str],
        function: lambda_.Function,
        opts: pulumi.ResourceOptions,
    ) -> list[pulumi.Resource]:
        method = apigateway.Method(
            f"{name}-any",
            rest_api=self.api.id,
            resource_id=resource_id,
            http_method="ANY",
            authorization="NONE",
            opts=opts,
        )
        integration = apigateway.Integration(
            f"{name}-lambda",
            rest_api=self.api.id,
            resource_id=resource_id,
            http_method=method.http_method,
            type="AWS_PROXY",
            integration_http_method="POST",
            uri=function.invoke_arn,
            opts=opts,
        )
        return [method, integration]

    def _cors_preflight(
        self, name: str, resource_id: pulumi.Input[str], opts: pulumi.ResourceOptions
    ) -> list[pulumi.Resource]:
        method = apigateway.Method(
            f"{name}-options",
            rest_api=self.api.id,
            resource_id=resource_id,
            http_method="OPTIONS",
            authorization="NONE",
            opts=opts,
        )
        integration = apigateway.Integration(
            f"{name}-options-mock",
            rest_api=self.api.id,
            resource_id=resource_id,
            http_method=method.http_method,
            type="MOCK",
            request_templates={"application/json": '{"statusCode": 200}'},
            opts=opts,
        )
        method_response = apigateway.MethodResponse(
            f"{name}-options-200",
            rest_api=self.api.id,
            resource_id=resource_id,
            http_method=method.http_method,
            status_code="200",
            response_parameters={f"method.response.header.{h}": True for h in CORS_HEADERS},
            response_models={"application/json": "Empty"},
            opts=opts,
        )
        integration_response = apigateway.IntegrationResponse(
            f"{name}-options-cors",
            rest_api=self.api.id,
            resource_id=resource_id,
            http_method=method.http_method,
            status_code=method_response.status_code,
            response_parameters={
                f"method.response.header.{header}": value for header, value in CORS_HEADERS.items()
            },
            opts=pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(depends_on=[integration])
            ),
        )
        return [method, integration, method_response, integration_response]

    def _cloudwatch_logging_role(
        self, name: str, ctx: StackContext, opts: pulumi.ResourceOptions
    ) -> apigateway.Account:
        """API Gateway writes access logs only once the region's account settings name a role."""
        role = iam.Role(
            f"{name}-logging-role",
            name=ctx.namer.name("iam_role", "apigw-logs"),
            assume_role_policy=assume_role_policy("apigateway.amazonaws.com"),
            tags=ctx.tags,
            opts=opts,
        )
        policy = iam.RolePolicy(
            f"{name}-logging-policy",
            name=ctx.namer.name("iam_policy", "apigw-logs"),
            role=role.id,
            policy=policy_document(
                [
                    statement(
                        "WriteApiGatewayLogs",
                        API_GATEWAY_LOGGING_ACTIONS,
                        [ctx.arn("logs", "log-group:*")],
                    )
                ]
            ),
            opts=opts,
        )
        return apigateway.Account(
            f"{name}-account",
            cloudwatch_role_arn=role.arn,
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[policy])),
        )
