"""The indexer: every batch object that lands under the processed prefix is recorded in the
function's logs and the project's metrics."""

from __future__ import annotations

import pulumi
from pulumi_aws import lambda_, s3

from lib.context import StackContext
from lib.lambda_api.python_function import PythonFunction, PythonFunctionArgs
from lib.stream_pipeline.data_bucket import DataBucket


class BatchIndexer(pulumi.ComponentResource):
    """A function that S3 invokes, for this bucket only, when an object is created under
    ``prefix``; it reads nothing but the event, so its role grants nothing more."""

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        *,
        function_args: PythonFunctionArgs,
        bucket: DataBucket,
        prefix: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:storage:BatchIndexer", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.function = PythonFunction(f"{name}-function", ctx, function_args, opts=child)
        self.permission = lambda_.Permission(
            f"{name}-invoke",
            action="lambda:InvokeFunction",
            function=self.function.function.name,
            principal="s3.amazonaws.com",
            source_arn=bucket.arn,
            source_account=ctx.account_id,
            opts=child,
        )
        self.notification = s3.BucketNotification(
            f"{name}-notification",
            bucket=bucket.bucket.id,
            lambda_functions=[
                s3.BucketNotificationLambdaFunctionArgs(
                    lambda_function_arn=self.function.function.arn,
                    events=["s3:ObjectCreated:*"],
                    filter_prefix=prefix,
                )
            ],
            # S3 checks that it may invoke the function when the notification is put.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.permission]),
        )
        self.register_outputs({"function_name": self.function.function.name})
