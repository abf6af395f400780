"""The public REST API: a Lambda proxy with CORS, served from a logged, throttled stage."""

from __future__ import annotations

import hashlib
import json

import pulumi
from pulumi_aws import apigateway, lambda_

from lib.api_stage import ApiStage
from lib.context import StackContext
from lib.tiers import ApiTier

CORS_HEADERS = {
    "Access-Control-Allow-Headers": "'Content-Type,Authorization,X-Amz-Date,X-Api-Key'",
    "Access-Control-Allow-Methods": "'GET,POST,OPTIONS'",
    "Access-Control-Allow-Origin": "'*'",
}


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
        stage = ApiStage(
            name,
            ctx,
            api=self.api,
            deployment=self.deployment,
            purpose="api",
            tier=tier,
            kms_key_arn=kms_key_arn,
            enable_xray=enable_xray,
            opts=child,
        )
        self.stage = stage.stage
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
