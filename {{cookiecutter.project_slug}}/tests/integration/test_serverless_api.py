"""The deployed serverless API: its function, logs, alarms, dashboard and a live health check."""

import json
import urllib.request

FUNCTION_ALARM_METRICS = ("Errors", "Throttles", "Duration")


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


def test_the_api_answers_its_health_check(outputs):
    with urllib.request.urlopen(f"{outputs['api_url']}/health", timeout=10) as answer:  # noqa: S310
        assert answer.status == 200
        assert json.loads(answer.read())["status"] == "ok"
