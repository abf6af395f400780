"""The deployed serverless API: its function, logs, alarms, dashboard, a live health check, and
calls made as its api_auth mode needs (tests/integration/api_calls.py)."""

import json
import urllib.request

import pytest

from tests.integration.api_calls import REFUSED_STATUS, api_call, plain_call

FUNCTION_ALARM_METRICS = ("Errors", "Throttles", "Duration")
ITEM = {"name": "integration-test", "quantity": 2}


@pytest.fixture(scope="module")
def call(outputs, region, aws):
    """Calls to the API with the credentials its mode asks for."""
    with api_call(outputs, region, aws) as calling:
        yield calling


def test_the_function_is_configured_as_declared(outputs, aws):
    config = aws("lambda").get_function_configuration(FunctionName=outputs["function_name"])
    assert config["FunctionArn"] == outputs["function_arn"]
    assert config["Runtime"].startswith("python3.")
    assert config["MemorySize"] == 512
    assert config["Timeout"] == 60
    variables = config["Environment"]["Variables"]
    assert variables["FUNCTION_NAME"] == outputs["function_name"]
    assert {"ENVIRONMENT", "REGION", "LOG_LEVEL"} <= set(variables)


def test_the_function_log_group_is_encrypted_and_expires(outputs, aws):
    groups = aws("logs").describe_log_groups(logGroupNamePrefix=outputs["log_group_name"])
    (group,) = [g for g in groups["logGroups"] if g["logGroupName"] == outputs["log_group_name"]]
    assert group["retentionInDays"] > 0
    assert group["kmsKeyId"].startswith("arn:aws:kms:")


def test_the_function_has_its_alarms_and_they_notify_the_topic(outputs, aws):
    cloudwatch = aws("cloudwatch")
    for metric in FUNCTION_ALARM_METRICS:
        alarms = cloudwatch.describe_alarms_for_metric(
            MetricName=metric,
            Namespace="AWS/Lambda",
            Dimensions=[{"Name": "FunctionName", "Value": outputs["function_name"]}],
        )["MetricAlarms"]
        assert alarms, f"no alarm on {metric}"
        assert all(outputs["alarm_topic_arn"] in alarm["AlarmActions"] for alarm in alarms)


def test_the_alarm_topic_is_encrypted(outputs, aws):
    attributes = aws("sns").get_topic_attributes(TopicArn=outputs["alarm_topic_arn"])["Attributes"]
    assert attributes.get("KmsMasterKeyId")


def test_the_dashboard_shows_the_function(outputs, aws):
    dashboard = aws("cloudwatch").get_dashboard(DashboardName=outputs["dashboard_name"])
    assert outputs["function_name"] in dashboard["DashboardBody"]


def test_the_api_answers_its_health_check_without_credentials(outputs):
    # GET /health stays open in every mode (lib/lambda_api/api_auth.py).
    with urllib.request.urlopen(f"{outputs['api_url']}/health", timeout=10) as answer:  # noqa: S310
        assert answer.status == 200
        assert json.loads(answer.read())["status"] == "ok"


def test_a_caller_with_the_modes_credentials_creates_an_item(outputs, call):
    status, body = call("POST", f"{outputs['api_url']}/items", ITEM)
    assert status == 201, body
    assert (body["name"], body["quantity"]) == (ITEM["name"], ITEM["quantity"])


def test_a_call_without_credentials_is_refused_unless_the_api_is_public(outputs):
    status, body = plain_call("POST", f"{outputs['api_url']}/items", ITEM)
    # A public API (api_auth none) was chosen deliberately; the other modes refuse.
    assert status == REFUSED_STATUS.get(outputs["api_auth"], 201), body
