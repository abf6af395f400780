"""Encrypted CloudWatch log groups with a retention, the only kind this project creates."""

from __future__ import annotations

import pulumi
from pulumi_aws import cloudwatch

from lib.context import StackContext


def encrypted_log_group(
    resource_name: str,
    ctx: StackContext,
    *,
    name: pulumi.Input[str],
    retention_days: int,
    kms_key_arn: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> cloudwatch.LogGroup:
    """A log group encrypted with the stack's key that keeps events for ``retention_days``."""
    return cloudwatch.LogGroup(
        resource_name,
        name=name,
        retention_in_days=retention_days,
        kms_key_id=kms_key_arn,
        tags=ctx.tags,
        opts=opts,
    )
