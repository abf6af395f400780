"""The WAF web ACL: AWS managed rule groups in front of the stage of every tier whose row says
web_acl (prod), each rule measured; none elsewhere, for cost."""

import pytest

from lib.environment import TIERS as TIER_NAMES
from lib.lambda_api.api_firewall import COUNTED_RULES, MANAGED_RULE_GROUPS
from lib.tap_stack import tier_settings

WEB_ACL = "aws:wafv2/webAcl:WebAcl"
ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
MEASURED = {"cloudwatchMetricsEnabled": True, "sampledRequestsEnabled": True}


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


def test_the_web_acl_runs_aws_managed_rule_groups_and_measures_each(prod_stack):
    acl = prod_stack.one(WEB_ACL).inputs
    # REGIONAL is the scope WAF associates with an API Gateway stage (CLOUDFRONT is global).
    assert acl["scope"] == "REGIONAL"
    assert acl["defaultAction"] == {"allow": {}}
    assert acl["name"].endswith(prod_stack.args.environment_suffix)
    assert acl["visibilityConfig"] == {**MEASURED, "metricName": acl["name"]}
    rules = sorted(acl["rules"], key=lambda rule: rule["priority"])
    assert [rule["name"] for rule in rules] == list(MANAGED_RULE_GROUPS)
    assert len({rule["priority"] for rule in rules}) == len(rules)
    for rule in rules:
        group = rule["statement"]["managedRuleGroupStatement"]
        assert (group["vendorName"], group["name"]) == ("AWS", rule["name"])
        assert rule["overrideAction"] == {"none": {}}, "the group's own verdicts stand"
        assert {k: rule["visibilityConfig"][k] for k in MEASURED} == MEASURED


def test_a_body_the_handlers_accept_is_counted_not_blocked(prod_stack):
    # SizeRestrictions_BODY blocks bodies over 8 KB; the ingest API takes up to 64 KB.
    assert COUNTED_RULES == {"AWSManagedRulesCommonRuleSet": ("SizeRestrictions_BODY",)}
    rules = {rule["name"]: rule for rule in prod_stack.one(WEB_ACL).inputs["rules"]}
    common = rules["AWSManagedRulesCommonRuleSet"]["statement"]["managedRuleGroupStatement"]
    assert common["ruleActionOverrides"] == [
        {"name": "SizeRestrictions_BODY", "actionToUse": {"count": {}}}
    ]
    others = [name for name in rules if name != "AWSManagedRulesCommonRuleSet"]
    for name in others:
        assert "ruleActionOverrides" not in rules[name]["statement"]["managedRuleGroupStatement"]
