"""Monitoring: an alarm on every step of the pipeline, all notifying the encrypted topic, and one
dashboard that follows an event from the API to the bucket."""

import pytest

from lib.alarms import PERIOD_SECONDS
from lib.api_deployment import INTEGRATION_TIMEOUT_SECONDS
from lib.config import PROJECT
from lib.python_function import DURATION_ALARM_FRACTION
from lib.tap_stack import TIMEOUT_SECONDS
from lib.tiers import tier_settings
from tests.unit.mocks import deploy_stack

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
PURPOSES = ("ingest", "processor", "indexer")


def functions_by_purpose(stack):
    return {p: stack.one("aws:lambda/function:Function", p) for p in PURPOSES}


WATCHED = ("FunctionName", "ApiName", "StreamName", "QueueName")


def alarms_by_metric(stack):
    """Every alarm by (namespace, metric, the name of what it watches)."""
    alarms = {}
    for alarm in stack.of_type(ALARM):
        dimensions = alarm.inputs["dimensions"]
        (watched,) = [dimensions[key] for key in WATCHED if key in dimensions]
        alarms[(alarm.inputs["namespace"], alarm.inputs["metricName"], watched)] = alarm
    return alarms


def test_every_step_of_the_pipeline_has_its_alarms_named_for_what_they_watch(stack):
    names = {p: f.inputs["name"] for p, f in functions_by_purpose(stack).items()}
    api = stack.one("aws:apigateway/restApi:RestApi").inputs["name"]
    stream = stack.one("aws:kinesis/stream:Stream").inputs["name"]
    queue = stack.one("aws:sqs/queue:Queue").inputs["name"]
    expected = {
        ("AWS/Lambda", metric, names[purpose]): f"{purpose}-{metric.lower()}"
        for purpose in PURPOSES
        for metric in ("Errors", "Throttles", "Duration")
    } | {
        ("AWS/ApiGateway", "4XXError", api): "api-4xx",
        ("AWS/ApiGateway", "5XXError", api): "api-5xx",
        ("AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds", stream): "stream-iterator-age",
        ("AWS/Kinesis", "WriteProvisionedThroughputExceeded", stream): "stream-write-throttled",
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible", queue): "dlq-messages",
    }
    suffix = stack.args.environment_suffix
    alarms = alarms_by_metric(stack)
    assert len(stack.of_type(ALARM)) == len(alarms)
    assert {key: alarm.inputs["name"] for key, alarm in alarms.items()} == {
        key: f"{PROJECT}-{purpose}-{suffix}" for key, purpose in expected.items()
    }


