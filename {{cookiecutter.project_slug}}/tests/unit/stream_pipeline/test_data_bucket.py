"""The data bucket: private, versioned, encrypted under the pipeline's key, TLS-only, tidied by
lifecycle rules and emptied on destroy outside prod."""

import pytest

from lib.config import PROJECT
from lib.environment import tier_of
from lib.stream_pipeline.tiers import tier_settings
from tests.unit.mocks import ACCOUNT_ID

BUCKET = "aws:s3/bucket:Bucket"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"


def bucket_settings(stack, type_token):
    """The one resource of ``type_token``, checked to apply to the data bucket."""
    resource = stack.one(type_token)
    assert resource.inputs["bucket"] == stack.one(BUCKET).outputs["id"], resource.name
    return resource.inputs


def test_the_bucket_name_carries_the_project_the_account_the_region_and_the_suffix(stack):
    # S3: bucket names are global across all accounts; the account id keeps them apart.
    region, suffix = stack.args.region, stack.args.environment_suffix
    name = stack.one(BUCKET).inputs["bucket"]
    assert name.endswith(f"-data-{ACCOUNT_ID}-{region}-{suffix}")
    assert name.startswith(PROJECT[:8])
    assert len(name) <= 63


def test_every_public_access_block_is_on(stack):
    block = bucket_settings(stack, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    for setting in (
        "blockPublicAcls",
        "blockPublicPolicy",
        "ignorePublicAcls",
        "restrictPublicBuckets",
    ):
        assert block[setting] is True, setting
    assert not block.get("skipDestroy")


def test_acls_are_disabled(stack):
    ownership = bucket_settings(stack, "aws:s3/bucketOwnershipControls:BucketOwnershipControls")
    assert ownership["rule"] == {"objectOwnership": "BucketOwnerEnforced"}


def test_versioning_is_enabled(stack):
    versioning = bucket_settings(stack, "aws:s3/bucketVersioning:BucketVersioning")
    assert versioning["versioningConfiguration"] == {"status": "Enabled"}


def test_objects_are_encrypted_with_the_pipelines_key_and_a_bucket_key(stack):
    encryption = bucket_settings(
        stack,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    )
    assert encryption["rules"] == [
        {
            "applyServerSideEncryptionByDefault": {
                "sseAlgorithm": "aws:kms",
                "kmsMasterKeyId": stack.one("aws:kms/key:Key").outputs["arn"],
            },
            "bucketKeyEnabled": True,
        }
    ]


def test_the_bucket_policy_refuses_every_request_without_tls(stack):
    policy = stack.one("aws:s3/bucketPolicy:BucketPolicy")
    bucket = stack.one(BUCKET)
    assert policy.inputs["bucket"] == bucket.outputs["id"]
    arn = bucket.outputs["arn"]
    assert policy.json("policy")["Statement"] == [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Action": ["s3:*"],
            "Principal": {"AWS": "*"},
            "Resource": [arn, f"{arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]


@pytest.mark.parametrize("deployment", ["stack", "prod_stack", "pr_stack"])
def test_lifecycle_rules_move_expire_and_clean_up_per_tier(request, deployment):
    deployment = request.getfixturevalue(deployment)
    tier = tier_settings(deployment.args.environment_suffix)
    rules = {rule["id"]: rule for rule in bucket_settings(deployment, LIFECYCLE)["rules"]}
    assert set(rules) == {
        "infrequent-access",
        "expire-noncurrent-versions",
        "abort-incomplete-multipart-uploads",
    }
    for rule in rules.values():
        assert rule["status"] == "Enabled"
        assert rule["filter"] == {"prefix": ""}
    assert rules["infrequent-access"]["transitions"] == [
        {"days": tier.infrequent_access_after_days, "storageClass": "STANDARD_IA"}
    ]
    assert rules["expire-noncurrent-versions"]["noncurrentVersionExpiration"] == {
        "noncurrentDays": tier.noncurrent_version_days
    }
    assert rules["abort-incomplete-multipart-uploads"]["abortIncompleteMultipartUpload"] == {
        "daysAfterInitiation": 7
    }


@pytest.mark.parametrize("deployment", ["stack", "prod_stack", "pr_stack"])
def test_only_prod_keeps_its_objects_when_the_stack_is_destroyed(request, deployment):
    deployment = request.getfixturevalue(deployment)
    is_prod = tier_of(deployment.args.environment_suffix) == "prod"
    assert deployment.one(BUCKET).inputs["forceDestroy"] is not is_prod
