"""Metric alarms and dashboard grids, built the same way by every monitoring component."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_aws import cloudwatch

from lib.context import StackContext

PERIOD_SECONDS = 300
ABOVE = "GreaterThanOrEqualToThreshold"
BELOW = "LessThanOrEqualToThreshold"


@dataclass(frozen=True)
class AlarmSpec:
    """One metric alarm: the metric, its statistic over five minutes, and when it fires."""

    purpose: str
    description: str
    namespace: str
    metric_name: str
    statistic: str
    threshold: float
    dimensions: Mapping[str, pulumi.Input[str]]
    comparison: str = ABOVE


@dataclass(frozen=True)
class MetricQuery:
    """A metric a metric-math alarm reads, by the id its expression names it with."""

    id: str
    namespace: str
    metric_name: str
    statistic: str
    dimensions: Mapping[str, pulumi.Input[str]]


@dataclass(frozen=True)
class MathAlarmSpec:
    """An alarm on a metric-math expression over ``metrics``, each read per five minutes; it
    fires when ``evaluation_periods`` periods in a row break the threshold."""

    purpose: str
    description: str
    expression_id: str
    expression: str
    label: str
    metrics: Sequence[MetricQuery]
    threshold: float
    evaluation_periods: int = 1
    comparison: str = ABOVE


@dataclass(frozen=True)
class Widget:
    """One dashboard graph: its title, statistic and metric lines, and an optional threshold."""

    title: str
    stat: str
    metrics: Sequence[Sequence[str]]
    threshold: float | None = None


def _named_and_notifying(
    ctx: StackContext, spec: AlarmSpec | MathAlarmSpec, alarm_topic_arn: pulumi.Input[str]
) -> dict[str, Any]:
    """What every alarm of the project shares: its name and description, its threshold, quiet
    periods that never fire (no traffic), and the topic told when it fires and when it clears."""
    return {
        "name": ctx.namer.name("alarm", spec.purpose),
        "alarm_description": f"{spec.description} in {ctx.namer.project} ({ctx.suffix})",
        "threshold": spec.threshold,
        "comparison_operator": spec.comparison,
        "treat_missing_data": "notBreaching",
        "alarm_actions": [alarm_topic_arn],
        "ok_actions": [alarm_topic_arn],
        "tags": ctx.tags,
    }


def metric_alarms(
    name: str,
    ctx: StackContext,
    specs: Sequence[AlarmSpec],
    *,
    alarm_topic_arn: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
    evaluation_periods: int = 1,
) -> list[cloudwatch.MetricAlarm]:
    """An alarm per spec, each notifying ``alarm_topic_arn`` when it fires and when it clears.

    An alarm fires when ``evaluation_periods`` periods in a row break the threshold; missing
    data (no traffic) never does.
    """
    return [
        cloudwatch.MetricAlarm(
            f"{name}-{spec.purpose}",
            namespace=spec.namespace,
            metric_name=spec.metric_name,
            dimensions=dict(spec.dimensions),
            statistic=spec.statistic,
            period=PERIOD_SECONDS,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=evaluation_periods,
            **_named_and_notifying(ctx, spec, alarm_topic_arn),
            opts=opts,
        )
        for spec in specs
    ]


def math_alarms(
    name: str,
    ctx: StackContext,
    specs: Sequence[MathAlarmSpec],
    *,
    alarm_topic_arn: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> list[cloudwatch.MetricAlarm]:
    """An alarm per metric-math spec, notifying ``alarm_topic_arn`` as ``metric_alarms`` do;
    periods with no data at all (no traffic) never fire."""
    return [
        cloudwatch.MetricAlarm(
            f"{name}-{spec.purpose}",
            metric_queries=[
                cloudwatch.MetricAlarmMetricQueryArgs(
                    id=spec.expression_id,
                    expression=spec.expression,
                    label=spec.label,
                    return_data=True,
                ),
                *[
                    cloudwatch.MetricAlarmMetricQueryArgs(
                        id=metric.id,
                        metric=cloudwatch.MetricAlarmMetricQueryMetricArgs(
                            namespace=metric.namespace,
                            metric_name=metric.metric_name,
                            dimensions=dict(metric.dimensions),
                            stat=metric.statistic,
                            period=PERIOD_SECONDS,
                        ),
                        return_data=False,
                    )
                    for metric in spec.metrics
                ],
            ],
            evaluation_periods=spec.evaluation_periods,
            datapoints_to_alarm=spec.evaluation_periods,
            **_named_and_notifying(ctx, spec, alarm_topic_arn),
            opts=opts,
        )
        for spec in specs
    ]


def metric_line(namespace: str, metric: str, dimensions: Mapping[str, str]) -> list[str]:
    """A dashboard metric line: namespace, metric, then each dimension's name and value."""
    return [namespace, metric, *[part for item in dimensions.items() for part in item]]


def grid(
    region: str, widgets: Sequence[Widget], *, columns: int = 2, extra: Sequence[dict] = ()
) -> str:
    """A dashboard body: ``widgets`` laid out ``columns`` to a row, then ``extra`` widgets."""
    width = 24 // columns
    body: list[dict[str, Any]] = []
    for index, widget in enumerate(widgets):
        properties: dict[str, Any] = {
            "title": widget.title,
            "region": region,
            "stat": widget.stat,
            "period": PERIOD_SECONDS,
            "metrics": [list(line) for line in widget.metrics],
        }
        if widget.threshold is not None:
            properties["annotations"] = {
                "horizontal": [{"label": "alarm", "value": widget.threshold}]
            }
        body.append(
            {
                "type": "metric",
                "x": (index % columns) * width,
                "y": (index // columns) * 6,
                "width": width,
                "height": 6,
                "properties": properties,
            }
        )
    rows = (len(widgets) + columns - 1) // columns
    body += [{**widget, "x": 0, "y": rows * 6, "width": 24} for widget in extra]
    return json.dumps({"widgets": body}, sort_keys=True)
