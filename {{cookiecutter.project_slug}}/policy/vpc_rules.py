"""The rules of what runs in a VPC: its default security group, its load balancers and their
listeners and web ACL, and its databases' monitoring. RULES in policy/rules.py names them.

Each reads what the program declares, as every rule does (policy/model.py); the Security Hub
controls a rule keeps are in its docstring and in the controls files that name it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from policy.model import Finding, Resource, as_list, behind_web_acl

LOAD_BALANCERS = {"aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"}


VPCS = {"aws:ec2/vpc:Vpc"}
DEFAULT_SECURITY_GROUPS = {"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"}


def vpc_default_security_group_closed(resources: Sequence[Resource]) -> Iterator[Finding]:
    """Every VPC's default security group admits and lets out nothing (Security Hub EC2.2):
    AWS creates it letting its members reach each other and anywhere, so the stack adopts it
    with no rules. Only a DefaultSecurityGroup declared for the VPC can say so."""
    fix = (
        "adopt the VPC's default group with ec2.DefaultSecurityGroup(vpc_id=..., ingress=[], "
        "egress=[]), as lib/multi_env_ecs/network.py does"
    )
    for vpc in resources:
        if vpc.type not in VPCS:
            continue
        groups = [
            group
            for group in resources
            if group.type in DEFAULT_SECURITY_GROUPS and vpc.key in group.linked("vpcId")
        ]
        if not groups:
            yield vpc, "leaves its default security group with AWS's allow rules", fix
        for group in groups:
            kept = [
                direction for direction in ("ingress", "egress") if as_list(group.get(direction))
            ]
            if kept:
                yield group, f"keeps {' and '.join(kept)} rules in the VPC's default group", fix


LISTENERS = {"aws:lb/listener:Listener", "aws:alb/listener:Listener"}
# Policies that negotiate TLS 1.3 and nothing older than 1.2: the ones Elastic Load Balancing
# recommends (Security Hub ELB.17; "Security policies for your Application Load Balancer").
MODERN_TLS_POLICY = re.compile(r"ELBSecurityPolicy-TLS13-1-[23]-[A-Za-z0-9-]+")


def _redirects_to_https(listener: Resource) -> bool:
    return any(
        action.get("type") == "redirect"
        and str((action.get("redirect") or {}).get("protocol")).upper() == "HTTPS"
        for action in as_list(listener.get("defaultActions"))
    )


def load_balancer_tls(resources: Sequence[Resource]) -> Iterator[Finding]:
    """Every HTTPS listener negotiates TLS 1.3 or 1.2 only, and a load balancer that has one
    sends its HTTP listeners' requests to it (Security Hub ELB.1, ELB.17). A load balancer
    without a certificate has no HTTPS to redirect to, and its README says so."""
    listeners = [resource for resource in resources if resource.type in LISTENERS]
    secured = {
        balancer
        for listener in listeners
        if str(listener.get("protocol")).upper() == "HTTPS"
        for balancer in listener.linked("loadBalancerArn")
    }
    for listener in listeners:
        protocol = str(listener.get("protocol")).upper()
        policy = listener.get("sslPolicy")
        if protocol == "HTTPS" and not MODERN_TLS_POLICY.fullmatch(str(policy or "")):
            yield (
                listener,
                f"negotiates TLS older than 1.2 (sslPolicy {policy or 'the default, 2016-08'})",
                "set ssl_policy to ELBSecurityPolicy-TLS13-1-2-2021-06 "
                "(lib/multi_env_ecs/load_balancer.py TLS_POLICY)",
            )
        balancers = set(listener.linked("loadBalancerArn"))
        if protocol == "HTTP" and balancers & secured and not _redirects_to_https(listener):
            yield (
                listener,
                "serves plain HTTP on a load balancer that has an HTTPS listener",
                "make its default action a redirect to protocol HTTPS, port 443, HTTP_301",
            )


def _is_application_load_balancer(resource: Resource) -> bool:
    return resource.type in LOAD_BALANCERS and resource.get("loadBalancerType", "application") == (
        "application"
    )


DESYNC_MODES = ("defensive", "strictest")


def load_balancer_rejects_malformed_requests(resource: Resource) -> Iterator[Finding]:
    """Every application load balancer drops header fields that are not valid HTTP and
    refuses requests that could desynchronise it from its targets (Security Hub ELB.4,
    ELB.12; unset, the desync mode is AWS's default, defensive)."""
    if not _is_application_load_balancer(resource):
        return
    if resource.get("dropInvalidHeaderFields") is not True:
        yield (
            resource,
            "passes invalid HTTP header fields on to its targets",
            "set drop_invalid_header_fields=True",
        )
    mode = resource.get("desyncMitigationMode", "defensive")
    if mode not in DESYNC_MODES:
        yield (
            resource,
            f"forwards requests that can desynchronise it (desyncMitigationMode {mode})",
            "set desync_mitigation_mode to defensive or strictest",
        )


def prod_load_balancer_waf(resources: Sequence[Resource]) -> Iterator[Finding]:
    """Every internet-facing application load balancer in prod is behind an AWS WAF web ACL
    (Security Hub ELB.16): a WebAclAssociation names it."""
    guarded = behind_web_acl(resources)
    for balancer in resources:
        if (
            _is_application_load_balancer(balancer)
            and balancer.get("internal") is not True
            and balancer.in_prod
            and balancer.key not in guarded
        ):
            yield (
                balancer,
                "faces the internet in prod with no web ACL",
                "associate a web ACL with it (lib/web_acl.py WebFirewall), which the prod row "
                "of the tier table turns on (web_acl)",
            )


DATABASE_INSTANCES = {"aws:rds/clusterInstance:ClusterInstance", "aws:rds/instance:Instance"}


def prod_database_monitoring(resource: Resource) -> Iterator[Finding]:
    """Prod database instances sample their operating system with Enhanced Monitoring, through
    a role RDS may assume (Security Hub RDS.6)."""
    if resource.type not in DATABASE_INSTANCES or not resource.in_prod:
        return
    if not resource.get("monitoringInterval") or not resource.get("monitoringRoleArn"):
        yield (
            resource,
            "runs in prod without Enhanced Monitoring (monitoringInterval, monitoringRoleArn)",
            "set monitoring_interval from the prod row of the tier table and monitoring_role_arn "
            "to a role with AmazonRDSEnhancedMonitoringRole (lib/multi_env_ecs/database.py)",
        )
