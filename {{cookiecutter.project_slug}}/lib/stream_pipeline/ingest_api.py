"""The ingest API: ``GET /health`` and ``POST /process`` in front of the function that puts
events on the stream."""

from __future__ import annotations

import dataclasses

import pulumi
from pulumi_aws import apigateway, lambda_

from lib.context import StackContext
from lib.encryption import key_use_through
from lib.iam import statement
from lib.lambda_api.api_auth import ApiAuth
from lib.lambda_api.api_cors import ApiCors, cors_gateway_responses, cors_preflight
from lib.lambda_api.api_deployment import INTEGRATION_TIMEOUT_SECONDS, ApiSnapshot
from lib.lambda_api.api_stage import ApiStage
from lib.lambda_api.api_validation import BodyValidation
from lib.lambda_api.python_function import PythonFunction, PythonFunctionArgs
from lib.stream_pipeline.data_stream import DataStream
from lib.stream_pipeline.tiers import StreamTier

# Every route, as (method, path); each is a Lambda proxy to the ingest function, authorized as
# the stack's api_auth says but GET /health, which stays open (lib/lambda_api/api_auth.py).
ROUTES = (("GET", "health"), ("POST", "process"))


class IngestApi(pulumi.ComponentResource):
    """A regional REST API whose function may only put records on this stream.

    Each path answers the CORS preflight, and API Gateway's own errors carry the same headers;
    the function gets the allowed origin as ``CORS_ALLOW_ORIGIN``.
    """

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        *,
        function_args: PythonFunctionArgs,
        stream: DataStream,
        tier: StreamTier,
        kms_key_arn: pulumi.Input[str],
        auth_mode: str,
        allow_destroy: bool = False,
        cors: ApiCors | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:api:IngestApi", name, None, opts)
        cors = cors or ApiCors(allow_methods=tuple(dict.fromkeys(m for m, _ in ROUTES)))
        child = pulumi.ResourceOptions(parent=self)
        self.function = PythonFunction(
            f"{name}-function",
            ctx,
            dataclasses.replace(
                function_args,
                environment={
                    **function_args.environment,
                    **cors.environment,
                    "STREAM_NAME": stream.name,
                },
                statements=[
                    *function_args.statements,
                    statement(
                        "PutEventsOnTheStream",
                        ["kinesis:PutRecord", "kinesis:PutRecords"],
                        [stream.arn],
                    ),
                    # Kinesis encrypts each record under a data key from the stream's key.
                    key_use_through(
                        "EncryptWithTheStreamKey",
                        ctx,
                        kms_key_arn,
                        "kinesis",
                        ["kms:GenerateDataKey"],
                    ),
                ],
            ),
            opts=child,
        )
        self.api = apigateway.RestApi(
            f"{name}-api",
            name=ctx.namer.name("rest_api", function_args.purpose),
            description=f"{ctx.namer.project} event ingestion ({ctx.suffix})",
            endpoint_configuration=apigateway.RestApiEndpointConfigurationArgs(types="REGIONAL"),
            tags=ctx.tags,
            opts=child,
        )
        snapshot = ApiSnapshot()
        self.auth = ApiAuth(
            f"{name}-auth",
            ctx,
            mode=auth_mode,
            purpose=function_args.purpose,
            allow_destroy=allow_destroy,
            rest_api=self.api,
            snapshot=snapshot,
            opts=child,
        )
        # POST /process's body must be a JSON object before the function is invoked.
        self.validation = BodyValidation(
            snapshot,
            name,
            ctx,
            purpose=function_args.purpose,
            rest_api=self.api.id,
            opts=child,
        )
        for method, path in ROUTES:
            self._route(snapshot, name, method, path, cors=cors, opts=child)
        cors_gateway_responses(snapshot, name, cors, rest_api=self.api.id, opts=child)
        self.deployment = snapshot.deployment(
            f"{name}-deployment",
            rest_api=self.api.id,
            description=f"{ctx.namer.project} ingest API deployment",
            opts=child,
        )
        self.stage = ApiStage(
            name,
            ctx,
            api=self.api,
            deployment=self.deployment,
            purpose=function_args.purpose,
            tier=tier,
            kms_key_arn=kms_key_arn,
            enable_xray=function_args.enable_xray,
            opts=child,
        ).stage
        self.permissions = [
            lambda_.Permission(
                f"{name}-invoke-{method.lower()}-{path}",
                action="lambda:InvokeFunction",
                function=self.function.function.name,
                principal="apigateway.amazonaws.com",
                # Only this route of this API's stage may invoke the function.
                source_arn=pulumi.Output.concat(
                    self.api.execution_arn, "/", ctx.suffix, "/", method, "/", path
                ),
                opts=child,
            )
            for method, path in ROUTES
        ]
        self.url = self.stage.invoke_url
        self.outputs = self.auth.stage_outputs(self.api, self.stage.stage_name)
        self.register_outputs({"url": self.url, "api_id": self.api.id})

    def _route(
        self,
        snapshot: ApiSnapshot,
        name: str,
        method: str,
        path: str,
        *,
        cors: ApiCors,
        opts: pulumi.ResourceOptions,
    ) -> None:
        resource = snapshot.add(
            apigateway.Resource,
            f"{name}-{path}",
            rest_api=self.api.id,
            parent_id=self.api.root_resource_id,
            path_part=path,
            opts=opts,
        )
        api_method = snapshot.add(
            apigateway.Method,
            f"{name}-{path}-{method.lower()}",
            rest_api=self.api.id,
            resource_id=resource.id,
            http_method=method,
            **self.auth.method_args(method, path),
            **self.validation.method_args(method),
            opts=opts,
        )
        snapshot.add(
            apigateway.Integration,
            f"{name}-{path}-lambda",
            rest_api=self.api.id,
            resource_id=resource.id,
            http_method=api_method.http_method,
            type="AWS_PROXY",
            integration_http_method="POST",
            uri=self.function.function.invoke_arn,
            timeout_milliseconds=INTEGRATION_TIMEOUT_SECONDS * 1000,
            opts=opts,
        )
        cors_preflight(
            snapshot,
            f"{name}-{path}",
            cors,
            rest_api=self.api.id,
            resource_id=resource.id,
            opts=opts,
        )
