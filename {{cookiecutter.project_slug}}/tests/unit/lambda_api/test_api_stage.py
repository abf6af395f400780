"""The API's stage: named after the suffix, access- and execution-logged, traced and throttled."""

import json

import pytest

from lib.lambda_api.api_stage import ACCESS_LOG_FORMAT
from lib.tap_stack import tier_settings

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def test_the_stage_is_named_after_the_suffix_and_access_logged(stack):
    suffix = stack.args.environment_suffix
    stage = stack.one("aws:apigateway/stage:Stage")
    assert stage.inputs["stageName"] == suffix
    access_logs = stack.one(LOG_GROUP, "access-logs")
    assert access_logs.inputs["name"].startswith("/aws/apigateway/")
    assert access_logs.inputs["name"].endswith(f"-access-{suffix}")
    assert stage.inputs["accessLogSettings"]["destinationArn"] == access_logs.outputs["arn"]
    assert json.loads(stage.inputs["accessLogSettings"]["format"]) == json.loads(ACCESS_LOG_FORMAT)
    assert (
        stage.inputs["deployment"]
        == stack.one("aws:apigateway/deployment:Deployment").outputs["id"]
    )


def test_stage_tracing_follows_the_setting(each_stack):
    stage = each_stack.one("aws:apigateway/stage:Stage")
    assert stage.inputs["xrayTracingEnabled"] is each_stack.args.enable_xray


@pytest.mark.parametrize("deployment", ["stack", "prod_stack", "pr_stack"])
def test_every_method_is_throttled_and_measured_per_tier(request, deployment):
    deployment = request.getfixturevalue(deployment)
    settings = deployment.one("aws:apigateway/methodSettings:MethodSettings").inputs
    tier = tier_settings(deployment.args.environment_suffix)
    assert settings["methodPath"] == "*/*"
    assert settings["stageName"] == deployment.args.environment_suffix
    assert settings["settings"]["metricsEnabled"] is True
    assert settings["settings"]["dataTraceEnabled"] is False
    assert settings["settings"]["throttlingRateLimit"] == tier.throttle_rate_limit
    assert settings["settings"]["throttlingBurstLimit"] == tier.throttle_burst_limit


@pytest.mark.parametrize("deployment", ["stack", "prod_stack"])
def test_both_log_groups_keep_events_for_the_tiers_retention(request, deployment):
    deployment = request.getfixturevalue(deployment)
    suffix = deployment.args.environment_suffix
    retention = tier_settings(suffix).log_retention_days
    execution = deployment.one(LOG_GROUP, "execution-logs")
    api = deployment.one("aws:apigateway/restApi:RestApi")
    # The group API Gateway would otherwise create itself, unencrypted and kept forever.
    assert execution.inputs["name"] == f"API-Gateway-Execution-Logs_{api.outputs['id']}/{suffix}"
    assert execution.inputs["retentionInDays"] == retention
    assert deployment.one(LOG_GROUP, "access-logs").inputs["retentionInDays"] == retention


@pytest.mark.parametrize("deployment", ["stack", "prod_stack", "pr_stack"])
def test_no_application_stack_declares_the_account_wide_api_gateway_setting(request, deployment):
    # API Gateway has one CloudWatch role setting per account and region, and destroying the
    # resource that set it resets it for every API there: only the account stack may own it.
    deployment = request.getfixturevalue(deployment)
    assert deployment.of_type("aws:apigateway/account:Account") == []
    roles = [r.inputs["assumeRolePolicy"] for r in deployment.of_type("aws:iam/role:Role")]
    assert not any("apigateway.amazonaws.com" in trust for trust in roles)
