"""The API handler, called as Lambda calls it: routes, validation, CORS, logs and metrics."""

import importlib
import json

import pytest

from tests.unit.lambda_api.events import TRACING, LambdaContext, captured_logs, rest_api_event

ORIGIN = "https://app.example.com"
CONTEXT = LambdaContext("shop-api-dev")


@pytest.fixture(scope="module")
def api():
    """The handler module, imported with the environment its function is deployed with."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CORS_ALLOW_ORIGIN", ORIGIN)
        env.setenv("ENVIRONMENT", "dev")
        env.setenv("POWERTOOLS_SERVICE_NAME", "api")
        env.setenv("POWERTOOLS_METRICS_NAMESPACE", "shop/dev")
        yield importlib.import_module("functions.api.handler")


@pytest.fixture
def logs(api):
    """The JSON lines the handler logs during one test."""
    with captured_logs(api.logger) as lines:
        yield lines


def call(api, method, path, body=None, **shape):
    """The handler's answer to a REST API proxy event: (status, JSON body, headers)."""
    result = api.handler(rest_api_event(method, path, body, resource="/{proxy+}", **shape), CONTEXT)
    headers = {name: values[-1] for name, values in result["multiValueHeaders"].items()}
    return result["statusCode"], json.loads(result["body"]), headers


def post_item(api, body, **shape):
    status, answer, _ = call(api, "POST", "/items", body, **shape)
    return status, answer.get("error", answer)


def test_health_is_ok_with_cors_headers_for_the_configured_origin(api):
    status, body, headers = call(api, "GET", "/health")
    assert (status, body) == (200, {"status": "ok", "environment": "dev"})
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    assert headers["Content-Type"] == "application/json"


def test_a_valid_item_is_created_with_an_id_and_a_timestamp(api):
    status, body, _ = call(api, "POST", "/items", json.dumps({"name": "  widget ", "quantity": 3}))
    assert status == 201
    assert (body["name"], body["quantity"]) == ("widget", 3)
    assert len(body["id"]) == 36
    assert body["createdAt"].endswith("+00:00")


def test_quantity_defaults_to_one_and_base64_bodies_are_decoded(api):
    status, body = post_item(api, json.dumps({"name": "w"}), base64_body=True)
    assert (status, body["quantity"]) == (201, 1)


def test_routes_follow_the_api_resource_not_a_custom_domains_base_path(api):
    event = rest_api_event("POST", "/items", '{"name": "w"}', resource="/{proxy+}", base_path="/v1")
    assert event["path"] == "/v1/items"
    assert api.handler(event, CONTEXT)["statusCode"] == 201
    root = rest_api_event("GET", "/", resource="/", base_path="/v1")
    assert api.handler(root, CONTEXT)["statusCode"] == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "body is not valid JSON: Expecting property name"),
        ('{"name": "w"} trailing', "body is not valid JSON: Extra data"),
        (None, "body is required"),
        ("null", "body must be a JSON object"),
        ("[1, 2]", "body must be a JSON object"),
        ('"{\\"name\\": \\"w\\"}"', "body must be a JSON object"),
        ("{}", "missing fields: name"),
        ('{"name": "   "}', "name: String should have at least 1 character"),
        (json.dumps({"name": "x" * 101}), "name: String should have at most 100 characters"),
        ('{"name": 7}', "name: Input should be a valid string"),
        ('{"name": "w", "quantity": 0}', "quantity: Input should be greater than or equal to 1"),
        ('{"name": "w", "quantity": 1001}', "quantity: Input should be less than or equal to 1000"),
        ('{"name": "w", "quantity": true}', "quantity: Input should be a valid integer"),
        ('{"name": "w", "quantity": "3"}', "quantity: Input should be a valid integer"),
        ('{"name": "w", "quantity": 2.0}', "quantity: Input should be a valid integer"),
        ('{"name": "w", "quantity": 1e400}', "quantity: Input should be a valid integer"),
        ('{"name": "w", "quantity": NaN}', "quantity: Input should be a valid integer"),
        ('{"name": "w", "quantity": ' + "9" * 40 + "}", "quantity: Input should be less than"),
        ('{"name": "w", "colour": "red", "size": 1}', "unknown fields: colour, size"),
        ('{"name": "w", "name": "v"}', "body repeats the key 'name'"),
        # Python reads integers of at most 4300 digits and recurses about 1000 deep: both raise.
        ('{"name": "w", "quantity": ' + "1" * 5001 + "}", "value has 5001 digits"),
        ("[" * 5000, "body is nested too deeply"),
    ],
)
def test_bad_bodies_get_400_with_a_json_error_naming_the_problem(api, body, message):
    status, error = post_item(api, body)
    assert status == 400
    assert message in error


