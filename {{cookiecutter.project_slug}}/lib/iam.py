"""IAM policy documents as data: small builders shared by every component that grants access."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi


def statement(
    sid: str,
    actions: Sequence[str],
    resources: Sequence[pulumi.Input[str]] | None = None,
    *,
    effect: str = "Allow",
    principal: Mapping[str, Any] | None = None,
    condition: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One policy statement. What it allows is always listed action by action: no wildcards."""
    if effect == "Allow" and any("*" in action for action in actions):
        raise ValueError(f"statement {sid} allows a wildcard action: {list(actions)}")
    result: dict[str, Any] = {"Sid": sid, "Effect": effect, "Action": sorted(actions)}
    if principal is not None:
        result["Principal"] = dict(principal)
    if resources is not None:
        result["Resource"] = list(resources)
    if condition is not None:
        result["Condition"] = dict(condition)
    return result


def policy_body(statements: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A policy document of ``statements``, in IAM's current policy language version."""
    return {"Version": "2012-10-17", "Statement": list(statements)}


def policy_document(statements: Sequence[Mapping[str, Any]]) -> pulumi.Output[str]:
    """A policy document as JSON; statements may hold Outputs such as ARNs."""
    return pulumi.Output.json_dumps(policy_body(statements))


def assume_role_policy(
    service: str,
    *,
    source_account: pulumi.Input[str] | None = None,
    sid: str = "AssumeFromService",
) -> pulumi.Output[str]:
    """A trust policy that lets one AWS service assume the role; with ``source_account``, only
    on behalf of that account (aws:SourceAccount, IAM's guard against the confused deputy for
    services that pass it)."""
    condition = {"StringEquals": {"aws:SourceAccount": source_account}} if source_account else None
    return policy_document(
        [statement(sid, ["sts:AssumeRole"], principal={"Service": service}, condition=condition)]
    )


def deny_insecure_transport(sid: str, actions: Sequence[str], resources: Sequence[Any]) -> dict:
    """Deny any request to ``resources`` that does not use TLS."""
    return statement(
        sid,
        actions,
        resources,
        effect="Deny",
        principal={"AWS": "*"},
        condition={"Bool": {"aws:SecureTransport": "false"}},
    )
