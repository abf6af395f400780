"""The deployed stream pipeline: encryption and retention as declared, a live health check, an
event posted to the API that lands in the bucket, and a record that can never be processed kept
in quarantine, each within a bounded wait. The API is called as its api_auth mode needs
(tests/integration/api_calls.py)."""

import base64
import json
import time
import uuid

import pytest

from lib.stream_pipeline.tiers import tier_settings
from tests.integration.api_calls import REFUSED_STATUS, api_call, plain_call

# Lambda polls the stream every second and batches for up to the tier's window; S3 lists are
# eventually consistent for a moment. Two minutes is far more than the pipeline ever needs.
ROUND_TRIP_SECONDS = 120
POLL_SECONDS = 2
FUNCTION_ALARM_METRICS = ("Errors", "Throttles", "Duration")


@pytest.fixture(scope="module")
def suffix(outputs):
    """The deployment's environment suffix: the last part of every name."""
    return outputs["stream_name"].rsplit("-", 1)[-1]


@pytest.fixture(scope="module")
def call(outputs, region, aws):
    """Calls to the API with the credentials its mode asks for."""
    with api_call(outputs, region, aws) as calling:
        yield calling


def test_the_stream_is_encrypted_and_keeps_records_as_long_as_its_tier_says(outputs, aws, suffix):
    summary = aws("kinesis").describe_stream_summary(StreamName=outputs["stream_name"])[
        "StreamDescriptionSummary"
    ]
    tier = tier_settings(suffix)
    assert summary["StreamARN"] == outputs["stream_arn"]
    assert summary["EncryptionType"] == "KMS"
    assert summary["KeyId"] == outputs["kms_key_arn"]
    assert summary["RetentionPeriodHours"] == tier.stream_retention_hours
    mode = "ON_DEMAND" if tier.stream_shard_count is None else "PROVISIONED"
    assert summary["StreamModeDetails"]["StreamMode"] == mode


def test_the_bucket_is_versioned_encrypted_private_and_tls_only(outputs, aws):
    s3, bucket = aws("s3"), outputs["bucket_name"]
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    (rule,) = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == outputs["kms_key_arn"]
    assert rule["BucketKeyEnabled"] is True
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    (deny,) = [s for s in policy["Statement"] if s["Sid"] == "DenyInsecureTransport"]
    assert deny["Effect"] == "Deny"


def test_the_secret_and_the_dead_letter_queue_are_under_the_pipelines_key(outputs, aws):
    secret = aws("secretsmanager").describe_secret(SecretId=outputs["secret_arn"])
    assert secret["KmsKeyId"] == outputs["kms_key_arn"]
    attributes = aws("sqs").get_queue_attributes(
        QueueUrl=outputs["dlq_url"], AttributeNames=["KmsMasterKeyId"]
    )["Attributes"]
    assert attributes["KmsMasterKeyId"] == outputs["kms_key_arn"]


def test_the_api_answers_its_health_check_without_credentials(outputs):
    # GET /health stays open in every mode (lib/lambda_api/api_auth.py).
    assert plain_call("GET", f"{outputs['api_url']}/health")[0] == 200


def test_a_bad_event_is_refused_with_the_reason(outputs, call):
    status, body = call("POST", f"{outputs['api_url']}/process", {"source": "integration-test"})
    assert status == 400
    assert "missing fields" in body["error"]


def test_an_event_without_credentials_is_refused_unless_the_api_is_public(outputs):
    status, body = plain_call("POST", f"{outputs['api_url']}/process", {"source": "x"})
    # A public API (api_auth none) was chosen deliberately: the event reaches the function.
    assert status == REFUSED_STATUS.get(outputs["api_auth"], 400), body


