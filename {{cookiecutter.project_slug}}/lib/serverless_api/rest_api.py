"""The REST API: a Lambda proxy with CORS, authorized as the stack's api_auth says
(lib/lambda_api/api_auth.py), served from a logged, throttled stage."""

from __future__ import annotations

import pulumi
from pulumi_aws import apigateway, lambda_

from lib.context import StackContext
from lib.lambda_api.api_auth import OPEN_ROUTES, ApiAuth
from lib.lambda_api.api_cors import ApiCors, cors_gateway_responses, cors_preflight
from lib.lambda_api.api_deployment import INTEGRATION_TIMEOUT_SECONDS, ApiSnapshot
from lib.lambda_api.api_stage import ApiStage
from lib.lambda_api.api_validation import BodyValidation
from lib.serverless_api.tiers import ApiTier

# The function's routes that take a body, as (method, path): each gets a method of its own, on
# which API Gateway validates the body (lib/lambda_api/api_validation.py); every other request
# reaches the function through ANY, which validates nothing.
BODY_ROUTES = frozenset({("POST", "items")})


class RestApi(pulumi.ComponentResource):
    """API Gateway REST API that proxies every path and method to one function.

    Every method but the CORS preflight is authorized in ``auth_mode``; the open routes
    (``GET /health``) get a resource of their own, whose other methods are authorized too, and
    so do the routes that take a body (``BODY_ROUTES``), whose body API Gateway validates.

    ``cors`` says what the preflight and API Gateway's own errors answer; give the function
    ``cors.environment`` so its responses allow the same origin.
    """

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        *,
        function: lambda_.Function,
        tier: ApiTier,
        kms_key_arn: pulumi.Input[str],
        enable_xray: bool,
        auth_mode: str,
        allow_destroy: bool = False,
        cors: ApiCors | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:api:RestApi", name, None, opts)
        cors = cors or ApiCors()
        child = pulumi.ResourceOptions(parent=self)
        self.api = apigateway.RestApi(
            f"{name}-api",
            name=ctx.namer.name("rest_api", "api"),
            description=f"{ctx.namer.project} API ({ctx.suffix})",
            endpoint_configuration=apigateway.RestApiEndpointConfigurationArgs(types="REGIONAL"),
            tags=ctx.tags,
            opts=child,
        )
        snapshot = ApiSnapshot()
        self.auth = ApiAuth(
            f"{name}-auth",
            ctx,
            mode=auth_mode,
            purpose="api",
            allow_destroy=allow_destroy,
            rest_api=self.api,
            snapshot=snapshot,
            opts=child,
        )
        self.validation = BodyValidation(
            snapshot, name, ctx, purpose="api", rest_api=self.api.id, opts=child
        )
        self._routes(snapshot, name, function=function, cors=cors, opts=child)
        cors_gateway_responses(snapshot, name, cors, rest_api=self.api.id, opts=child)
        self.parts: list[pulumi.CustomResource] = snapshot.parts  # what the deployment snapshots
        self.deployment = snapshot.deployment(
            f"{name}-deployment",
            rest_api=self.api.id,
            description=f"{ctx.namer.project} API deployment",
            opts=child,
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
        self.outputs = self.auth.stage_outputs(self.api, self.stage.stage_name)
        self.register_outputs({"url": self.url, "api_id": self.api.id})

    def _routes(
        self,
        snapshot: ApiSnapshot,
        name: str,
        *,
        function: lambda_.Function,
        cors: ApiCors,
        opts: pulumi.ResourceOptions,
    ) -> None:
        """Each resource, by its path part ("" is the root), with the methods it proxies (any
        method, and on an open or body route's own resource that route's method too) and its
        CORS preflight."""
        routes: dict[str, tuple[str, ...]] = {"": ("ANY",), "{proxy+}": ("ANY",)}
        for method, path in sorted(OPEN_ROUTES | BODY_ROUTES):
            routes[path] = (*routes.get(path, ("ANY",)), method)
        for path, methods in routes.items():
            route = path.strip("{}+") or "root"
            resource_id = self.api.root_resource_id
            if path:
                resource_id = snapshot.add(
                    apigateway.Resource,
                    f"{name}-{route}",
                    rest_api=self.api.id,
                    parent_id=self.api.root_resource_id,
                    path_part=path,
                    opts=opts,
                ).id
            for method in methods:
                self._lambda_proxy(
                    snapshot,
                    f"{name}-{route}",
                    resource_id,
                    (method, path),
                    function=function,
                    opts=opts,
                )
            cors_preflight(
                snapshot,
                f"{name}-{route}",
                cors,
                rest_api=self.api.id,
                resource_id=resource_id,
                opts=opts,
            )

    def _lambda_proxy(
        self,
        snapshot: ApiSnapshot,
        name: str,
        resource_id: pulumi.Input[str],
        route: tuple[str, str],
        *,
        function: lambda_.Function,
        opts: pulumi.ResourceOptions,
    ) -> None:
        http_method, path = route
        suffix = http_method.lower()
        method = snapshot.add(
            apigateway.Method,
            f"{name}-{suffix}",
            rest_api=self.api.id,
            resource_id=resource_id,
            http_method=http_method,
            **self.auth.method_args(http_method, path),
            **self.validation.method_args(http_method),
            opts=opts,
        )
        snapshot.add(
            apigateway.Integration,
            f"{name}-{'lambda' if suffix == 'any' else suffix + '-lambda'}",
            rest_api=self.api.id,
            resource_id=resource_id,
            http_method=method.http_method,
            type="AWS_PROXY",
            integration_http_method="POST",
            uri=function.invoke_arn,
            timeout_milliseconds=INTEGRATION_TIMEOUT_SECONDS * 1000,
            opts=opts,
        )
