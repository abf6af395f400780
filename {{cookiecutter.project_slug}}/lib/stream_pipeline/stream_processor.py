"""The stream's consumer: the processor function, its event source mapping and the dead-letter
queue that records the batches it could not process."""

from __future__ import annotations

import dataclasses

import pulumi
from pulumi_aws import lambda_, sqs

from lib.context import StackContext
from lib.encryption import key_use_through
from lib.iam import deny_insecure_transport, policy_document, statement
from lib.lambda_api.python_function import PythonFunction, PythonFunctionArgs
from lib.stream_pipeline.data_bucket import DataBucket
from lib.stream_pipeline.data_stream import DataStream
from lib.stream_pipeline.pipeline_secret import PipelineSecret
from lib.stream_pipeline.tiers import StreamTier

# Where the processor writes its batches; object-created events under it reach the indexer.
PROCESSED_PREFIX = "processed/"
# Where it keeps, with the reason, each record that can never be processed; the indexer ignores it.
QUARANTINE_PREFIX = "quarantine/"
# How long the queue keeps the record of a failed batch: the longest SQS allows, 14 days.
DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 60 * 60
# What Lambda needs to read a stream through an event source mapping, and nothing more.
STREAM_READ_ACTIONS = (
    "kinesis:DescribeStream",
    "kinesis:DescribeStreamSummary",
    "kinesis:GetRecords",
    "kinesis:GetShardIterator",
    "kinesis:ListShards",
)


class StreamProcessor(pulumi.ComponentResource):
    """Reads the stream in batches, writes each batch to the bucket, quarantines the records that
    can never be processed and reports the ones to retry. When a batch still fails after the
    retries, Lambda sends a record of it (shard and sequence numbers, to read it again from the
    stream) to the dead-letter queue."""

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        *,
        function_args: PythonFunctionArgs,
        stream: DataStream,
        bucket: DataBucket,
        secret: PipelineSecret,
        tier: StreamTier,
        kms_key_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:stream:StreamProcessor", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.dead_letter_queue = sqs.Queue(
            f"{name}-dlq",
            name=ctx.namer.name("sqs_queue", f"{function_args.purpose}-dlq"),
            kms_master_key_id=kms_key_arn,
            kms_data_key_reuse_period_seconds=300,
            message_retention_seconds=DEAD_LETTER_RETENTION_SECONDS,
            tags=ctx.tags,
            opts=child,
        )
        self.dead_letter_queue_policy = sqs.QueuePolicy(
            f"{name}-dlq-policy",
            queue_url=self.dead_letter_queue.url,
            policy=policy_document(
                [
                    deny_insecure_transport(
                        "DenyInsecureTransport", ["sqs:*"], [self.dead_letter_queue.arn]
                    )
                ]
            ),
            opts=child,
        )
        self.function = PythonFunction(
            f"{name}-function",
            ctx,
            dataclasses.replace(
                function_args,
                environment={
                    **function_args.environment,
                    "BUCKET_NAME": bucket.name,
                    "OUTPUT_PREFIX": PROCESSED_PREFIX,
                    "QUARANTINE_PREFIX": QUARANTINE_PREFIX,
                    "SECRET_ARN": secret.arn,
                },
                statements=[
                    *function_args.statements,
                    statement("ReadTheStream", STREAM_READ_ACTIONS, [stream.arn]),
                    statement(
                        "WriteProcessedBatches",
                        ["s3:PutObject"],
                        [bucket.objects_arn(PROCESSED_PREFIX)],
                    ),
                    statement(
                        "QuarantineBadRecords",
                        ["s3:PutObject"],
                        [bucket.objects_arn(QUARANTINE_PREFIX)],
                    ),
                    statement(
                        "ReadTheSigningSecret", ["secretsmanager:GetSecretValue"], [secret.arn]
                    ),
                    statement(
                        "SendFailedBatchesToTheDeadLetterQueue",
                        ["sqs:SendMessage"],
                        [self.dead_letter_queue.arn],
                    ),
                    # The stream, the bucket, the secret and the queue are all under this key;
                    # each service uses it with the function's own credentials.
                    key_use_through(
                        "DecryptTheStream", ctx, kms_key_arn, "kinesis", ["kms:Decrypt"]
                    ),
                    key_use_through(
                        "EncryptBatchesInTheBucket", ctx, kms_key_arn, "s3", ["kms:GenerateDataKey"]
                    ),
                    key_use_through(
                        "DecryptTheSigningSecret",
                        ctx,
                        kms_key_arn,
                        "secretsmanager",
                        ["kms:Decrypt"],
                    ),
                    # SQS needs both to send to an encrypted queue.
                    key_use_through(
                        "EncryptDeadLetters",
                        ctx,
                        kms_key_arn,
                        "sqs",
                        ["kms:Decrypt", "kms:GenerateDataKey"],
                    ),
                ],
            ),
            opts=child,
        )
        self.event_source_mapping = lambda_.EventSourceMapping(
            f"{name}-mapping",
            event_source_arn=stream.arn,
            function_name=self.function.function.arn,
            # From the oldest record the stream keeps: LATEST skips whatever arrives before the
            # poller starts or while the mapping is replaced.
            starting_position="TRIM_HORIZON",
            batch_size=tier.batch_size,
            maximum_batching_window_in_seconds=tier.batching_window_seconds,
            # The function names the records that failed; Lambda retries from the first of them.
            function_response_types=["ReportBatchItemFailures"],
            bisect_batch_on_function_error=True,
            maximum_retry_attempts=tier.max_retry_attempts,
            destination_config=lambda_.EventSourceMappingDestinationConfigArgs(
                on_failure=lambda_.EventSourceMappingDestinationConfigOnFailureArgs(
                    destination_arn=self.dead_letter_queue.arn
                )
            ),
            tags=ctx.tags,
            opts=child,
        )
        self.register_outputs(
            {
                "function_name": self.function.function.name,
                "dead_letter_queue_url": self.dead_letter_queue.url,
            }
        )
