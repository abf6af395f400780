"""The serverless API stack as a whole: what it composes, outputs and sizes per tier."""

import pytest

from lib.lambda_api.api_auth import OUTPUT_NAMES
from lib.serverless_api.tiers import TIERS, tier_settings

EXPECTED_OUTPUTS = (
    "api_url",
    "function_name",
    "function_arn",
    "log_group_name",
    "dashboard_name",
    "alarm_topic_arn",
)


def test_the_stack_is_a_tap_component(stack):
    assert [r.name for r in stack.of_type("tap:stack:TapStack")] == ["TapStack"]


def test_the_stack_composes_one_of_each_component(stack):
    for component in (
        "tap:security:EncryptionKey",
        "tap:monitoring:AlarmTopic",
        "tap:compute:PythonFunction",
        "tap:api:RestApi",
        "tap:monitoring:ApiMonitoring",
    ):
        assert len(stack.of_type(component)) == 1, component


def test_the_stack_registers_every_output(stack):
    assert set(stack.outputs) == set(EXPECTED_OUTPUTS) | set(OUTPUT_NAMES[stack.args.api_auth])
    assert stack.outputs["api_url"].startswith("https://")
    suffix = stack.args.environment_suffix
    assert stack.outputs["api_url"].endswith(f"/{suffix}")
    assert stack.outputs["dashboard_name"] == f"TAP-API-{stack.args.project}-{suffix}"
    assert stack.outputs["log_group_name"] == f"/aws/lambda/{stack.outputs['function_name']}"


@pytest.mark.parametrize(
    ("suffix", "tier"),
    [("dev", "dev"), ("pr12345", "pr"), ("staging", "staging"), ("prod", "prod")],
)
def test_each_suffix_gets_its_tier(suffix, tier):
    assert tier_settings(suffix) is TIERS[tier]


def test_prod_keeps_logs_longer_and_allows_more_traffic_than_dev():
    assert TIERS["prod"].log_retention_days > TIERS["staging"].log_retention_days
    assert TIERS["staging"].log_retention_days > TIERS["dev"].log_retention_days
    assert TIERS["prod"].throttle_rate_limit > TIERS["dev"].throttle_rate_limit
    assert TIERS["pr"].throttle_rate_limit <= TIERS["dev"].throttle_rate_limit


def test_a_pull_request_stack_gets_pr_sized_settings_and_pr_names(pr_stack):
    deployment = pr_stack
    function = deployment.one("aws:lambda/function:Function")
    assert function.inputs["name"].endswith("-api-pr12345")
    log_group = deployment.one("aws:cloudwatch/logGroup:LogGroup", "api-logs")
    assert log_group.inputs["retentionInDays"] == TIERS["pr"].log_retention_days


def test_only_staging_and_prod_reserve_concurrency_for_the_function():
    # Lambda refuses a reservation that leaves the account under 100 unreserved executions, and
    # new accounts may have a quota of 10: dev and pr stacks must deploy there (lib/tiers.py).
    for name, tier in TIERS.items():
        reserves = tier.reserved_concurrency is not None
        assert reserves is (name in ("staging", "prod")), name
    assert TIERS["prod"].reserved_concurrency > TIERS["staging"].reserved_concurrency


@pytest.mark.parametrize("deployment", ["stack", "prod_stack", "pr_stack"])
def test_the_function_reserves_its_tiers_concurrency(request, deployment):
    deployment = request.getfixturevalue(deployment)
    reserved = tier_settings(deployment.args.environment_suffix).reserved_concurrency
    function = deployment.one("aws:lambda/function:Function")
    assert function.inputs.get("reservedConcurrentExecutions") == reserved
