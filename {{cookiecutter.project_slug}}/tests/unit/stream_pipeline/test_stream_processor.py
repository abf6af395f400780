"""The processor's wiring: the event source mapping per tier and its dead-letter queue."""

import pytest

from lib.config import PROJECT
from lib.stream_pipeline.stream_processor import (
    DEAD_LETTER_RETENTION_SECONDS,
    PROCESSED_PREFIX,
    QUARANTINE_PREFIX,
)
from lib.stream_pipeline.tiers import tier_settings

MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
QUEUE = "aws:sqs/queue:Queue"


@pytest.mark.parametrize("deployment", ["stack", "prod_stack", "pr_stack"])
def test_the_mapping_reads_the_stream_in_tier_sized_batches(request, deployment):
    deployment = request.getfixturevalue(deployment)
    tier = tier_settings(deployment.args.environment_suffix)
    mapping = deployment.one(MAPPING).inputs
    assert mapping["eventSourceArn"] == deployment.one("aws:kinesis/stream:Stream").outputs["arn"]
    assert (
        mapping["functionName"]
        == deployment.one("aws:lambda/function:Function", "processor").outputs["arn"]
    )
    assert mapping["batchSize"] == tier.batch_size
    assert mapping["maximumBatchingWindowInSeconds"] == tier.batching_window_seconds
    assert mapping["maximumRetryAttempts"] == tier.max_retry_attempts


def test_the_mapping_starts_at_the_oldest_record_the_stream_keeps(each_stack):
    # LATEST would skip every record written before the poller starts, or while the mapping is
    # replaced; TRIM_HORIZON reads them. A mapping's starting position cannot change in place.
    assert each_stack.one(MAPPING).inputs["startingPosition"] == "TRIM_HORIZON"


def test_failed_records_are_reported_one_by_one_and_end_in_the_dead_letter_queue(stack):
    mapping = stack.one(MAPPING).inputs
    assert mapping["functionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["bisectBatchOnFunctionError"] is True
    assert mapping["destinationConfig"] == {
        "onFailure": {"destinationArn": stack.one(QUEUE).outputs["arn"]}
    }


def test_the_dead_letter_queue_is_encrypted_and_keeps_failures_for_two_weeks(stack):
    queue = stack.one(QUEUE).inputs
    assert queue["name"] == f"{PROJECT}-processor-dlq-{stack.args.environment_suffix}"
    assert queue["kmsMasterKeyId"] == stack.one("aws:kms/key:Key").outputs["arn"]
    assert queue["messageRetentionSeconds"] == DEAD_LETTER_RETENTION_SECONDS == 1_209_600


def test_the_dead_letter_queue_refuses_requests_without_tls(stack):
    queue = stack.one(QUEUE)
    policy = stack.one("aws:sqs/queuePolicy:QueuePolicy")
    assert policy.inputs["queueUrl"] == queue.outputs["url"]
    assert policy.json("policy")["Statement"] == [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Action": ["sqs:*"],
            "Principal": {"AWS": "*"},
            "Resource": [queue.outputs["arn"]],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]


def test_the_processor_knows_its_bucket_prefix_and_secret(stack):
    variables = stack.one("aws:lambda/function:Function", "processor").inputs["environment"][
        "variables"
    ]
    assert variables["BUCKET_NAME"] == stack.one("aws:s3/bucket:Bucket").inputs["bucket"]
    assert variables["OUTPUT_PREFIX"] == PROCESSED_PREFIX == "processed/"
    assert variables["QUARANTINE_PREFIX"] == QUARANTINE_PREFIX == "quarantine/"
    assert variables["SECRET_ARN"] == stack.one("aws:secretsmanager/secret:Secret").outputs["arn"]
    assert "STREAM_NAME" not in variables
