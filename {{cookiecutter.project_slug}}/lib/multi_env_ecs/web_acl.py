"""The load balancer's web application firewall: an AWS WAF web ACL of AWS's managed rules."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi_aws import wafv2

from lib.context import StackContext

# Web ACLs for a load balancer live in its region (CLOUDFRONT would be global, in us-east-1).
SCOPE = "REGIONAL"
# AWS's managed rule groups, in the order WAF evaluates them, with the web ACL capacity units
# (WCU) each uses: 1,125 of the 1,500 a web ACL gets at no extra charge ("AWS Managed Rules
# rule groups list", AWS WAF Developer Guide). The IP reputation list goes first, so that
# requests from known bad sources never reach the costlier rules.
MANAGED_RULE_GROUPS: tuple[tuple[str, int], ...] = (
    ("AWSManagedRulesAmazonIpReputationList", 25),
    ("AWSManagedRulesCommonRuleSet", 700),
    ("AWSManagedRulesKnownBadInputsRuleSet", 200),
    # The service keeps its data in PostgreSQL.
    ("AWSManagedRulesSQLiRuleSet", 200),
)
MANAGED_VENDOR = "AWS"


def visibility(metric_name: str) -> dict[str, object]:
    """CloudWatch metrics and sampled requests for a rule or the whole ACL (Security Hub
    WAF.12 asks for the metrics)."""
    return {
        "cloudwatch_metrics_enabled": True,
        "metric_name": metric_name,
        "sampled_requests_enabled": True,
    }


def managed_rules(groups: Sequence[tuple[str, int]] = MANAGED_RULE_GROUPS) -> list[dict]:
    """One rule per managed group, each enforcing the group's own actions (override none)."""
    return [
        {
            "name": group,
            "priority": priority,
            "override_action": {"none": {}},
            "statement": {
                "managed_rule_group_statement": {"name": group, "vendor_name": MANAGED_VENDOR}
            },
            "visibility_config": visibility(group),
        }
        for priority, (group, _) in enumerate(groups)
    ]


class WebFirewall(pulumi.ComponentResource):
    """A regional web ACL that allows what none of AWS's managed rule groups blocks, associated
    with the load balancer.

    The ACL's name is fixed: only its name and scope replace it (pulumi-aws 7 "forces a new
    resource"), and the scope never changes. A new load balancer gets a new association.
    """

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        *,
        load_balancer_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:security:WebFirewall", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        acl_name = ctx.namer.name("web_acl", "alb")
        self.web_acl = wafv2.WebAcl(
            f"{name}-acl",
            name=acl_name,
            description=f"AWS managed rules in front of the {ctx.namer.project} {ctx.suffix} ALB",
            scope=SCOPE,
            default_action={"allow": {}},
            rules=managed_rules(),
            visibility_config=visibility(acl_name),
            tags=ctx.tags,
            opts=child,
        )
        self.association = wafv2.WebAclAssociation(
            f"{name}-alb",
            resource_arn=load_balancer_arn,
            web_acl_arn=self.web_acl.arn,
            opts=child,
        )
        self.register_outputs({"web_acl_arn": self.web_acl.arn})
