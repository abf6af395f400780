"""The API's stage: named after the suffix, access- and execution-logged, traced and throttled,
and behind a web ACL of the API's managed rule groups where its tier says web_acl (prod)."""

import json

import pytest

from lib.environment import TIERS as TIER_NAMES
from lib.lambda_api.api_stage import (
    ACCESS_LOG_FORMAT,
    WEB_ACL_COUNTED_RULES,
    WEB_ACL_RULE_GROUPS,
)
from lib.tap_stack import tier_settings
from lib.web_acl import INCLUDED_CAPACITY, capacity

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"


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


def test_only_prod_asks_for_a_web_acl():
    assert [name for name in TIER_NAMES if tier_settings(name).web_acl] == ["prod"]


@pytest.mark.parametrize("deployment", ["stack", "prod_stack", "pr_stack"])
def test_the_stage_is_behind_a_web_acl_where_its_tier_says(request, deployment):
    deployment = request.getfixturevalue(deployment)
    wanted = tier_settings(deployment.args.environment_suffix).web_acl
    acls, associations = deployment.of_type(WEB_ACL), deployment.of_type(ASSOCIATION)
    assert len(acls) == len(associations) == (1 if wanted else 0)
    if wanted:
        stage = deployment.one("aws:apigateway/stage:Stage")
        assert associations[0].inputs["resourceArn"] == stage.outputs["arn"]
        assert associations[0].inputs["webAclArn"] == acls[0].outputs["arn"]


def test_the_web_acl_runs_aws_baseline_and_ip_reputation_groups(prod_stack):
    rules = prod_stack.one(WEB_ACL).inputs["rules"]
    assert [rule["name"] for rule in rules] == [group.name for group in WEB_ACL_RULE_GROUPS]
    assert [group.name for group in WEB_ACL_RULE_GROUPS] == [
        "AWSManagedRulesAmazonIpReputationList",
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
    ]
    # AWS WAF: a web ACL's first 1,500 WCU come with its base price (AWS WAF Developer Guide,
    # "Web ACL capacity units (WCUs) in AWS WAF").
    assert capacity(WEB_ACL_RULE_GROUPS) <= INCLUDED_CAPACITY


def test_a_body_the_handlers_accept_is_counted_not_blocked(prod_stack):
    # SizeRestrictions_BODY blocks bodies over 8 KB; the ingest API takes up to 64 KB.
    assert WEB_ACL_COUNTED_RULES == {"AWSManagedRulesCommonRuleSet": ("SizeRestrictions_BODY",)}
    rules = {rule["name"]: rule for rule in prod_stack.one(WEB_ACL).inputs["rules"]}
    common = rules["AWSManagedRulesCommonRuleSet"]["statement"]["managedRuleGroupStatement"]
    assert common["ruleActionOverrides"] == [
        {"name": "SizeRestrictions_BODY", "actionToUse": {"count": {}}}
    ]
    others = [name for name in rules if name != "AWSManagedRulesCommonRuleSet"]
    for name in others:
        assert "ruleActionOverrides" not in rules[name]["statement"]["managedRuleGroupStatement"]
