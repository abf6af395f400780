"""Monitoring: an alarm on every step of the pipeline, all notifying the encrypted topic, and one
dashboard that follows an event from the API to the bucket."""

import pytest

from lib.alarms import PERIOD_SECONDS
from lib.config import PROJECT
from lib.lambda_api.api_deployment import INTEGRATION_TIMEOUT_SECONDS
from lib.lambda_api.python_function import DURATION_ALARM_FRACTION
from lib.stream_pipeline.tiers import tier_settings
from tests.unit.stream_pipeline.fixtures import LONG_INGEST_TIMEOUT_SECONDS

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
PURPOSES = ("ingest", "processor", "indexer")


def functions_by_purpose(stack):
    return {p: stack.one("aws:lambda/function:Function", p) for p in PURPOSES}


WATCHED = ("FunctionName", "ApiName", "StreamName", "QueueName", "service")


def service_of(stack, purpose):
    """The service name Powertools puts on the function's metrics as their one dimension."""
    variables = stack.one("aws:lambda/function:Function", purpose).inputs["environment"]
    return variables["variables"]["POWERTOOLS_SERVICE_NAME"]


def math_alarms(stack):
    return [alarm for alarm in stack.of_type(ALARM) if "metricQueries" in alarm.inputs]


def alarms_by_metric(stack):
    """Every single-metric alarm by (namespace, metric, the name of what it watches)."""
    alarms = {}
    for alarm in stack.of_type(ALARM):
        if "metricQueries" in alarm.inputs:
            continue
        dimensions = alarm.inputs["dimensions"]
        (watched,) = [dimensions[key] for key in WATCHED if key in dimensions]
        alarms[(alarm.inputs["namespace"], alarm.inputs["metricName"], watched)] = alarm
    return alarms


def test_every_step_of_the_pipeline_has_its_alarms_named_for_what_they_watch(stack):
    names = {p: f.inputs["name"] for p, f in functions_by_purpose(stack).items()}
    api = stack.one("aws:apigateway/restApi:RestApi").inputs["name"]
    stream = stack.one("aws:kinesis/stream:Stream").inputs["name"]
    queue = stack.one("aws:sqs/queue:Queue").inputs["name"]
    suffix = stack.args.environment_suffix
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
        (f"{PROJECT}/{suffix}", "RecordsQuarantined", service_of(stack, "processor")): (
            "records-quarantined"
        ),
    }
    suffix = stack.args.environment_suffix
    alarms = alarms_by_metric(stack)
    assert len(stack.of_type(ALARM)) == len(alarms) + len(math_alarms(stack)) == len(expected) + 1
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
        for query in alarm.inputs.get("metricQueries", [{"metric": alarm.inputs}]):
            assert query.get("metric", {"period": PERIOD_SECONDS})["period"] == PERIOD_SECONDS
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
    long_name_stack,
):
    # API Gateway answers 504 after its integration timeout, however long the function may run.
    stack = long_name_stack  # its ingest function's timeout is LONG_INGEST_TIMEOUT_SECONDS
    assert LONG_INGEST_TIMEOUT_SECONDS > INTEGRATION_TIMEOUT_SECONDS
    ingest = stack.one("aws:lambda/function:Function", "ingest").inputs
    assert ingest["timeout"] == LONG_INGEST_TIMEOUT_SECONDS
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
    assert (
        thresholds[(f"{PROJECT}/{deployment.args.environment_suffix}", "RecordsQuarantined")] == 1
    )


def test_quarantined_records_alarm_on_the_processors_embedded_metric(stack):
    (alarm,) = [
        a
        for a in alarms_by_metric(stack).values()
        if a.inputs["metricName"] == "RecordsQuarantined"
    ]
    assert (
        alarm.inputs["namespace"]
        == stack.one("aws:lambda/function:Function", "processor").inputs["environment"][
            "variables"
        ]["POWERTOOLS_METRICS_NAMESPACE"]
    )
    assert alarm.inputs["dimensions"] == {"service": service_of(stack, "processor")}
    assert alarm.inputs["statistic"] == "Sum"


@pytest.mark.parametrize("deployment", ["stack", "prod_stack"])
def test_a_stopped_consumer_alarms_while_records_keep_arriving(request, deployment):
    # A disabled mapping or a crashed consumer emits no iterator-age datapoints at all, so an
    # alarm on them never fires; records arriving while the processor runs no invocation do.
    deployment = request.getfixturevalue(deployment)
    (alarm,) = math_alarms(deployment)
    inputs = alarm.inputs
    stream = deployment.one("aws:kinesis/stream:Stream").inputs["name"]
    processor = deployment.one("aws:lambda/function:Function", "processor").inputs["name"]
    queries = {query["id"]: query for query in inputs["metricQueries"]}
    assert queries["incoming"]["metric"] == {
        "namespace": "AWS/Kinesis",
        "metricName": "IncomingRecords",
        "dimensions": {"StreamName": stream},
        "stat": "Sum",
        "period": PERIOD_SECONDS,
    }
    assert queries["invocations"]["metric"] == {
        "namespace": "AWS/Lambda",
        "metricName": "Invocations",
        "dimensions": {"FunctionName": processor},
        "stat": "Sum",
        "period": PERIOD_SECONDS,
    }
    assert not queries["incoming"]["returnData"] and not queries["invocations"]["returnData"]
    # Missing data (a quiet stream, or no invocation at all) counts as 0 before the comparison,
    # so a quiet stream gives 0 and stays OK; records in with no invocation give 1.
    assert queries["stopped"] == {
        "id": "stopped",
        "expression": "IF(FILL(incoming, 0) > 0 AND FILL(invocations, 0) == 0, 1, 0)",
        "label": "records arriving, processor not invoked",
        "returnData": True,
    }
    assert inputs["threshold"] == 1
    assert inputs["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
    # Two periods in a row: a record that arrives in a period's last seconds is processed in
    # the next one, which would otherwise look like a stop for one period.
    assert inputs["evaluationPeriods"] == inputs["datapointsToAlarm"] == 2
    assert inputs["treatMissingData"] == "notBreaching"
    assert inputs["name"] == f"{PROJECT}-processor-stopped-{deployment.args.environment_suffix}"
    assert "namespace" not in inputs and "metricName" not in inputs


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
        assert (f"{PROJECT}/{suffix}", metric, "service", service_of(stack, "indexer")) in lines
    for metric in ("RecordsWritten", "RecordsQuarantined", "RecordsRetried"):
        assert (f"{PROJECT}/{suffix}", metric, "service", service_of(stack, "processor")) in lines
    assert {w["properties"]["region"] for w in widgets} == {stack.args.region}


def test_the_subscription_follows_the_alarm_email(each_stack):
    subscriptions = each_stack.of_type("aws:sns/topicSubscription:TopicSubscription")
    email = each_stack.args.alarm_email
    assert [s.inputs["endpoint"] for s in subscriptions] == ([email] if email else [])
    for subscription in subscriptions:
        assert subscription.inputs["protocol"] == "email"
        assert subscription.inputs["topic"] == each_stack.one("aws:sns/topic:Topic").outputs["arn"]
