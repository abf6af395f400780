"""The web ACL component (lib/web_acl.py): AWS managed rule groups in the order given, each
keeping its own verdicts but for the rules its caller counts, every rule measured, within the
capacity a web ACL gets for its base price, and prod's ACL associated with what it guards."""

import re

import pytest

from lib.naming import NAME_RULES
from lib.web_acl import (
    INCLUDED_CAPACITY,
    MANAGED_VENDOR,
    SCOPE,
    ManagedRuleGroup,
    capacity,
    managed_rules,
)

WEB_ACL = "aws:wafv2/webAcl:WebAcl"
ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
MEASURED = {"cloudwatch_metrics_enabled": True, "sampled_requests_enabled": True}
GROUPS = (ManagedRuleGroup("First", 25), ManagedRuleGroup("Second", 700))


def test_each_group_is_a_rule_in_the_order_given_keeping_its_own_verdicts():
    rules = managed_rules(GROUPS)
    assert [rule["name"] for rule in rules] == ["First", "Second"]
    assert [rule["priority"] for rule in rules] == [0, 1]
    for rule in rules:
        statement = rule["statement"]["managed_rule_group_statement"]
        assert statement == {"name": rule["name"], "vendor_name": MANAGED_VENDOR}
        assert rule["override_action"] == {"none": {}}, "the group's own verdicts stand"
        assert rule["visibility_config"] == {**MEASURED, "metric_name": rule["name"]}


def test_counted_rules_only_count_and_only_in_their_group():
    first, second = managed_rules(GROUPS, {"Second": ("SizeRestrictions_BODY",)})
    assert "rule_action_overrides" not in first["statement"]["managed_rule_group_statement"]
    assert second["statement"]["managed_rule_group_statement"]["rule_action_overrides"] == [
        {"name": "SizeRestrictions_BODY", "action_to_use": {"count": {}}}
    ]


def test_rules_of_a_group_the_acl_does_not_run_are_refused():
    with pytest.raises(ValueError, match="Third"):
        managed_rules(GROUPS, {"Third": ("AnyRule",)})


def test_a_group_given_twice_is_refused():
    with pytest.raises(ValueError, match="each rule group once"):
        managed_rules((*GROUPS, GROUPS[0]))


def test_groups_beyond_the_included_capacity_are_refused():
    # AWS WAF: a web ACL's first 1,500 WCU come with its base price; each 500 more are billed
    # per million requests ("Web ACL capacity units (WCUs) in AWS WAF").
    assert INCLUDED_CAPACITY == 1500
    full = (ManagedRuleGroup("Big", INCLUDED_CAPACITY - 25), GROUPS[0])
    assert capacity(full) == INCLUDED_CAPACITY
    assert len(managed_rules(full)) == 2
    with pytest.raises(ValueError, match="1501 WCU"):
        managed_rules((*full, ManagedRuleGroup("One", 1)))


def test_prods_web_acl_is_regional_allows_by_default_and_measures_every_rule(prod_stack):
    acl = prod_stack.one(WEB_ACL).inputs
    # REGIONAL is the scope WAF associates with a stage or a load balancer (CLOUDFRONT is global).
    assert acl["scope"] == SCOPE == "REGIONAL"
    assert acl["defaultAction"] == {"allow": {}}
    assert acl["visibilityConfig"] == {
        "cloudwatchMetricsEnabled": True,
        "sampledRequestsEnabled": True,
        "metricName": acl["name"],
    }
    assert acl["rules"], "WAF.10: a web ACL with no rule allows everything"
    assert [rule["priority"] for rule in acl["rules"]] == list(range(len(acl["rules"])))
    for rule in acl["rules"]:
        assert rule["statement"]["managedRuleGroupStatement"]["vendorName"] == "AWS"
        assert rule["overrideAction"] == {"none": {}}
        assert rule["visibilityConfig"]["cloudwatchMetricsEnabled"] is True
        assert rule["visibilityConfig"]["sampledRequestsEnabled"] is True


def test_the_web_acl_name_is_one_waf_accepts_and_unique_to_the_stack(prod_stack):
    name = prod_stack.one(WEB_ACL).inputs["name"]
    rule = NAME_RULES["web_acl"]
    assert re.fullmatch(rule.pattern, name)
    assert len(name) <= rule.max_length
    assert name.startswith(prod_stack.args.project) and name.endswith("-prod")


def test_prods_web_acl_is_associated_with_one_resource(prod_stack):
    association = prod_stack.one(ASSOCIATION).inputs
    assert association["webAclArn"] == prod_stack.one(WEB_ACL).outputs["arn"]
    assert association["resourceArn"].startswith("arn:aws:")
