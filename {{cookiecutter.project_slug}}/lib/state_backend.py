"""A self-managed Pulumi backend: an S3 bucket for the stacks' state and a KMS key for their
secrets (``pulumi login s3://<bucket>``, ``--secrets-provider awskms://<key>?region=<region>``).

The bucket gets the controls every bucket of this project gets (lib/private_bucket, which only
some variants keep): all four public-access blocks, ACLs off, TLS-only, versioning, default
encryption with a customer-managed key. Both are protected: they hold every stack's state and
the only key that decrypts its secrets, so a destroy of the account stack stops before them
(policy/waivers.toml says so for the pack).
"""

from __future__ import annotations

import pulumi
from pulumi_aws import s3

from lib.context import StackContext
from lib.encryption import EncryptionKey
from lib.iam import deny_insecure_transport, policy_document

# KMS's longest deletion window: a key scheduled for deletion by mistake can still be saved.
KEY_DELETION_WINDOW_DAYS = 30
# Old state versions are the history `pulumi stack export --version` and a rollback need; after
# this many days a replaced version is gone.
NONCURRENT_STATE_DAYS = 90


class StateBackend(pulumi.ComponentResource):
    """The state bucket and the secrets key of this project's stacks in the account and region."""

    def __init__(
        self, name: str, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tap:account:StateBackend", name, None, opts)
        kept = pulumi.ResourceOptions(parent=self, protect=True)
        child = pulumi.ResourceOptions(parent=self)
        self.key = EncryptionKey(
            f"{name}-key",
            ctx,
            purpose="pulumi-state",
            deletion_window_days=KEY_DELETION_WINDOW_DAYS,
            service_principals=(),
            opts=kept,
        )
        # S3 names are global: the namer puts the account id and the region in it.
        self.bucket_name = ctx.namer.name("s3_bucket", "pulumi-state", region=ctx.region)
        self.bucket = s3.Bucket(
            f"{name}-bucket",
            bucket=self.bucket_name,
            force_destroy=False,
            tags=ctx.tags,
            opts=kept,
        )
        self.bucket_arn = f"arn:{ctx.partition}:s3:::{self.bucket_name}"
        public_access = s3.BucketPublicAccessBlock(
            f"{name}-public-access-block",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=self.bucket.id,
            rule={"object_ownership": "BucketOwnerEnforced"},
            opts=child,
        )
        s3.BucketVersioning(
            f"{name}-versioning",
            bucket=self.bucket.id,
            versioning_configuration={"status": "Enabled"},
            opts=child,
        )
        s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=self.bucket.id,
            rules=[
                {
                    "apply_server_side_encryption_by_default": {
                        "sse_algorithm": "aws:kms",
                        "kms_master_key_id": self.key.arn,
                    },
                    # One data key per bucket rather than per object: fewer KMS requests.
                    "bucket_key_enabled": True,
                }
            ],
            opts=child,
        )
        s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=self.bucket.id,
            rules=[
                {
                    "id": "expire-replaced-state",
                    "status": "Enabled",
                    "filter": {},
                    "noncurrent_version_expiration": {"noncurrent_days": NONCURRENT_STATE_DAYS},
                    "abort_incomplete_multipart_upload": {"days_after_initiation": 7},
                }
            ],
            opts=child,
        )
        # The policy only denies; public access blocks apply first, so AWS accepts it at once.
        s3.BucketPolicy(
            f"{name}-policy",
            bucket=self.bucket.id,
            policy=policy_document(
                [
                    deny_insecure_transport(
                        "DenyInsecureTransport",
                        ["s3:*"],
                        [self.bucket_arn, f"{self.bucket_arn}/*"],
                    )
                ]
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[public_access]),
        )
        self.key_arn = self.key.arn
        self.backend_url = f"s3://{self.bucket_name}"
        self.secrets_provider_url = pulumi.Output.concat(
            "awskms://", self.key.key.key_id, "?region=", ctx.region
        )
        self.register_outputs(
            {
                "bucket_name": self.bucket_name,
                "backend_url": self.backend_url,
                "secrets_provider_url": self.secrets_provider_url,
            }
        )
