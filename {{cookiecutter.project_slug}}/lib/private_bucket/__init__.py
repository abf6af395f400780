"""The part every S3 bucket of this project shares: owned by the account, never public."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_aws import s3

from lib.context import StackContext


@dataclass(frozen=True)
class PrivateBucket:
    """A bucket with all four public-access blocks and ACLs switched off."""

    bucket: s3.Bucket
    public_access_block: s3.BucketPublicAccessBlock
    ownership: s3.BucketOwnershipControls


def private_bucket(
    name: str,
    ctx: StackContext,
    *,
    purpose: str,
    force_destroy: bool,
    opts: pulumi.ResourceOptions,
) -> PrivateBucket:
    """A bucket named after the project, ``purpose``, region and suffix (bucket names are global).

    With ``force_destroy`` (outside prod) destroying the stack deletes every object and version
    too; otherwise the bucket must be emptied first.
    """
    bucket = s3.Bucket(
        f"{name}-bucket",
        bucket=ctx.namer.name("s3_bucket", purpose, region=ctx.region),
        force_destroy=force_destroy,
        tags=ctx.tags,
        opts=opts,
    )
    public_access_block = s3.BucketPublicAccessBlock(
        f"{name}-public-access-block",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=opts,
    )
    ownership = s3.BucketOwnershipControls(
        f"{name}-ownership",
        bucket=bucket.id,
        # ACLs are off: the bucket owner owns every object and only policies grant access.
        rule={"object_ownership": "BucketOwnerEnforced"},
        opts=opts,
    )
    return PrivateBucket(bucket, public_access_block, ownership)
