"""A serverless-api deployment, emulated: moto for AWS, a loopback server for the API."""

from __future__ import annotations

import json
from pathlib import Path

from tests.emulated import EmulatedAws, LambdaProxyServer, alarm, lambda_role, zipped
from tests.emulated.stream_pipeline import load_function


def deploy(project: Path, aws: EmulatedAws, answers: dict) -> tuple[dict, list]:
    """What ``pulumi up`` of a serverless-api project creates; returns (outputs, servers)."""
    slug, suffix = answers["project_slug"], answers["environment_suffix"]
    function_name = f"{slug}-api-{suffix}"
    environment = {
        "ENVIRONMENT": suffix,
        "REGION": aws.region,
        "FUNCTION_NAME": function_name,
        "LOG_LEVEL": "INFO",
        "CORS_ALLOW_ORIGIN": "*",
        "POWERTOOLS_SERVICE_NAME": "api",
        "POWERTOOLS_METRICS_NAMESPACE": f"{slug}/{suffix}",
    }

    key_arn = aws.client("kms").create_key(Description="api key")["KeyMetadata"]["Arn"]
    log_group = f"/aws/lambda/{function_name}"
    logs = aws.client("logs")
    logs.create_log_group(logGroupName=log_group, kmsKeyId=key_arn)
    logs.put_retention_policy(logGroupName=log_group, retentionInDays=14)
    topic = aws.client("sns").create_topic(
        Name=f"{slug}-alarms-{suffix}", Attributes={"KmsMasterKeyId": key_arn}
    )["TopicArn"]
    function = aws.client("lambda").create_function(
        FunctionName=function_name,
        Runtime="python3.13",
        Role=lambda_role(aws, f"{slug}-api-{suffix}"),
        Handler="handler.handler",
        Code={"ZipFile": zipped(project / "functions" / "api")},
        MemorySize=512,
        Timeout=60,
        Environment={"Variables": environment},
    )
    handler = load_function(
        project / "functions" / "api" / "handler.py", f"{slug}_api_handler", environment
    )
    api = LambdaProxyServer(suffix, handler.handler)
    for metric in ("Errors", "Throttles", "Duration"):
        alarm(aws, f"{slug}-fn-{metric.lower()}-{suffix}", "AWS/Lambda", metric,
              {"FunctionName": function_name}, topic)  # fmt: skip
    dashboard = f"TAP-API-{slug}-{suffix}"
    widgets = [{"type": "metric", "properties": {"metrics": [["AWS/Lambda", "Errors",
               "FunctionName", function_name]]}}]  # fmt: skip
    aws.client("cloudwatch").put_dashboard(
        DashboardName=dashboard, DashboardBody=json.dumps({"widgets": widgets})
    )
    outputs = {
        "api_url": api.url,
        "function_name": function_name,
        "function_arn": function["FunctionArn"],
        "log_group_name": log_group,
        "dashboard_name": dashboard,
        "alarm_topic_arn": topic,
    }
    return outputs, [api]
