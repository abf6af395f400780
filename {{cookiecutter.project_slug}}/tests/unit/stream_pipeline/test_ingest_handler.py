"""The ingest handler, called as Lambda calls it: validation, the record it puts on the stream,
and what callers get back."""

import importlib
import json

import pytest
from botocore.stub import ANY, Stubber

from tests.unit.lambda_api.events import TRACING, LambdaContext, captured_logs, rest_api_event

CONTEXT = LambdaContext("shop-ingest-dev")
EVENT = {"source": "sensor-7", "type": "reading", "payload": {"celsius": 21.5}}
DEEP = json.loads("[" * 400 + "]" * 400)  # lists in lists, 400 levels


@pytest.fixture(scope="module")
def ingest():
    """The handler module, imported with the environment its function is deployed with."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CORS_ALLOW_ORIGIN", "*")
        env.setenv("ENVIRONMENT", "dev")
        env.setenv("STREAM_NAME", "shop-events-dev")
        env.setenv("POWERTOOLS_SERVICE_NAME", "ingest")
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        yield importlib.import_module("functions.ingest.handler")


@pytest.fixture
def logs(ingest):
    """The JSON lines the handler logs during one test."""
    with captured_logs(ingest.logger) as lines:
        yield lines


@pytest.fixture
def stream(ingest):
    """The handler's Kinesis client, answered by a Stubber, never by AWS."""
    with Stubber(ingest.kinesis) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def call(ingest, method, path, body=None, **shape):
    """The handler's answer to a proxy event for the API's resource ``path``: (status, body)."""
    result = ingest.handler(rest_api_event(method, path, body, **shape), CONTEXT)
    assert result["multiValueHeaders"]["Content-Type"] == ["application/json"]
    return result["statusCode"], json.loads(result["body"])


class Captured:
    """Matches any parameter of a stubbed call and keeps it, to be checked afterwards."""

    value = None

    def __eq__(self, other):
        self.value = other
        return True

    __hash__ = None


def test_health_is_ok(ingest):
    assert call(ingest, "GET", "/health") == (200, {"status": "ok", "environment": "dev"})


def test_a_valid_event_is_stamped_and_put_on_the_stream_keyed_by_its_source(ingest, stream):
    data = Captured()
    stream.add_response(
        "put_record",
        {"ShardId": "shardId-000000000001", "SequenceNumber": "4960"},
        {"StreamName": "shop-events-dev", "Data": data, "PartitionKey": "sensor-7"},
    )
    status, body = call(ingest, "POST", "/process", json.dumps(EVENT), base64_body=True)
    assert status == 202
    assert (body["shard_id"], body["sequence_number"]) == ("shardId-000000000001", "4960")
    record = {"event_id": body["event_id"], "received_at": body["received_at"], **EVENT}
    assert data.value == json.dumps(record, separators=(",", ":")).encode()  # compact, as sent
    assert len(body["event_id"]) == 36
    assert body["received_at"].endswith("+00:00")


