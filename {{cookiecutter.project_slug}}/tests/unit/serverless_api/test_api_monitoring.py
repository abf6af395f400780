"""Monitoring: six alarms that notify the encrypted topic, and the API dashboard."""

import pytest

from lib.config import DEFAULT_ENVIRONMENT_SUFFIX as SUFFIX
from lib.config import PROJECT
from lib.lambda_api.api_deployment import INTEGRATION_TIMEOUT_SECONDS
from lib.lambda_api.python_function import DURATION_ALARM_FRACTION
from lib.serverless_api.tiers import tier_settings
from tests.unit.mocks import DEFAULT_REGION

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def alarms_by_metric(stack):
    return {(a.inputs["namespace"], a.inputs["metricName"]): a for a in stack.of_type(ALARM)}


def test_the_function_and_the_api_each_have_their_alarms(stack):
    assert set(alarms_by_metric(stack)) == {
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
        ("AWS/Lambda", "Duration"),
        ("AWS/ApiGateway", "5XXError"),
        ("AWS/ApiGateway", "4XXError"),
        ("AWS/ApiGateway", "Latency"),
    }


def test_every_alarm_notifies_the_alarm_topic(stack):
    topic_arn = stack.one("aws:sns/topic:Topic").outputs["arn"]
    for alarm in stack.of_type(ALARM):
        assert alarm.inputs["alarmActions"] == [topic_arn]
        assert alarm.inputs["okActions"] == [topic_arn]
        assert alarm.inputs["name"].endswith(f"-{SUFFIX}")


def test_lambda_alarms_watch_this_function(stack):
    function_name = stack.one("aws:lambda/function:Function").inputs["name"]
    for (namespace, _), alarm in alarms_by_metric(stack).items():
        if namespace == "AWS/Lambda":
            assert alarm.inputs["dimensions"] == {"FunctionName": function_name}


def test_api_alarms_watch_this_api_and_stage(stack):
    api_name = stack.one("aws:apigateway/restApi:RestApi").inputs["name"]
    for (namespace, _), alarm in alarms_by_metric(stack).items():
        if namespace == "AWS/ApiGateway":
            assert alarm.inputs["dimensions"] == {"ApiName": api_name, "Stage": SUFFIX}


def test_the_duration_alarm_fires_before_api_gateway_cuts_the_client_off(stack):
    duration = alarms_by_metric(stack)[("AWS/Lambda", "Duration")]
    timeout_ms = stack.one("aws:lambda/function:Function").inputs["timeout"] * 1000
    # The function may run for its whole timeout, but API Gateway answers 504 after its
    # integration timeout; the alarm watches the sooner of the two.
    limit_ms = INTEGRATION_TIMEOUT_SECONDS * 1000
    assert limit_ms < timeout_ms
    assert duration.inputs["statistic"] == "Maximum"
    assert duration.inputs["threshold"] == limit_ms * DURATION_ALARM_FRACTION
    description = duration.inputs["alarmDescription"]
    assert f"caller's timeout ({INTEGRATION_TIMEOUT_SECONDS} s)" in description


@pytest.mark.parametrize("deployment", ["stack", "prod_stack", "pr_stack"])
def test_thresholds_come_from_the_tier(request, deployment):
    deployment = request.getfixturevalue(deployment)
    tier = tier_settings(deployment.args.environment_suffix)
    alarms = alarms_by_metric(deployment)
    assert alarms[("AWS/Lambda", "Errors")].inputs["threshold"] == tier.error_alarm_threshold
    assert alarms[("AWS/ApiGateway", "Latency")].inputs["threshold"] == tier.latency_alarm_ms
    assert (
        alarms[("AWS/ApiGateway", "4XXError")].inputs["threshold"] == tier.api_4xx_alarm_threshold
    )


def test_the_dashboard_keeps_the_tap_prefix_and_carries_the_project(stack):
    # CloudWatch: dashboard names are unique per account and region, so two projects generated
    # from this template must not share one.
    dashboard = stack.one("aws:cloudwatch/dashboard:Dashboard")
    assert dashboard.inputs["dashboardName"] == f"TAP-API-{PROJECT}-{SUFFIX}"


def test_the_dashboard_shows_every_signal(stack):
    dashboard = stack.one("aws:cloudwatch/dashboard:Dashboard")
    widgets = dashboard.json("dashboardBody")["widgets"]
    metrics = {tuple(w["properties"]["metrics"][0][:2]) for w in widgets}
    assert metrics == {
        ("AWS/Lambda", "Invocations"),
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Duration"),
        ("AWS/Lambda", "Throttles"),
        ("AWS/ApiGateway", "Count"),
        ("AWS/ApiGateway", "Latency"),
        ("AWS/ApiGateway", "4XXError"),
        ("AWS/ApiGateway", "5XXError"),
    }
    assert {w["properties"]["region"] for w in widgets} == {DEFAULT_REGION}


def test_an_alarm_email_subscribes_to_the_topic(pr_stack):
    subscription = pr_stack.one("aws:sns/topicSubscription:TopicSubscription")
    assert subscription.inputs["protocol"] == "email"
    assert subscription.inputs["endpoint"] == "oncall@example.com"
    assert subscription.inputs["topic"] == pr_stack.one("aws:sns/topic:Topic").outputs["arn"]


def test_the_subscription_follows_the_alarm_email(each_stack):
    subscriptions = each_stack.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert [s.inputs["endpoint"] for s in subscriptions] == (
        [each_stack.args.alarm_email] if each_stack.args.alarm_email else []
    )