def test_wrongly_encoded_bodies_get_400_naming_the_encoding(api):
    event = rest_api_event("POST", "/items", "not base64!", resource="/{proxy+}")
    event["isBase64Encoded"] = True
    assert json.loads(api.handler(event, CONTEXT)["body"]) == {"error": "body is not valid base64"}
    event["body"] = "/w=="  # base64 of the single byte 0xff, which UTF-8 never uses
    assert json.loads(api.handler(event, CONTEXT)["body"]) == {"error": "body is not valid UTF-8"}
    assert post_item(api, '{"name": "\udcff"}') == (400, "body is not valid UTF-8")


def test_an_oversize_body_gets_413_before_it_is_parsed(api):
    body = json.dumps({"name": "w" * api.MAX_BODY_BYTES})
    assert post_item(api, body) == (413, "body must be at most 16384 bytes")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_a_body_that_is_not_declared_json_gets_415(api, content_type):
    body = json.dumps({"name": "w"})
    status, error = post_item(api, body, headers={"Content-Type": content_type})
    assert (status, error) == (415, "Content-Type must be application/json")
    charset = {"Content-Type": "Application/JSON; charset=utf-8"}
    assert post_item(api, body, headers=charset)[0] == 201


def test_unknown_paths_are_404_and_wrong_methods_405(api):
    assert call(api, "GET", "/nowhere")[:2] == (404, {"error": "no route for /nowhere"})
    status, body, headers = call(api, "DELETE", "/health")
    assert (status, body) == (405, {"error": "DELETE not allowed; use GET"})
    assert headers["Access-Control-Allow-Origin"] == ORIGIN


def test_every_request_is_logged_as_json_with_its_request_id_and_status(api, logs):
    call(api, "GET", "/health")
    (line,) = logs()
    assert (line["message"], line["method"], line["path"], line["status"]) == (
        "request",
        "GET",
        "/health",
        200,
    )
    assert line["function_request_id"] == CONTEXT.aws_request_id
    assert line["correlation_id"] == rest_api_event("GET", "/")["requestContext"]["requestId"]
    assert line["service"] == "api"


def test_created_items_are_counted_in_embedded_metric_format(api, capsys):
    assert post_item(api, '{"name": "w", "quantity": 2}')[0] == 201
    (emf,) = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "shop/dev"
    assert directive["Metrics"] == [{"Name": "ItemsCreated", "Unit": "Count"}]
    assert (emf["ItemsCreated"], emf["Environment"], emf["service"]) == ([2.0], "dev", "api")


def test_a_failing_metrics_flush_never_fails_a_created_item(api, logs, monkeypatch):
    def broken():
        raise OSError("stdout closed")

    monkeypatch.setattr(api.metrics, "flush_metrics", broken)
    assert post_item(api, '{"name": "w"}')[0] == 201
    assert [line["message"] for line in logs()] == ["request", "metrics were not published"]
    assert not api.metrics.metric_set  # the next request does not publish this one's metrics


def test_each_request_runs_in_its_own_trace_subsegment(api):
    TRACING.reset_mock()
    call(api, "GET", "/health")
    TRACING.in_subsegment.assert_called_once_with(name="## handler")
