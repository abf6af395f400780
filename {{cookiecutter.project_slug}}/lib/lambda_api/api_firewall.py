"""A WAF web ACL in front of a REST API stage: AWS's managed rule groups, every rule measured.

Only the tiers whose row says ``web_acl`` get one (prod): a web ACL and each rule group are
billed by the month, and every request by the million (AWS WAF pricing), which a dev or
pull-request stack does not need. The stage's own throttling and the functions' validation hold
on every tier.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi_aws import apigateway, wafv2

from lib.context import StackContext

# AWS's baseline and IP-reputation rule groups (AWS WAF developer guide, "AWS Managed Rules rule
# groups list"), in the order they judge a request: the cheapest verdict, the source's
# reputation, first.
MANAGED_RULE_GROUPS = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
)
# Rules of those groups that would block what the APIs accept, counted instead of blocking:
# SizeRestrictions_BODY blocks bodies over 8 KB, where the ingest API takes up to 64 KB and
# each handler enforces its own limit.
COUNTED_RULES = {"AWSManagedRulesCommonRuleSet": ("SizeRestrictions_BODY",)}


def _visibility(metric_name: str) -> dict[str, Any]:
    """Every rule and the ACL itself publish CloudWatch metrics and keep sampled requests."""
    return {
        "cloudwatch_metrics_enabled": True,
        "metric_name": metric_name,
        "sampled_requests_enabled": True,
    }


def managed_rule(group: str, priority: int, metric_name: str) -> dict[str, Any]:
    """One AWS managed rule group as a web ACL rule, its own verdicts kept (override none) but
    for the rules COUNTED_RULES lists."""
    statement: dict[str, Any] = {"name": group, "vendor_name": "AWS"}
    if group in COUNTED_RULES:
        statement["rule_action_overrides"] = [
            {"name": rule, "action_to_use": {"count": {}}} for rule in COUNTED_RULES[group]
        ]
    return {
        "name": group,
        "priority": priority,
        "override_action": {"none": {}},
        "statement": {"managed_rule_group_statement": statement},
        "visibility_config": _visibility(metric_name),
    }


class ApiFirewall(pulumi.ComponentResource):
    """A REGIONAL web ACL that allows what no managed rule blocks, associated with ``stage``."""

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        *,
        purpose: str,
        stage: apigateway.Stage,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:api:ApiFirewall", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        acl_name = ctx.namer.name("web_acl", purpose)
        self.web_acl = wafv2.WebAcl(
            f"{name}-web-acl",
            # Unique per account, region and scope; only a new name or scope replaces the ACL,
            # and the namer derives the name from what never changes for a stack.
            name=acl_name,
            scope="REGIONAL",
            default_action={"allow": {}},
            rules=[
                managed_rule(group, priority, f"{acl_name}-{group}")
                for priority, group in enumerate(MANAGED_RULE_GROUPS)
            ],
            visibility_config=_visibility(acl_name),
            tags=ctx.tags,
            opts=child,
        )
        self.association = wafv2.WebAclAssociation(
            f"{name}-web-acl-association",
            resource_arn=stage.arn,
            web_acl_arn=self.web_acl.arn,
            opts=child,
        )
        self.register_outputs({"web_acl_arn": self.web_acl.arn})
