"""The processor handler: decoding, the rows it writes, the S3 key layout, per-record failure
reports and batch signing. S3 is moto's, in process; Secrets Manager answers from a Stubber."""

import base64
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime
from types import SimpleNamespace

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from moto import mock_aws

from functions.processor import handler

REGION = "us-east-1"
BUCKET = "shop-data-us-east-1-dev"
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:shop-downstream-dev-AbCdEf"
ARRIVAL = 1_767_225_600.5  # 2026-01-01T00:00:00.5Z
KEY_LAYOUT = re.compile(
    r"processed/year=(\d{4})/month=(\d{2})/day=(\d{2})/hour=(\d{2})/(?P<batch>[\w-]+)\.jsonl"
)


def event(number, **overrides):
    return {
        "event_id": f"evt-{number}",
        "received_at": "2026-01-01T00:00:00+00:00",
        "source": "sensor-7",
        "type": "reading",
        "payload": {"n": number},
        **overrides,
    }


def record(number, data=None):
    """A Kinesis record as Lambda delivers it; ``data`` replaces the encoded event."""
    if data is None:
        data = base64.b64encode(json.dumps(event(number)).encode()).decode()
    return {
        "kinesis": {
            "data": data,
            "partitionKey": "sensor-7",
            "sequenceNumber": f"seq-{number}",
            "approximateArrivalTimestamp": ARRIVAL,
        }
    }


ENCODED = base64.b64encode(json.dumps(event(1)).encode()).decode()


def invoke(records, request_id):
    return handler.handler({"Records": records}, SimpleNamespace(aws_request_id=request_id))


def failures(result):
    return [item["itemIdentifier"] for item in result["batchItemFailures"]]


# Decoding and transforming, without AWS.


def test_a_record_decodes_to_the_event_the_ingest_function_put():
    assert handler.decode(record(1)) == event(1)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("not base64!", "data is not base64-encoded JSON"),
        (base64.b64encode(b"{oops").decode(), "data is not base64-encoded JSON"),
        (base64.b64encode(b"\xff\xfe\x00").decode(), "data is not base64-encoded JSON"),
        (ENCODED[:4] + "*" + ENCODED[4:], "data is not base64-encoded JSON"),
        (base64.b64encode(b"[1]").decode(), "data is not a JSON object"),
        (base64.b64encode(b'{"event_id": "e"}').decode(), "missing fields: received_at, source"),
    ],
)
def test_undecodable_records_are_refused_with_the_reason(data, reason):
    with pytest.raises(handler.BadRecord, match=re.escape(reason)):
        handler.decode(record(1, data))


def test_a_row_is_the_event_with_its_place_on_the_stream_and_its_times():
    processed_at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    row = handler.transform(event(1), record(1), processed_at)
    assert row == {
        **event(1),
        "arrived_at": "2026-01-01T00:00:00.500000+00:00",
        "processed_at": "2026-01-02T03:04:05+00:00",
        "partition_key": "sensor-7",
        "sequence_number": "seq-1",
    }


def test_batch_keys_are_partitioned_by_the_hour_in_utc():
    at = datetime(2026, 3, 9, 7, 59, tzinfo=UTC)
    assert handler.batch_key("processed/", at, "req-1") == (
        "processed/year=2026/month=03/day=09/hour=07/req-1.jsonl"
    )


def test_a_batch_of_only_bad_records_reports_each_and_writes_nothing(monkeypatch):
    monkeypatch.setattr(handler, "_clients", {})  # any AWS call would need a client
    result = invoke([record(1, "bad"), record(2, "worse")], "req-bad")
    assert failures(result) == ["seq-1", "seq-2"]
    assert handler._clients == {}


# Reading the signing key: Secrets Manager answered by a Stubber.


@pytest.fixture(scope="module")
def secrets_client():
    return boto3.client("secretsmanager", region_name=REGION)


@pytest.fixture
def secrets(secrets_client, monkeypatch):
    """The Secrets Manager client, its answers stubbed, wired into a fresh secret cache."""
    client = secrets_client
    monkeypatch.setattr(handler, "_clients", {"secretsmanager": client})
    monkeypatch.setattr(handler, "_signing_key", {"value": None, "expires": 0.0})
    monkeypatch.setattr(handler, "SECRET_ARN", SECRET_ARN)
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def secret_value(stubber, value):
    stubber.add_response(
        "get_secret_value",
        {"ARN": SECRET_ARN, "Name": "downstream", "SecretString": value},
        {"SecretId": SECRET_ARN},
    )


