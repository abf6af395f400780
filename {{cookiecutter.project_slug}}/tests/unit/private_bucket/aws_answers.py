"""What AWS computes for an S3 bucket, for tests/unit/mocks.py."""

from __future__ import annotations

from typing import Any


def computed(
    type_token: str, name: str, physical: str, inputs: dict[str, Any], region: str, resource_id: str
) -> dict[str, Any]:
    """A bucket's ARN (S3 ARNs name no region or account: bucket names are global) and
    regional domain name."""
    del name, inputs, resource_id
    if type_token != "aws:s3/bucket:Bucket":
        return {}
    return {
        "arn": f"arn:aws:s3:::{physical}",
        "bucket": physical,
        "bucketRegionalDomainName": f"{physical}.s3.{region}.amazonaws.com",
    }


def answer(token: str, args: dict[str, Any], region: str) -> dict[str, Any] | None:
    """S3 buckets call no provider function."""
    del token, args, region
    return None
