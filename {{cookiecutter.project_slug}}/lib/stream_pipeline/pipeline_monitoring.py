"""Alarms on every stage of the pipeline, all notifying the alarm topic, and one dashboard that
follows an event from the API to the bucket."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
from pulumi_aws import cloudwatch

from lib.alarms import (
    AlarmSpec,
    MathAlarmSpec,
    MetricQuery,
    Widget,
    grid,
    math_alarms,
    metric_alarms,
)
from lib.context import StackContext
from lib.lambda_api.python_function import PythonFunction
from lib.stream_pipeline.tiers import StreamTier


@dataclass(frozen=True)
class PipelineResources:
    """The names of what the pipeline's metrics are reported for."""

    api_name: pulumi.Input[str]
    stage_name: pulumi.Input[str]
    stream_name: pulumi.Input[str]
    queue_name: pulumi.Input[str]
    processor: PythonFunction  # the stream's consumer
    metric_namespace: str  # where the functions' embedded metrics go


# Periods in a row with records arriving and no processor run before the stopped-consumer alarm
# fires: a record that arrives in a period's last seconds is processed in the next one.
STOPPED_CONSUMER_PERIODS = 2


def stopped_consumer_alarm(watched: PipelineResources) -> MathAlarmSpec:
    """Records arriving while the processor is never invoked: a disabled mapping or a crashed
    consumer, which emit no iterator-age datapoints at all. A quiet stream stays OK."""
    return MathAlarmSpec(
        f"{watched.processor.purpose}-stopped",
        "records arriving on the stream while the processor does not run",
        "stopped",
        # Metric math (IF, AND, FILL): missing data counts as 0 before the comparison.
        "IF(FILL(incoming, 0) > 0 AND FILL(invocations, 0) == 0, 1, 0)",
        "records arriving, processor not invoked",
        [
            MetricQuery(
                "incoming",
                "AWS/Kinesis",
                "IncomingRecords",
                "Sum",
                {"StreamName": watched.stream_name},
            ),
            MetricQuery(
                "invocations",
                "AWS/Lambda",
                "Invocations",
                "Sum",
                {"FunctionName": watched.processor.function.name},
            ),
        ],
        1,
        evaluation_periods=STOPPED_CONSUMER_PERIODS,
    )


def pipeline_alarms(
    functions: Sequence[PythonFunction],
    watched: PipelineResources,
    tier: StreamTier,
    duration_limits: Mapping[str, float] | None = None,
) -> list[AlarmSpec]:
    """Every alarm: three per function, then the API, the stream and the dead-letter queue.

    ``duration_limits`` gives, by function purpose, how long its caller waits for it when that
    may be less than its timeout (an API-fronted function).
    """
    limits = duration_limits or {}
    alarms = [
        spec
        for fn in functions
        for spec in fn.alarm_specs(
            tier.error_alarm_threshold, duration_limit_seconds=limits.get(fn.purpose)
        )
    ]
    api = {"ApiName": watched.api_name, "Stage": watched.stage_name}
    stream = {"StreamName": watched.stream_name}
    return [
        *alarms,
        AlarmSpec(
            "api-4xx",
            "ingest API rejected requests",
            "AWS/ApiGateway",
            "4XXError",
            "Sum",
            tier.api_4xx_alarm_threshold,
            api,
        ),
        AlarmSpec(
            "api-5xx", "ingest API server errors", "AWS/ApiGateway", "5XXError", "Sum", 1, api
        ),
        AlarmSpec(
            "stream-iterator-age",
            "processor falling behind the stream",
            "AWS/Kinesis",
            "GetRecords.IteratorAgeMilliseconds",
            "Maximum",
            tier.iterator_age_alarm_ms,
            stream,
        ),
        AlarmSpec(
            "stream-write-throttled",
            "stream refusing writes over its capacity",
            "AWS/Kinesis",
            "WriteProvisionedThroughputExceeded",
            "Sum",
            1,
            stream,
        ),
        AlarmSpec(
            "dlq-messages",
            "failed batches waiting in the dead-letter queue",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            "Maximum",
            1,
            {"QueueName": watched.queue_name},
        ),
        AlarmSpec(
            "records-quarantined",
            "stream records quarantined as never processable",
            watched.metric_namespace,
            "RecordsQuarantined",
            "Sum",
            1,
            # Powertools names the service dimension after POWERTOOLS_SERVICE_NAME: the purpose.
            {"service": watched.processor.purpose},
        ),
    ]


