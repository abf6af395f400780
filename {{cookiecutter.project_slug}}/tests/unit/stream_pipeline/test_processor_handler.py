"""The processor handler, called as Lambda calls it: a Kinesis event as Lambda delivers it and a
context object. S3 and Secrets Manager are moto's, in process.

What it must do with a batch: write the good records as one object whose key only the batch's
first record decides; quarantine, once, every record that can never be processed, and
acknowledge it; report for retry only what failed for another reason, together with every record
after it; and never leave a record in two objects when Lambda retries a batch.
"""

import base64
import dataclasses
import hashlib
import hmac
import importlib
import io
import itertools
import json
import sys
from datetime import UTC, datetime

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from moto import mock_aws

REGION = "us-east-1"
BUCKET = "shop-data-us-east-1-dev"
NAMESPACE = "shop/dev"
STREAM_ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/shop-events-dev"
SHARD = "shardId-000000000000"  # each test reads its own shard: see the handler fixture
SHARDS = itertools.count(1)
ARRIVAL = 1_767_225_600.5  # 2026-01-01T00:00:00.5Z
PARTITION = "processed/year=2026/month=01/day=01/hour=00/"
# Sequence numbers as Kinesis hands them out: 56 digits, growing along the shard.
FIRST_SEQUENCE = 49_590_338_271_490_256_608_559_692_538_361_571_095_921_575_989_136_588_898
ENVIRONMENT = {
    "POWERTOOLS_SERVICE_NAME": "processor",
    "POWERTOOLS_METRICS_NAMESPACE": NAMESPACE,
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "BUCKET_NAME": BUCKET,
    "OUTPUT_PREFIX": "processed/",
    "QUARANTINE_PREFIX": "quarantine/",
    "SECRET_ARN": "",
}


def sequence(number):
    return str(FIRST_SEQUENCE + number)


def event(number, **overrides):
    """An event as the ingest function puts it on the stream."""
    return {
        "event_id": f"evt-{number}",
        "received_at": "2026-01-01T00:00:00+00:00",
        "source": "sensor-7",
        "type": "reading",
        "payload": {"n": number},
        **overrides,
    }


def encoded(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def record(number, data=None):
    """A Kinesis record as Lambda delivers it; ``data`` replaces the encoded event."""
    if data is None:
        data = encoded(json.dumps(event(number)).encode())
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": "sensor-7",
            "sequenceNumber": sequence(number),
            "data": data,
            "approximateArrivalTimestamp": ARRIVAL + number,
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{SHARD}:{sequence(number)}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": "arn:aws:iam::123456789012:role/shop-processor-dev",
        "awsRegion": REGION,
        "eventSourceARN": STREAM_ARN,
    }


@pytest.fixture(scope="module")
def s3():
    """moto's S3 in process, with the data bucket versioned as the stack declares it."""
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket=BUCKET)
        client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        yield client


@pytest.fixture(scope="module")
def processor(s3):
    """The handler module, imported with its function's environment, as Lambda starts it."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in ENVIRONMENT.items():
            patch.setenv(name, value)
        patch.setenv("AWS_DEFAULT_REGION", REGION)
        module_name = "functions.processor.handler"
        module = sys.modules.get(module_name)
        module = importlib.reload(module) if module else importlib.import_module(module_name)
        module.s3 = s3
        yield module


@pytest.fixture
def handler(processor, monkeypatch):
    """The processor, with no signing key set yet, reading a shard no other test has written:
    the bucket then holds nothing of this test's yet, with no cleaning up between tests."""
    monkeypatch.setitem(globals(), "SHARD", f"shardId-{next(SHARDS):012d}")
    monkeypatch.setattr(processor, "_signing_key", {"value": None, "expires": float("inf")})
    return processor


def invoke(handler, records, lambda_context):
    """Call the handler as Lambda does; return the sequence numbers it reports for retry."""
    result = handler.handler({"Records": records}, lambda_context)
    return [item["itemIdentifier"] for item in result["batchItemFailures"]]


def processed(s3):
    """Every current object of this test's shard under processed/, by key, as its rows."""
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="processed/").get("Contents", [])
    return {
        obj["Key"]: [
            json.loads(line)
            for line in s3.get_object(Bucket=BUCKET, Key=obj["Key"])["Body"].read().splitlines()
        ]
        for obj in listed
        if f"/{SHARD}-" in obj["Key"]
    }


def written_numbers(s3):
    """The event numbers in every processed object, in key order, repeats kept."""
    return [row["payload"]["n"] for _, rows in sorted(processed(s3).items()) for row in rows]


