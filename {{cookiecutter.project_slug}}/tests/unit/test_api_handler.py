"""The API handler: routes, validation, CORS, structured logs and the custom metric."""

import base64
import json
import logging
from types import SimpleNamespace

import boto3
import pytest
from botocore.stub import Stubber

from functions.api import handler

CONTEXT = SimpleNamespace(aws_request_id="req-1")


def call(method, path, body=None, base64_body=False):
    event = {"httpMethod": method, "path": path, "body": body}
    if base64_body and body is not None:
        event["body"] = base64.b64encode(body.encode()).decode()
        event["isBase64Encoded"] = True
    result = handler.handler(event, CONTEXT)
    return result["statusCode"], json.loads(result["body"]), result["headers"]


@pytest.fixture(autouse=True)
def no_metrics(monkeypatch):
    monkeypatch.setattr(handler, "METRIC_NAMESPACE", "")


def test_health_is_ok_with_cors_headers():
    status, body, headers = call("GET", "/health")
    assert status == 200
    assert body["status"] == "ok"
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["Content-Type"] == "application/json"


def test_a_valid_item_is_created_with_an_id_and_a_timestamp():
    status, body, _ = call("POST", "/items", json.dumps({"name": "  widget ", "quantity": 3}))
    assert status == 201
    assert body["name"] == "widget"
    assert body["quantity"] == 3
    assert len(body["id"]) == 36
    assert body["createdAt"].endswith("+00:00")


def test_quantity_defaults_to_one_and_base64_bodies_are_decoded():
    status, body, _ = call("POST", "/items", json.dumps({"name": "w"}), base64_body=True)
    assert (status, body["quantity"]) == (201, 1)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "body must be valid JSON"),
        ("[1, 2]", "body must be a JSON object"),
        ("{}", "name must be a non-empty string"),
        ('{"name": "   "}', "name must be a non-empty string"),
        (json.dumps({"name": "x" * 101}), "name must be a non-empty string"),
        ('{"name": "w", "quantity": 0}', "quantity must be an integer from 1 to 1000"),
        ('{"name": "w", "quantity": true}', "quantity must be an integer"),
        ('{"name": "w", "quantity": "3"}', "quantity must be an integer"),
        ('{"name": "w", "colour": "red"}', "unknown fields: colour"),
        (json.dumps({"name": "w" * 20000}), "body must be at most 16384 bytes"),
        (None, "body must be valid JSON"),
    ],
)
def test_bad_bodies_get_400_with_a_json_error_naming_the_problem(body, message):
    status, response, headers = call("POST", "/items", body)
    assert status == 400
    assert message in response["error"]
    assert headers["Access-Control-Allow-Origin"] == "*"


def test_unknown_paths_are_404_and_wrong_methods_405():
    assert call("GET", "/nowhere")[:2] == (404, {"error": "no route for /nowhere"})
    status, body, _ = call("DELETE", "/health")
    assert status == 405
    assert body["error"] == "DELETE not allowed; use GET"


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


def test_created_items_are_counted_in_the_projects_namespace(monkeypatch):
    client = boto3.client("cloudwatch", region_name="us-east-1")
    monkeypatch.setattr(handler, "METRIC_NAMESPACE", "shop/dev")
    monkeypatch.setattr(handler, "_metrics_client", client)
    with Stubber(client) as stubber:
        stubber.add_response(
            "put_metric_data",
            {},
            {
                "Namespace": "shop/dev",
                "MetricData": [
                    {
                        "MetricName": "ItemsCreated",
                        "Dimensions": [{"Name": "Environment", "Value": handler.ENVIRONMENT}],
                        "Unit": "Count",
                        "Value": 2,
                    }
                ],
            },
        )
        assert call("POST", "/items", '{"name": "w", "quantity": 2}')[0] == 201
        stubber.assert_no_pending_responses()


def test_the_metrics_client_is_created_once(monkeypatch):
    monkeypatch.setattr(handler, "_metrics_client", None)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    first = handler.metrics_client()
    assert handler.metrics_client() is first
