"""TapStack: the stream pipeline, composed from small components.

Events come in over HTTP, travel through Kinesis, are processed in Lambda and land in S3;
one customer-managed key encrypts all of it, and alarms watch every step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from lib.config import ProjectSettings, allow_destroy_from_config
from lib.environment import tier_of
from lib.foundation import Foundation
from lib.lambda_api.api_auth import DEFAULT_API_AUTH, api_auth_from_config
from lib.lambda_api.api_deployment import INTEGRATION_TIMEOUT_SECONDS
from lib.lambda_api.python_function import PythonFunctionArgs
from lib.stream_pipeline.batch_indexer import BatchIndexer
from lib.stream_pipeline.data_bucket import DataBucket
from lib.stream_pipeline.data_stream import DataStream
from lib.stream_pipeline.ingest_api import IngestApi
from lib.stream_pipeline.pipeline_monitoring import PipelineMonitoring, PipelineResources
from lib.stream_pipeline.pipeline_secret import PipelineSecret
from lib.stream_pipeline.stream_processor import PROCESSED_PREFIX, StreamProcessor
from lib.stream_pipeline.tiers import tier_settings

# Each function by purpose: the folder under functions/ and its timeout in seconds.
INGEST, PROCESSOR, INDEXER = "ingest", "processor", "indexer"
TIMEOUT_SECONDS = {INGEST: 10, PROCESSOR: 60, INDEXER: 30}


@dataclass(frozen=True)
class TapStackArgs(ProjectSettings):
    """The stack's settings: ``environment_suffix`` and ``tags``, plus the shared defaults, and
    ``allow_destroy`` (config ``allowDestroy``): let a prod stack's destroy empty its bucket and
    delete its user pool, and ``api_auth`` (config ``apiAuth``): who may call the ingest API
    (lib/lambda_api/api_auth.py)."""

    allow_destroy: bool = False
    api_auth: str = DEFAULT_API_AUTH

    @classmethod
    def variant_settings_from_config(cls, config: pulumi.Config) -> dict[str, Any]:
        """The pipeline's own settings: allowDestroy and apiAuth."""
        return {
            "allow_destroy": allow_destroy_from_config(config),
            "api_auth": api_auth_from_config(config),
        }


class TapStack(pulumi.ComponentResource):
    """An ingest API, a Kinesis stream, a processor writing batches to S3 and an indexer,
    under one KMS key, with a downstream secret, alarms and a dashboard."""

    def __init__(
        self, name: str, args: TapStackArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tap:stack:TapStack", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tier = tier_settings(args.environment_suffix)
        # One key for all of it: Kinesis, S3, Secrets Manager and SQS use it with the caller's
        # credentials, which the roles' own kms:ViaService grants allow.
        base = Foundation(self, name, args, tier, key_purpose="pipeline")
        ctx, self.key, self.alarm_topic = base.ctx, base.key, base.alarm_topic

        def function_args(
            purpose: str, memory_mb: int, reserved_concurrency: int | None
        ) -> PythonFunctionArgs:
            return PythonFunctionArgs(
                purpose=purpose,
                source=purpose,
                handler="handler.handler",
                memory_mb=memory_mb,
                timeout_seconds=TIMEOUT_SECONDS[purpose],
                log_retention_days=tier.log_retention_days,
                kms_key_arn=self.key.arn,
                enable_xray=args.enable_xray,
                # PythonFunction names each function's Powertools service after its purpose and
                # sets this namespace; the alarms and the dashboard read the metrics by both.
                metric_namespace=ctx.namer.metric_namespace(),
                reserved_concurrency=reserved_concurrency,
            )

        self.stream = DataStream(
            f"{name}-stream", ctx, tier=tier, kms_key_arn=self.key.arn, opts=child
        )
        self.bucket = DataBucket(
            f"{name}-data",
            ctx,
            tier=tier,
            kms_key_arn=self.key.arn,
            # S3 deletes no bucket that holds objects: outside prod, or when prod's destroy is
            # asked for deliberately, destroying the stack empties it first.
            force_destroy=tier_of(args.environment_suffix) != "prod" or args.allow_destroy,
            opts=child,
        )
        self.secret = PipelineSecret(
            f"{name}-secret",
            ctx,
            purpose="downstream",
            kms_key_arn=self.key.arn,
            recovery_window_days=tier.secret_recovery_window_days,
            opts=child,
        )
        self.ingest_api = IngestApi(
            f"{name}-ingest",
            ctx,
            function_args=function_args(
                INGEST, tier.ingest_memory_mb, tier.ingest_reserved_concurrency
            ),
            stream=self.stream,
            tier=tier,
            kms_key_arn=self.key.arn,
            auth_mode=args.api_auth,
            allow_destroy=args.allow_destroy,
            opts=child,
        )
        self.processor = StreamProcessor(
            f"{name}-processor",
            ctx,
            function_args=function_args(
                PROCESSOR, tier.processor_memory_mb, tier.processor_reserved_concurrency
            ),
            stream=self.stream,
            bucket=self.bucket,
            secret=self.secret,
            tier=tier,
            kms_key_arn=self.key.arn,
            opts=child,
        )
        self.indexer = BatchIndexer(
            f"{name}-indexer",
            ctx,
            function_args=function_args(
                INDEXER, tier.indexer_memory_mb, tier.indexer_reserved_concurrency
            ),
            bucket=self.bucket,
            prefix=PROCESSED_PREFIX,
            opts=child,
        )
        self.monitoring = PipelineMonitoring(
            f"{name}-monitoring",
            ctx,
            functions=[self.ingest_api.function, self.processor.function, self.indexer.function],
            watched=PipelineResources(
                api_name=self.ingest_api.api.name,
                stage_name=self.ingest_api.stage.stage_name,
                stream_name=self.stream.name,
                queue_name=self.processor.dead_letter_queue.name,
                processor=self.processor.function,
                metric_namespace=ctx.namer.metric_namespace(),
            ),
            tier=tier,
            alarm_topic_arn=self.alarm_topic.topic_arn,
            # API Gateway waits for the ingest function no longer than its integration timeout.
            duration_limits={INGEST: INTEGRATION_TIMEOUT_SECONDS},
            opts=child,
        )

        self.outputs: dict[str, pulumi.Output] = {
            "api_url": self.ingest_api.url,
            "stream_name": self.stream.name,
            "stream_arn": self.stream.arn,
            "bucket_name": self.bucket.name,
            "secret_arn": self.secret.arn,
            "dlq_url": self.processor.dead_letter_queue.url,
            "processor_function_name": self.processor.function.function.name,
            "ingest_function_name": self.ingest_api.function.function.name,
            "alarm_topic_arn": self.alarm_topic.topic_arn,
            "dashboard_name": self.monitoring.dashboard.dashboard_name,
            "kms_key_arn": self.key.arn,
            **self.ingest_api.outputs,
        }
        self.register_outputs(self.outputs)