def test_text_fields_are_trimmed_and_a_custom_domains_base_path_still_routes(ingest, stream):
    stream.add_response(
        "put_record",
        {"ShardId": "shardId-0", "SequenceNumber": "1"},
        {"StreamName": "shop-events-dev", "Data": ANY, "PartitionKey": "sensor-7"},
    )
    body = json.dumps({**EVENT, "source": "  sensor-7 ", "type": " reading"})
    assert call(ingest, "POST", "/process", body, base_path="/events")[0] == 202


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "body is not valid JSON: Expecting property name"),
        (None, "body is required"),
        ("null", "body must be a JSON object"),
        ("[1, 2]", "body must be a JSON object"),
        ("{}", "missing fields: source, type, payload"),
        (json.dumps({"source": "s", "type": "t"}), "missing fields: payload"),
        (json.dumps({**EVENT, "extra": 1}), "unknown fields: extra"),
        (json.dumps({**EVENT, "payload": [1]}), "payload: Input should be a valid dictionary"),
        (json.dumps({**EVENT, "source": "  "}), "source: String should have at least 1"),
        (json.dumps({**EVENT, "source": "s" * 129}), "source: String should have at most 128"),
        (json.dumps({**EVENT, "type": 7}), "type: Input should be a valid string"),
        ('{"source": "a", "source": "b", "type": "t", "payload": {}}', "repeats the key 'source'"),
        # Python's json reads these; the stream's readers would not.
        ('{"source": "s", "type": "t", "payload": {"x": 1e999}}', "payload.x: Input should be a"),
        ('{"source": "s", "type": "t", "payload": {"x": [NaN]}}', "should be a finite number"),
        ('{"source": "s", "type": "t", "payload": {"x": -Infinity}}', "be a finite number"),
        # Python reads integers of at most 4300 digits and recurses about 1000 deep: both raise.
        ('{"source": "s", "type": "t", "payload": {"x": ' + "1" * 5001 + "}}", "5001 digits"),
        ('{"payload": ' + "[" * 5000, "body is nested too deeply"),
        # Deeper than the model validates (512 levels), not as deep as json.loads refuses.
        (json.dumps({**EVENT, "payload": {"x": DEEP}}), "payload.x: Recursion error"),
    ],
)
def test_bad_bodies_get_400_with_a_json_error_naming_the_problem(ingest, body, message):
    status, response = call(ingest, "POST", "/process", body)
    assert status == 400
    assert message in response["error"]


def test_wrongly_encoded_or_undeclared_bodies_get_a_4xx_naming_the_problem(ingest):
    event = rest_api_event("POST", "/process", "%%%")
    event["isBase64Encoded"] = True
    answer = ingest.handler(event, CONTEXT)
    assert (answer["statusCode"], answer["body"]) == (400, '{"error":"body is not valid base64"}')
    event["body"] = "gA=="  # base64 of the byte 0x80, which no UTF-8 text starts with
    answer = ingest.handler(event, CONTEXT)
    assert (answer["statusCode"], answer["body"]) == (400, '{"error":"body is not valid UTF-8"}')
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert call(ingest, "POST", "/process", "source=s", headers=form) == (
        415,
        {"error": "Content-Type must be application/json"},
    )


def test_an_oversize_body_gets_413_before_it_is_parsed(ingest):
    body = json.dumps({**EVENT, "payload": {"blob": "x" * ingest.MAX_BODY_BYTES}})
    assert call(ingest, "POST", "/process", body) == (
        413,
        {"error": f"body must be at most {ingest.MAX_BODY_BYTES} bytes"},
    )


def test_a_stream_that_refuses_the_record_gets_503_and_an_error_log(ingest, stream, logs):
    stream.add_client_error("put_record", "ProvisionedThroughputExceededException")
    status, body = call(ingest, "POST", "/process", json.dumps(EVENT))
    assert status == 503
    assert "retry later" in body["error"]
    failed, request = logs()
    assert (failed["level"], failed["message"]) == ("ERROR", "put_record failed")
    assert "ProvisionedThroughputExceeded" in failed["error"]
    assert request["status"] == 503


def test_unknown_paths_are_404_and_wrong_methods_405(ingest):
    assert call(ingest, "GET", "/nowhere") == (404, {"error": "no route for /nowhere"})
    assert call(ingest, "DELETE", "/process") == (405, {"error": "DELETE not allowed; use POST"})


def test_every_request_is_logged_as_json_with_its_request_id_and_status(ingest, logs):
    call(ingest, "GET", "/health")
    (line,) = logs()
    assert (line["message"], line["method"], line["path"], line["status"]) == (
        "request",
        "GET",
        "/health",
        200,
    )
    assert line["function_request_id"] == CONTEXT.aws_request_id
    assert line["correlation_id"] == rest_api_event("GET", "/")["requestContext"]["requestId"]
    assert line["service"] == "ingest"


def test_each_request_runs_in_its_own_trace_subsegment(ingest):
    TRACING.reset_mock()
    call(ingest, "GET", "/health")
    TRACING.in_subsegment.assert_called_once_with(name="## handler")