class PipelineMonitoring(pulumi.ComponentResource):
    """The pipeline's alarms, each notifying ``alarm_topic_arn``, and its dashboard."""

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        *,
        functions: Sequence[PythonFunction],
        watched: PipelineResources,
        tier: StreamTier,
        alarm_topic_arn: pulumi.Input[str],
        duration_limits: Mapping[str, float] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:monitoring:PipelineMonitoring", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.alarms = metric_alarms(
            name,
            ctx,
            pipeline_alarms(functions, watched, tier, duration_limits),
            alarm_topic_arn=alarm_topic_arn,
            opts=child,
        ) + math_alarms(
            name,
            ctx,
            [stopped_consumer_alarm(watched)],
            alarm_topic_arn=alarm_topic_arn,
            opts=child,
        )
        self.dashboard = cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=ctx.namer.name("dashboard", "pipeline"),
            dashboard_body=pulumi.Output.all(
                functions={fn.purpose: fn.function.name for fn in functions},
                api=watched.api_name,
                stage=watched.stage_name,
                stream=watched.stream_name,
                queue=watched.queue_name,
            ).apply(
                lambda names: dashboard_body(
                    ctx.region,
                    metric_namespace=watched.metric_namespace,
                    **names,
                )
            ),
            opts=child,
        )
        self.register_outputs(
            {"dashboard_name": self.dashboard.dashboard_name, "alarm_count": len(self.alarms)}
        )


def dashboard_body(
    region: str,
    *,
    metric_namespace: str,
    functions: Mapping[str, str],
    api: str,
    stage: str,
    stream: str,
    queue: str,
) -> str:
    """The dashboard, in the order an event travels: API, stream, functions, bucket, failures."""
    gateway = ["ApiName", api, "Stage", stage]
    kinesis = ["StreamName", stream]

    def per_function(metric: str) -> list[list[str]]:
        return [["AWS/Lambda", metric, "FunctionName", name] for name in functions.values()]

    widgets = [
        ("Ingest requests", "Sum", [["AWS/ApiGateway", "Count", *gateway]]),
        (
            "Ingest errors",
            "Sum",
            [["AWS/ApiGateway", "4XXError", *gateway], ["AWS/ApiGateway", "5XXError", *gateway]],
        ),
        ("Ingest latency", "Average", [["AWS/ApiGateway", "Latency", *gateway]]),
        (
            "Stream records in and out",
            "Sum",
            [
                ["AWS/Kinesis", "IncomingRecords", *kinesis],
                ["AWS/Kinesis", "GetRecords.Records", *kinesis],
            ],
        ),
        (
            "Processor lag (iterator age)",
            "Maximum",
            [["AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds", *kinesis]],
        ),
        (
            "Stream write throttling",
            "Sum",
            [["AWS/Kinesis", "WriteProvisionedThroughputExceeded", *kinesis]],
        ),
        ("Function invocations", "Sum", per_function("Invocations")),
        ("Function errors", "Sum", per_function("Errors")),
        ("Function duration", "Maximum", per_function("Duration")),
        ("Function throttles", "Sum", per_function("Throttles")),
        (
            "Records written, quarantined and retried",
            "Sum",
            [
                [metric_namespace, metric, "service", "processor"]
                for metric in ("RecordsWritten", "RecordsQuarantined", "RecordsRetried")
            ],
        ),
        (
            "Batches landed in S3",
            "Sum",
            [[metric_namespace, "BatchesIndexed", "service", "indexer"]],
        ),
        ("Bytes landed in S3", "Sum", [[metric_namespace, "BatchBytes", "service", "indexer"]]),
        (
            "Dead-letter queue",
            "Maximum",
            [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue]],
        ),
    ]
    return grid(
        region, [Widget(title, stat, metrics) for title, stat, metrics in widgets], columns=3
    )