def test_the_signing_key_is_read_once_per_ttl(secrets, monkeypatch):
    secret_value(secrets, json.dumps({"signing_key": "old"}))
    secret_value(secrets, json.dumps({"signing_key": "new"}))
    assert handler.signing_key() == b"old"
    assert handler.signing_key() == b"old"
    monkeypatch.setitem(handler._signing_key, "expires", 0.0)
    assert handler.signing_key() == b"new"


def test_a_secret_without_a_value_yet_means_unsigned_batches(secrets, caplog):
    # The stack creates the secret empty; this is what Secrets Manager answers until it is set.
    secrets.add_client_error("get_secret_value", "ResourceNotFoundException", http_status_code=400)
    assert handler.signing_key() is None
    assert "no value yet" in caplog.text


@pytest.mark.parametrize(
    "value", ["not json", "[1]", json.dumps({"password": "x"}), json.dumps({"signing_key": ""})]
)
def test_a_malformed_secret_fails_the_batch_record_by_record(secrets, value):
    secret_value(secrets, value)
    assert failures(invoke([record(5), record(6)], "req-bad-secret")) == ["seq-5", "seq-6"]


def test_a_secret_that_cannot_be_read_is_an_error_not_a_missing_value(secrets):
    secrets.add_client_error("get_secret_value", "InvalidRequestException", http_status_code=400)
    with pytest.raises(ClientError, match="InvalidRequestException"):
        handler.signing_key()


# Writing to S3, against moto.


@pytest.fixture(scope="module")
def bucket():
    """moto's S3, in process, with the data bucket; yields a client for it."""
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        yield s3


@pytest.fixture
def processor(bucket, monkeypatch):
    """The handler writing to moto's bucket, with the signing key already read as ``None``."""
    monkeypatch.setattr(handler, "_clients", {"s3": bucket})
    monkeypatch.setattr(handler, "BUCKET_NAME", BUCKET)
    monkeypatch.setattr(handler, "_signing_key", {"value": None, "expires": float("inf")})
    return bucket


def written(s3, request_id):
    """The one object a request wrote: its key, its body and the object."""
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="processed/")["Contents"]
    (key,) = [o["Key"] for o in listed if o["Key"].endswith(f"/{request_id}.jsonl")]
    obj = s3.get_object(Bucket=BUCKET, Key=key)
    return key, obj["Body"].read(), obj


def test_good_records_land_as_one_object_and_bad_ones_are_reported_one_by_one(processor):
    before = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    result = invoke([record(1), record(2, "garbage"), record(3)], "req-mixed")
    assert failures(result) == ["seq-2"]
    key, body, obj = written(processor, "req-mixed")
    match = KEY_LAYOUT.fullmatch(key)
    assert match, key
    assert match["batch"] == "req-mixed"
    hour = datetime(*map(int, match.groups()[:4]), tzinfo=UTC)
    assert before <= hour <= datetime.now(UTC)
    rows = [json.loads(line) for line in body.decode().splitlines()]
    assert [(row["event_id"], row["sequence_number"]) for row in rows] == [
        ("evt-1", "seq-1"),
        ("evt-3", "seq-3"),
    ]
    assert obj["ContentType"] == "application/x-ndjson"
    assert obj["Metadata"] == {"record-count": "2"}


def test_a_signing_key_signs_every_batch(processor, monkeypatch):
    monkeypatch.setitem(handler._signing_key, "value", b"k3y")
    assert failures(invoke([record(4)], "req-signed")) == []
    _, body, obj = written(processor, "req-signed")
    expected = hmac.new(b"k3y", body, hashlib.sha256).hexdigest()
    assert obj["Metadata"] == {"record-count": "1", "signature": f"sha256={expected}"}


def test_when_the_bucket_refuses_the_batch_every_record_is_reported(processor):
    with Stubber(processor) as s3:  # S3 saying no, as it does when a policy or the key denies
        s3.add_client_error("put_object", "AccessDenied", http_status_code=403)
        result = invoke([record(8, "garbage"), record(9), record(10)], "req-refused")
    assert failures(result) == ["seq-8", "seq-9", "seq-10"]


def test_clients_are_created_once_per_service(monkeypatch):
    monkeypatch.setattr(handler, "_clients", {})
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    first = handler.client("secretsmanager")
    assert handler.client("secretsmanager") is first
    assert handler._clients == {"secretsmanager": first}