def test_a_posted_event_lands_in_the_bucket(outputs, aws, call):
    marker = str(uuid.uuid4())
    started = time.time()
    status, body = call(
        "POST",
        f"{outputs['api_url']}/process",
        {"source": "integration-test", "type": "round-trip", "payload": {"marker": marker}},
    )
    assert status == 202, body
    s3, bucket = aws("s3"), outputs["bucket_name"]
    seen: set[str] = set()
    while time.time() - started < ROUND_TRIP_SECONDS:
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="processed/")
        for obj in (o for page in pages for o in page.get("Contents", [])):
            if obj["Key"] in seen or obj["LastModified"].timestamp() < started - 60:
                continue
            seen.add(obj["Key"])
            rows = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read().splitlines()
            for row in map(json.loads, rows):
                if row["event_id"] == body["event_id"]:
                    assert row["payload"] == {"marker": marker}
                    assert row["partition_key"] == "integration-test"
                    return
        time.sleep(POLL_SECONDS)
    pytest.fail(
        f"event {body['event_id']} not in s3://{bucket}/processed/ after {ROUND_TRIP_SECONDS}s"
    )


def test_a_record_that_can_never_be_processed_is_quarantined_with_the_reason(outputs, aws):
    data = b"not an event: " + str(uuid.uuid4()).encode()
    put = aws("kinesis").put_record(
        StreamName=outputs["stream_name"], Data=data, PartitionKey="integration-test"
    )
    s3, bucket = aws("s3"), outputs["bucket_name"]
    key = f"quarantine/{put['ShardId']}/{put['SequenceNumber']}.json"
    started = time.time()
    while time.time() - started < ROUND_TRIP_SECONDS:
        try:
            kept = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        except s3.exceptions.NoSuchKey:
            time.sleep(POLL_SECONDS)
            continue
        assert kept["reason"] == "data is not UTF-8 JSON"
        assert base64.b64decode(kept["data"]) == data
        assert (kept["shard_id"], kept["sequence_number"]) == (
            put["ShardId"],
            put["SequenceNumber"],
        )
        return
    pytest.fail(f"s3://{bucket}/{key} not written after {ROUND_TRIP_SECONDS}s")


def test_an_alarm_fires_when_records_arrive_but_the_processor_stops(outputs, aws):
    cloudwatch, topic = aws("cloudwatch"), outputs["alarm_topic_arn"]
    watches = {
        ("AWS/Kinesis", "IncomingRecords", "StreamName", outputs["stream_name"]),
        ("AWS/Lambda", "Invocations", "FunctionName", outputs["processor_function_name"]),
    }
    pages = cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"])
    for alarm in (alarm for page in pages for alarm in page["MetricAlarms"]):
        metrics = [q["MetricStat"]["Metric"] for q in alarm.get("Metrics", []) if "MetricStat" in q]
        read = {
            (m["Namespace"], m["MetricName"], d["Name"], d["Value"])
            for m in metrics
            for d in m.get("Dimensions", [])
        }
        if watches <= read:
            assert topic in alarm["AlarmActions"]
            assert alarm["TreatMissingData"] == "notBreaching"
            return
    pytest.fail("no alarm reads both the stream's IncomingRecords and the processor's Invocations")


def test_every_function_the_api_the_stream_and_the_queue_have_alarms(outputs, aws):
    cloudwatch, topic = aws("cloudwatch"), outputs["alarm_topic_arn"]
    watched = [
        ("AWS/Lambda", metric, "FunctionName", outputs[function])
        for function in ("ingest_function_name", "processor_function_name")
        for metric in FUNCTION_ALARM_METRICS
    ] + [
        ("AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds", "StreamName", outputs["stream_name"]),
        ("AWS/Kinesis", "WriteProvisionedThroughputExceeded", "StreamName", outputs["stream_name"]),
        (
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            "QueueName",
            outputs["dlq_url"].rsplit("/", 1)[-1],
        ),
    ]
    for namespace, metric, dimension, value in watched:
        alarms = cloudwatch.describe_alarms_for_metric(
            Namespace=namespace, MetricName=metric, Dimensions=[{"Name": dimension, "Value": value}]
        )["MetricAlarms"]
        assert alarms, f"no alarm on {namespace} {metric} for {value}"
        assert all(topic in alarm["AlarmActions"] for alarm in alarms)


def test_the_dashboard_follows_the_pipeline(outputs, aws):
    body = aws("cloudwatch").get_dashboard(DashboardName=outputs["dashboard_name"])["DashboardBody"]
    for name in ("stream_name", "processor_function_name", "ingest_function_name"):
        assert outputs[name] in body