def batch_key(first):
    return f"{PARTITION}{SHARD}-{sequence(first)}.jsonl"


def quarantined(s3, number):
    obj = s3.get_object(Bucket=BUCKET, Key=f"quarantine/{SHARD}/{sequence(number)}.json")
    return json.loads(obj["Body"].read())


def fail_puts(s3, monkeypatch, prefix, code="SlowDown", status=503):
    """S3 refusing every put under ``prefix``, as it does when throttling or unwell."""
    put = s3.put_object

    def refusing(**kwargs):
        if kwargs["Key"].startswith(prefix):
            raise ClientError(
                {"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}},
                "PutObject",
            )
        return put(**kwargs)

    monkeypatch.setattr(s3, "put_object", refusing)
    return lambda: monkeypatch.setattr(s3, "put_object", put)


# A good batch.


def test_a_batch_lands_as_one_object_keyed_by_its_first_record(handler, s3, lambda_context):
    assert invoke(handler, [record(1), record(2)], lambda_context) == []
    obj = s3.get_object(Bucket=BUCKET, Key=batch_key(1))
    assert obj["ContentType"] == "application/x-ndjson"
    assert obj["Metadata"] == {"record-count": "2"}
    rows = processed(s3)[batch_key(1)]
    assert [row["event_id"] for row in rows] == ["evt-1", "evt-2"]
    assert rows[0] == {
        **event(1),
        "arrived_at": "2026-01-01T00:00:01.500000+00:00",
        "processed_at": rows[0]["processed_at"],
        "partition_key": "sensor-7",
        "sequence_number": sequence(1),
        "shard_id": SHARD,
    }
    assert datetime.fromisoformat(rows[0]["processed_at"]).tzinfo == UTC


def test_the_batch_is_filed_under_the_hour_its_first_record_arrived(handler, s3, lambda_context):
    late = record(2)
    late["kinesis"]["approximateArrivalTimestamp"] = ARRIVAL + 3 * 3600
    assert invoke(handler, [record(1), late], lambda_context) == []
    assert list(processed(s3)) == [batch_key(1)]


def test_a_signing_key_signs_every_batch(handler, s3, monkeypatch, lambda_context):
    monkeypatch.setitem(handler._signing_key, "value", b"k3y")
    assert invoke(handler, [record(4)], lambda_context) == []
    obj = s3.get_object(Bucket=BUCKET, Key=batch_key(4))
    expected = hmac.new(b"k3y", obj["Body"].read(), hashlib.sha256).hexdigest()
    assert obj["Metadata"] == {"record-count": "1", "signature": f"sha256={expected}"}


# Records that can never be processed: quarantined with the reason, and acknowledged.

NESTED = b"[" * 5000 + b"]" * 5000
NOT_FINITE = "Out of range float values are not JSON compliant"


# Each hostile record between two good ones, in the one batch Lambda would deliver them in.
HOSTILE = {
    "not-base64": ("not base64!", "data is not base64"),
    "truncated-base64": (encoded(json.dumps(event(2)).encode())[:-2], "data is not base64"),
    "not-utf8": (encoded(b"\xff\xfe{}"), "data is not UTF-8 JSON"),
    "not-json": (encoded(b"{oops"), "data is not UTF-8 JSON"),
    # Past Python's limit on integer digits, and nested past its recursion limit.
    "huge-integer": (encoded(b'{"n": ' + b"9" * 5001 + b"}"), "data is not UTF-8 JSON"),
    "deeply-nested": (encoded(NESTED), "data is not UTF-8 JSON"),
    "nan": (encoded(json.dumps(event(2, payload={"x": float("nan")})).encode()), NOT_FINITE),
    "infinity": (encoded(json.dumps(event(2)).replace("2}", "1e999}").encode()), NOT_FINITE),
    "not-an-object": (encoded(b"[1]"), "data is not a JSON object"),
    "missing-fields": (
        encoded(b'{"event_id": "e"}'),
        "missing fields: payload, received_at, source, type",
    ),
    "unknown-field": (
        encoded(json.dumps({**event(2), "admin": True}).encode()),
        "unknown fields: admin",
    ),
    "wrong-type": (encoded(json.dumps(event(2, source=7)).encode()), "source must be text"),
    "payload-not-an-object": (
        encoded(json.dumps(event(2, payload=[1])).encode()),
        "payload must be a JSON object",
    ),
    "oversized": (
        encoded(json.dumps(event(2, payload={"x": "y" * 200_000})).encode()),
        "data is over 131072 bytes",
    ),
}
HOSTILE_SHARD = "shardId-000000009999"


def hostile_number(name):
    return 2 * list(HOSTILE).index(name) + 2


@pytest.fixture(scope="module")
def hostile_batch(processor, lambda_context):
    """The batch, processed; what the handler reported, and the shard it was read from."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(globals(), "SHARD", HOSTILE_SHARD)
        patch.setattr(processor, "_signing_key", {"value": None, "expires": float("inf")})
        records = [record(1)]
        for name, (data, _) in HOSTILE.items():
            number = hostile_number(name)
            records += [record(number, data), record(number + 1)]
        yield processor.handler({"Records": records}, lambda_context), records


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_record_that_can_never_be_processed_is_quarantined_and_acknowledged(
    hostile_batch, s3, monkeypatch, name
):
    monkeypatch.setitem(globals(), "SHARD", HOSTILE_SHARD)
    response, records = hostile_batch
    assert response == {"batchItemFailures": []}
    data, reason = HOSTILE[name]
    number = hostile_number(name)
    kept = quarantined(s3, number)
    assert kept.pop("reason").startswith(reason)
    assert kept == {
        "shard_id": SHARD,
        "sequence_number": sequence(number),
        "partition_key": "sensor-7",
        "approximate_arrival_timestamp": ARRIVAL + number,
        "event_source_arn": STREAM_ARN,
        "data": data,
    }
    assert data == records[number - 1]["kinesis"]["data"]


def test_the_good_records_around_the_hostile_ones_are_written_once(hostile_batch, s3, monkeypatch):
    monkeypatch.setitem(globals(), "SHARD", HOSTILE_SHARD)
    assert written_numbers(s3) == [1, *(hostile_number(name) + 1 for name in HOSTILE)]


def test_a_batch_of_only_bad_records_writes_no_batch_object(handler, s3, lambda_context):
    assert invoke(handler, [record(1, "bad"), record(2, "worse")], lambda_context) == []
    assert processed(s3) == {}
    assert quarantined(s3, 1)["reason"] == quarantined(s3, 2)["reason"] == "data is not base64"


def test_a_record_is_quarantined_once_however_often_its_batch_is_retried(
    handler, s3, lambda_context
):
    for _ in range(3):
        assert invoke(handler, [record(1, "bad")], lambda_context) == []
    versions = s3.list_object_versions(Bucket=BUCKET, Prefix=f"quarantine/{SHARD}/")["Versions"]
    assert [v["Key"] for v in versions] == [f"quarantine/{SHARD}/{sequence(1)}.json"]


# Failures that are not the record's: reported for retry, from the first on.


def test_a_failed_quarantine_is_retried_with_every_record_after_it(
    handler, s3, monkeypatch, lambda_context
):
    stream = io.StringIO()
    monkeypatch.setattr(handler.logger.registered_handler, "stream", stream)
    restore = fail_puts(s3, monkeypatch, "quarantine/")
    batch = [record(1), record(2, "bad"), record(3)]
    assert invoke(handler, batch, lambda_context) == [sequence(2), sequence(3)]
    assert written_numbers(s3) == [1]
    logged = [json.loads(line) for line in stream.getvalue().splitlines()]
    (failure,) = [line for line in logged if "exception" in line]
    assert failure["level"] == "WARNING"
    assert "SlowDown" in failure["exception"]
    restore()
    # Lambda retries the shard from the first reported record, with what arrived since.
    assert invoke(handler, [record(2, "bad"), record(3), record(4)], lambda_context) == []
    assert written_numbers(s3) == [1, 3, 4]
    assert quarantined(s3, 2)["reason"] == "data is not base64"


@pytest.mark.parametrize(
    ("code", "status"), [("SlowDown", 503), ("InternalError", 500), ("AccessDenied", 403)]
)
def test_when_the_bucket_refuses_the_batch_every_record_is_retried(
    handler, s3, monkeypatch, lambda_context, code, status
):
    restore = fail_puts(s3, monkeypatch, "processed/", code, status)
    batch = [record(1), record(2, "bad"), record(3)]
    assert invoke(handler, batch, lambda_context) == [sequence(1), sequence(2), sequence(3)]
    assert processed(s3) == {}
    restore()
    assert invoke(handler, batch, lambda_context) == []
    assert written_numbers(s3) == [1, 3]


def test_a_malformed_secret_retries_the_batch(handler, s3, monkeypatch, lambda_context):
    def malformed():
        raise handler.SecretError("the downstream secret's signing_key must be non-empty text")

    monkeypatch.setattr(handler, "signing_key", malformed)
    assert invoke(handler, [record(5), record(6)], lambda_context) == [sequence(5), sequence(6)]
    assert processed(s3) == {}


# Retried batches never leave a record in two objects.


def test_a_batch_retried_after_a_crash_replaces_its_own_object(handler, s3, lambda_context):
    # A timeout after the write: Lambda retries the same batch, with what arrived since.
    assert invoke(handler, [record(1), record(2)], lambda_context) == []
    retry = dataclasses.replace(lambda_context, aws_request_id="retry-1")
    assert invoke(handler, [record(1), record(2), record(3)], retry) == []
    assert written_numbers(s3) == [1, 2, 3]


def test_a_batch_split_in_two_after_a_crash_writes_each_record_once(handler, s3, lambda_context):
    # bisect_batch_on_function_error: Lambda retries each half on its own, in order.
    assert invoke(handler, [record(n) for n in range(1, 5)], lambda_context) == []
    assert invoke(handler, [record(1), record(2)], lambda_context) == []
    assert invoke(handler, [record(3), record(4)], lambda_context) == []
    assert written_numbers(s3) == [1, 2, 3, 4]
    assert sorted(processed(s3)) == [batch_key(1), batch_key(3)]


# What operators see: structured logs and embedded metrics.


def test_a_quarantined_record_is_logged_with_its_id_and_the_request(
    handler, s3, monkeypatch, lambda_context
):
    stream = io.StringIO()
    monkeypatch.setattr(handler.logger.registered_handler, "stream", stream)
    invoke(handler, [record(1, "bad")], lambda_context)
    (line,) = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert line["level"] == "WARNING"
    assert line["message"] == "record quarantined"
    assert line["record_id"] == f"{SHARD}:{sequence(1)}"
    assert line["reason"] == "data is not base64"
    assert line["function_request_id"] == lambda_context.aws_request_id
    assert line["service"] == "processor"


def test_every_batch_counts_its_records_as_embedded_metrics(handler, s3, capsys, lambda_context):
    invoke(handler, [record(1), record(2, "bad"), record(3)], lambda_context)
    (emf,) = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == NAMESPACE
    assert directive["Dimensions"] == [["service"]]
    assert emf["service"] == "processor"
    assert (emf["RecordsWritten"], emf["RecordsQuarantined"], emf["RecordsRetried"]) == (
        [2.0],
        [1.0],
        [0.0],
    )


# Reading the signing key: Secrets Manager answered by a Stubber.

SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:shop-downstream-dev-AbCdEf"


@pytest.fixture
def secrets(processor, monkeypatch):
    """The handler's Secrets Manager client, its answers stubbed, and a fresh secret cache."""
    monkeypatch.setattr(processor, "_signing_key", {"value": None, "expires": 0.0})
    monkeypatch.setattr(processor, "SECRET_ARN", SECRET_ARN)
    with Stubber(processor.secrets) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def secret_value(stubber, value):
    stubber.add_response(
        "get_secret_value",
        {"ARN": SECRET_ARN, "Name": "downstream", "SecretString": value},
        {"SecretId": SECRET_ARN},
    )


def test_the_signing_key_is_read_once_per_ttl(processor, secrets, monkeypatch):
    secret_value(secrets, json.dumps({"signing_key": "old"}))
    secret_value(secrets, json.dumps({"signing_key": "new"}))
    assert processor.signing_key() == b"old"
    assert processor.signing_key() == b"old"
    monkeypatch.setitem(processor._signing_key, "expires", 0.0)
    assert processor.signing_key() == b"new"


def test_a_secret_without_a_value_yet_means_unsigned_batches(processor, secrets):
    # The stack creates the secret empty; this is what Secrets Manager answers until it is set.
    secrets.add_client_error("get_secret_value", "ResourceNotFoundException", http_status_code=400)
    assert processor.signing_key() is None
    assert processor.signing_key() is None  # and that answer is kept for the TTL too


@pytest.mark.parametrize(
    "value", ["not json", "[1]", json.dumps({"password": "x"}), json.dumps({"signing_key": ""})]
)
def test_a_malformed_secret_is_refused_with_what_it_must_hold(processor, secrets, value):
    secret_value(secrets, value)
    with pytest.raises(processor.SecretError, match="signing_key"):
        processor.signing_key()


def test_a_secret_that_cannot_be_read_is_an_error_not_a_missing_value(processor, secrets):
    secrets.add_client_error("get_secret_value", "InvalidRequestException", http_status_code=400)
    with pytest.raises(ClientError, match="InvalidRequestException"):
        processor.signing_key()
