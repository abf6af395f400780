"""The ingest handler: validation, the record it puts on the stream, and what callers get back."""

import base64
import json
import logging
from types import SimpleNamespace

import boto3
import pytest
from botocore.stub import ANY, Stubber

from functions.ingest import handler

CONTEXT = SimpleNamespace(aws_request_id="req-1")
EVENT = {"source": "sensor-7", "type": "reading", "payload": {"celsius": 21.5}}


def call(method, path, body=None, base64_body=False):
    event = {"httpMethod": method, "path": path, "body": body}
    if base64_body and body is not None:
        event["body"] = base64.b64encode(body.encode()).decode()
        event["isBase64Encoded"] = True
    result = handler.handler(event, CONTEXT)
    assert result["headers"]["Content-Type"] == "application/json"
    return result["statusCode"], json.loads(result["body"])


class Captured:
    """Matches any parameter of a stubbed call and keeps it, to be checked afterwards."""

    value = None

    def __eq__(self, other):
        self.value = other
        return True

    __hash__ = None


@pytest.fixture(scope="module")
def kinesis():
    """A real Kinesis client whose calls are answered by a Stubber, never by AWS."""
    return boto3.client("kinesis", region_name="us-east-1")


@pytest.fixture
def stream(kinesis, monkeypatch):
    monkeypatch.setattr(handler, "_kinesis_client", kinesis)
    monkeypatch.setattr(handler, "STREAM_NAME", "shop-events-dev")
    with Stubber(kinesis) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def test_health_is_ok():
    assert call("GET", "/health") == (200, {"status": "ok", "environment": handler.ENVIRONMENT})


def test_a_valid_event_is_stamped_and_put_on_the_stream_keyed_by_its_source(stream):
    data = Captured()
    stream.add_response(
        "put_record",
        {"ShardId": "shardId-000000000001", "SequenceNumber": "4960"},
        {"StreamName": "shop-events-dev", "Data": data, "PartitionKey": "sensor-7"},
    )
    status, body = call("POST", "/process", json.dumps(EVENT), base64_body=True)
    assert status == 202
    assert (body["shard_id"], body["sequence_number"]) == ("shardId-000000000001", "4960")
    record = {"event_id": body["event_id"], "received_at": body["received_at"], **EVENT}
    assert data.value == json.dumps(record, separators=(",", ":")).encode()  # compact, as sent
    assert len(body["event_id"]) == 36
    assert body["received_at"].endswith("+00:00")


def test_text_fields_are_trimmed(stream):
    stream.add_response(
        "put_record",
        {"ShardId": "shardId-0", "SequenceNumber": "1"},
        {"StreamName": "shop-events-dev", "Data": ANY, "PartitionKey": "sensor-7"},
    )
    body = json.dumps({**EVENT, "source": "  sensor-7 ", "type": " reading"})
    assert call("POST", "/process", body)[0] == 202


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "body must be valid JSON"),
        (None, "body must be valid JSON"),
        ("[1, 2]", "body must be a JSON object"),
        ("{}", "missing fields: source, type, payload"),
        (json.dumps({"source": "s", "type": "t"}), "missing fields: payload"),
        (json.dumps({**EVENT, "extra": 1}), "unknown fields: extra"),
        (json.dumps({**EVENT, "payload": [1]}), "payload must be a JSON object"),
        (json.dumps({**EVENT, "source": "  "}), "source must be a non-empty string"),
        (json.dumps({**EVENT, "source": "s" * 129}), "of at most 128 characters"),
        (json.dumps({**EVENT, "type": 7}), "type must be a non-empty string"),
    ],
)
def test_bad_bodies_get_400_with_a_json_error_naming_the_problem(body, message):
    status, response = call("POST", "/process", body)
    assert status == 400
    assert message in response["error"]


def test_an_oversize_body_gets_413_before_it_is_parsed():
    body = json.dumps({**EVENT, "payload": {"blob": "x" * handler.MAX_BODY_BYTES}})
    assert call("POST", "/process", body) == (
        413,
        {"error": f"body must be at most {handler.MAX_BODY_BYTES} bytes"},
    )


def test_a_stream_that_refuses_the_record_gets_503_and_an_error_log(stream, caplog):
    stream.add_client_error("put_record", "ProvisionedThroughputExceededException")
    with caplog.at_level(logging.ERROR, logger=handler.LOGGER.name):
        status, body = call("POST", "/process", json.dumps(EVENT))
    assert status == 503
    assert "retry later" in body["error"]
    assert "ProvisionedThroughputExceeded" in caplog.records[0].error


def test_anything_but_the_two_routes_is_404():
    assert call("DELETE", "/process") == (404, {"error": "no route for DELETE /process"})


def test_every_request_is_logged_with_its_method_path_and_status(caplog):
    with caplog.at_level(logging.INFO, logger=handler.LOGGER.name):
        call("GET", "/health")
    (record,) = caplog.records
    assert (record.method, record.path, record.status, record.request_id) == (
        "GET",
        "/health",
        200,
        "req-1",
    )


def test_the_kinesis_client_is_created_once(monkeypatch):
    monkeypatch.setattr(handler, "_kinesis_client", None)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    first = handler.kinesis_client()
    assert handler.kinesis_client() is first