def test_every_alarm_notifies_the_topic_and_is_named_for_the_environment(stack):
    topic_arn = stack.one("aws:sns/topic:Topic").outputs["arn"]
    suffix = stack.args.environment_suffix
    for alarm in stack.of_type(ALARM):
        assert alarm.inputs["alarmActions"] == [topic_arn], alarm.name
        assert alarm.inputs["okActions"] == [topic_arn], alarm.name
        assert alarm.inputs["name"].startswith(f"{PROJECT}-"), alarm.name
        assert alarm.inputs["name"].endswith(f"-{suffix}"), alarm.name
        assert alarm.inputs["period"] == PERIOD_SECONDS
        assert alarm.inputs["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert alarm.inputs["treatMissingData"] == "notBreaching"


def test_api_alarms_watch_this_api_and_its_stage(stack):
    api = stack.one("aws:apigateway/restApi:RestApi").inputs["name"]
    for (namespace, _, _), alarm in alarms_by_metric(stack).items():
        if namespace == "AWS/ApiGateway":
            assert alarm.inputs["dimensions"] == {
                "ApiName": api,
                "Stage": stack.args.environment_suffix,
            }


def test_duration_alarms_fire_before_each_functions_timeout(stack):
    alarms = alarms_by_metric(stack)
    for function in functions_by_purpose(stack).values():
        alarm = alarms[("AWS/Lambda", "Duration", function.inputs["name"])].inputs
        assert alarm["statistic"] == "Maximum"
        assert alarm["threshold"] == function.inputs["timeout"] * 1000 * DURATION_ALARM_FRACTION


def test_the_ingest_alarm_fires_before_the_integration_timeout_even_with_a_longer_timeout(
    monkeypatch,
):
    # API Gateway answers 504 after its integration timeout, however long the function may run.
    monkeypatch.setitem(TIMEOUT_SECONDS, "ingest", 2 * INTEGRATION_TIMEOUT_SECONDS)
    stack = deploy_stack("dev")
    ingest = stack.one("aws:lambda/function:Function", "ingest").inputs
    assert ingest["timeout"] == 2 * INTEGRATION_TIMEOUT_SECONDS
    alarm = alarms_by_metric(stack)[("AWS/Lambda", "Duration", ingest["name"])].inputs
    assert alarm["threshold"] == INTEGRATION_TIMEOUT_SECONDS * 1000 * DURATION_ALARM_FRACTION


@pytest.mark.parametrize("deployment", ["stack", "prod_stack", "pr_stack"])
def test_thresholds_come_from_the_tier(request, deployment):
    deployment = request.getfixturevalue(deployment)
    tier = tier_settings(deployment.args.environment_suffix)
    thresholds = {
        (namespace, metric): alarm.inputs["threshold"]
        for (namespace, metric, _), alarm in alarms_by_metric(deployment).items()
    }
    assert thresholds[("AWS/Lambda", "Errors")] == tier.error_alarm_threshold
    assert thresholds[("AWS/Lambda", "Throttles")] == 1
    assert thresholds[("AWS/ApiGateway", "4XXError")] == tier.api_4xx_alarm_threshold
    assert thresholds[("AWS/ApiGateway", "5XXError")] == 1
    assert (
        thresholds[("AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds")]
        == tier.iterator_age_alarm_ms
    )
    assert thresholds[("AWS/Kinesis", "WriteProvisionedThroughputExceeded")] == 1
    assert thresholds[("AWS/SQS", "ApproximateNumberOfMessagesVisible")] == 1


def test_the_dashboard_follows_the_whole_flow(stack):
    dashboard = stack.one("aws:cloudwatch/dashboard:Dashboard")
    suffix = stack.args.environment_suffix
    assert dashboard.inputs["dashboardName"] == f"{PROJECT}-pipeline-{suffix}"
    widgets = dashboard.json("dashboardBody")["widgets"]
    lines = {tuple(line[:4]) for w in widgets for line in w["properties"]["metrics"]}
    names = {p: f.inputs["name"] for p, f in functions_by_purpose(stack).items()}
    stream = stack.one("aws:kinesis/stream:Stream").inputs["name"]
    queue = stack.one("aws:sqs/queue:Queue").inputs["name"]
    api = stack.one("aws:apigateway/restApi:RestApi").inputs["name"]
    for metric in ("Invocations", "Errors", "Duration", "Throttles"):
        for name in names.values():
            assert ("AWS/Lambda", metric, "FunctionName", name) in lines
    for metric in ("Count", "4XXError", "5XXError", "Latency"):
        assert ("AWS/ApiGateway", metric, "ApiName", api) in lines
    for metric in (
        "IncomingRecords",
        "GetRecords.Records",
        "GetRecords.IteratorAgeMilliseconds",
        "WriteProvisionedThroughputExceeded",
    ):
        assert ("AWS/Kinesis", metric, "StreamName", stream) in lines
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue) in lines
    for metric in ("BatchesIndexed", "BatchBytes"):
        assert (f"{PROJECT}/{suffix}", metric, "Environment", suffix) in lines
    assert {w["properties"]["region"] for w in widgets} == {stack.args.region}


def test_the_subscription_follows_the_alarm_email(each_stack):
    subscriptions = each_stack.of_type("aws:sns/topicSubscription:TopicSubscription")
    email = each_stack.args.alarm_email
    assert [s.inputs["endpoint"] for s in subscriptions] == ([email] if email else [])
    for subscription in subscriptions:
        assert subscription.inputs["protocol"] == "email"
        assert subscription.inputs["topic"] == each_stack.one("aws:sns/topic:Topic").outputs["arn"]
