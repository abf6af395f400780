"""The ingest API: ``GET /health`` and ``POST /process`` in front of the function that puts
events on the stream."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import pulumi
from pulumi_aws import apigateway, lambda_

from lib.api_stage import ApiStage
from lib.context import StackContext
from lib.data_stream import DataStream
from lib.encryption import key_use_through
from lib.iam import statement
from lib.python_function import PythonFunction, PythonFunctionArgs
from lib.tiers import StreamTier

# Every route, as (method, path); each is a Lambda proxy to the ingest function.
ROUTES = (("GET", "health"), ("POST", "process"))


class IngestApi(pulumi.ComponentResource):
    """A regional REST API whose function may only put records on this stream."""

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        *,
        function_args: PythonFunctionArgs,
        stream: DataStream,
        tier: StreamTier,
        kms_key_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:api:IngestApi", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.function = PythonFunction(
            f"{name}-function",
            ctx,
            dataclasses.replace(
                function_args,
                environment={**function_args.environment, "STREAM_NAME": stream.name},
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
        routes: list[pulumi.Resource] = []
        for method, path in ROUTES:
            routes += self._route(name, method, path, child)
        self.deployment = apigateway.Deployment(
            f"{name}-deployment",
            rest_api=self.api.id,
            description=f"{ctx.namer.project} ingest API deployment",
            # Redeploy whenever the set of routes changes.
            triggers={"routes": hashlib.sha256(json.dumps(ROUTES).encode()).hexdigest()},
            opts=pulumi.ResourceOptions(parent=self, depends_on=routes),
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
        self.register_outputs({"url": self.url, "api_id": self.api.id})

    def _route(
        self, name: str, method: str, path: str, opts: pulumi.ResourceOptions
    ) -> list[pulumi.Resource]:
        resource = apigateway.Resource(
            f"{name}-{path}",
            rest_api=self.api.id,
            parent_id=self.api.root_resource_id,
            path_part=path,
            opts=opts,
        )
        api_method = apigateway.Method(
            f"{name}-{path}-{method.lower()}",
            rest_api=self.api.id,
            resource_id=resource.id,
            http_method=method,
            authorization="NONE",
            opts=opts,
        )
        integration = apigateway.Integration(
            f"{name}-{path}-lambda",
            rest_api=self.api.id,
            resource_id=resource.id,
            http_method=api_method.http_method,
            type="AWS_PROXY",
            integration_http_method="POST",
            uri=self.function.function.invoke_arn,
            opts=opts,
        )
        return [resource, api_method, integration]
