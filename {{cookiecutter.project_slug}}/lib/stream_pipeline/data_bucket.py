"""The S3 bucket processed batches land in: private, versioned, KMS-encrypted and TLS-only."""

from __future__ import annotations

import pulumi
from pulumi_aws import s3

from lib.context import StackContext
from lib.iam import deny_insecure_transport, policy_document
from lib.private_bucket import private_bucket
from lib.stream_pipeline.tiers import StreamTier

# Multipart uploads left unfinished this long are cleaned up; they are billed while they wait.
ABORT_MULTIPART_AFTER_DAYS = 7


class DataBucket(pulumi.ComponentResource):
    """A bucket named after the project, region and suffix (bucket names are global)."""

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        *,
        tier: StreamTier,
        kms_key_arn: pulumi.Input[str],
        force_destroy: bool,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:storage:DataBucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        private = private_bucket(name, ctx, purpose="data", force_destroy=force_destroy, opts=child)
        self.bucket = private.bucket
        self.public_access_block = private.public_access_block
        self.ownership = private.ownership
        self.versioning = s3.BucketVersioning(
            f"{name}-versioning",
            bucket=self.bucket.id,
            versioning_configuration={"status": "Enabled"},
            opts=child,
        )
        self.encryption = s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=self.bucket.id,
            rules=[
                {
                    "apply_server_side_encryption_by_default": {
                        "sse_algorithm": "aws:kms",
                        "kms_master_key_id": kms_key_arn,
                    },
                    # One data key per bucket, not per object: far fewer KMS calls.
                    "bucket_key_enabled": True,
                }
            ],
            opts=child,
        )
        every_object = {"prefix": ""}
        self.lifecycle = s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=self.bucket.id,
            rules=[
                {
                    "id": "infrequent-access",
                    "status": "Enabled",
                    "filter": every_object,
                    "transitions": [
                        {"days": tier.infrequent_access_after_days, "storage_class": "STANDARD_IA"}
                    ],
                },
                {
                    "id": "expire-noncurrent-versions",
                    "status": "Enabled",
                    "filter": every_object,
                    "noncurrent_version_expiration": {
                        "noncurrent_days": tier.noncurrent_version_days
                    },
                },
                {
                    "id": "abort-incomplete-multipart-uploads",
                    "status": "Enabled",
                    "filter": every_object,
                    "abort_incomplete_multipart_upload": {
                        "days_after_initiation": ABORT_MULTIPART_AFTER_DAYS
                    },
                },
            ],
            # Lifecycle rules on a versioned bucket need versioning in place first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.versioning]),
        )
        self.policy = s3.BucketPolicy(
            f"{name}-policy",
            bucket=self.bucket.id,
            policy=policy_document(
                [
                    deny_insecure_transport(
                        "DenyInsecureTransport",
                        ["s3:*"],
                        [self.bucket.arn, pulumi.Output.concat(self.bucket.arn, "/*")],
                    )
                ]
            ),
            # A bucket policy is refused while the public-access block is being put in place.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.public_access_block]),
        )
        self.name = self.bucket.bucket
        self.arn = self.bucket.arn
        self.register_outputs({"bucket_name": self.bucket.bucket, "bucket_arn": self.bucket.arn})

    def objects_arn(self, prefix: str) -> pulumi.Output[str]:
        """The ARN of every object under ``prefix``, for a policy that reaches only those."""
        return pulumi.Output.concat(self.bucket.arn, "/", prefix, "*")
