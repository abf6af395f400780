"""A WAF web ACL of AWS's managed rule groups in front of one regional resource (an API Gateway
stage, an application load balancer), every rule measured.

Each caller passes its own rule groups, with the capacity each uses, and the rules of them it
counts instead of letting block. Only the tiers whose row says ``web_acl`` get one (prod): a
web ACL and each rule group are billed by the month, and every request by the million (AWS WAF
pricing), which a dev or pull-request stack does not need.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import pulumi
from pulumi_aws import wafv2

from lib.context import StackContext

# Web ACLs for a stage or a load balancer live in its region (CLOUDFRONT would be global, in
# us-east-1).
SCOPE = "REGIONAL"
MANAGED_VENDOR = "AWS"
# The web ACL capacity units (WCU) a web ACL gets for its base price; every 500 beyond them
# adds a charge per million requests, up to 5,000 ("Web ACL capacity units (WCUs) in AWS WAF",
# AWS WAF Developer Guide; AWS What's New, 2023-04-11).
INCLUDED_CAPACITY = 1500


class ManagedRuleGroup(NamedTuple):
    """An AWS managed rule group and the web ACL capacity units it uses, as "AWS Managed Rules
    rule groups list" (AWS WAF Developer Guide) states them: fixed when AWS made the group."""

    name: str
    capacity: int


def capacity(groups: Sequence[ManagedRuleGroup]) -> int:
    """The capacity units a web ACL of ``groups`` uses."""
    return sum(group.capacity for group in groups)


def visibility(metric_name: str) -> dict[str, Any]:
    """CloudWatch metrics and sampled requests for a rule or the whole ACL (Security Hub WAF.12
    asks for the metrics). WAF publishes them per web ACL, so a rule's name is its metric's."""
    return {
        "cloudwatch_metrics_enabled": True,
        "metric_name": metric_name,
        "sampled_requests_enabled": True,
    }


def managed_rules(
    groups: Sequence[ManagedRuleGroup], counted: Mapping[str, Sequence[str]] | None = None
) -> list[dict[str, Any]]:
    """One rule per group, in the order given (WAF evaluates by priority), each keeping the
    group's own verdicts (override none) but for the rules ``counted`` lists for it, which only
    count. Refuses groups beyond the included capacity, and counted rules of a group not given.
    """
    counted = counted or {}
    names = [group.name for group in groups]
    if len(set(names)) != len(names):
        raise ValueError(f"each rule group once: {names}")
    if stray := sorted(set(counted) - set(names)):
        raise ValueError(f"counted rules of groups the web ACL does not run: {stray}")
    if (units := capacity(groups)) > INCLUDED_CAPACITY:
        raise ValueError(
            f"the rule groups use {units} WCU, beyond the {INCLUDED_CAPACITY} a web ACL gets "
            "for its base price"
        )
    rules = []
    for priority, group in enumerate(groups):
        statement: dict[str, Any] = {"name": group.name, "vendor_name": MANAGED_VENDOR}
        if group.name in counted:
            statement["rule_action_overrides"] = [
                {"name": rule, "action_to_use": {"count": {}}} for rule in counted[group.name]
            ]
        rules.append(
            {
                "name": group.name,
                "priority": priority,
                "override_action": {"none": {}},
                "statement": {"managed_rule_group_statement": statement},
                "visibility_config": visibility(group.name),
            }
        )
    return rules


class WebFirewall(pulumi.ComponentResource):
    """A regional web ACL that allows what none of ``rule_groups`` blocks, associated with
    ``resource_arn``.

    The ACL's name is unique per account, region and scope, and fixed: the namer derives it
    from ``purpose`` and what never changes for a stack, and only a new name or scope replaces
    the ACL (pulumi-aws 7 "forces a new resource"). A new resource gets a new association.
    """

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        *,
        purpose: str,
        resource_arn: pulumi.Input[str],
        rule_groups: Sequence[ManagedRuleGroup],
        counted_rules: Mapping[str, Sequence[str]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:security:WebFirewall", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        acl_name = ctx.namer.name("web_acl", purpose)
        self.web_acl = wafv2.WebAcl(
            f"{name}-acl",
            name=acl_name,
            description=f"AWS managed rules in front of the {ctx.namer.project} {ctx.suffix} "
            f"{purpose}",
            scope=SCOPE,
            default_action={"allow": {}},
            rules=managed_rules(rule_groups, counted_rules),
            visibility_config=visibility(acl_name),
            tags=ctx.tags,
            opts=child,
        )
        # Named after what it guards, as the ECS stack first named it (the ALB's is "-alb").
        self.association = wafv2.WebAclAssociation(
            f"{name}-{purpose}",
            resource_arn=resource_arn,
            web_acl_arn=self.web_acl.arn,
            opts=child,
        )
        self.register_outputs({"web_acl_arn": self.web_acl.arn})
