"""Every bucket the project declares goes through lib/private_bucket: owned by the account, its
ACLs off, every public-access block on."""

from tests.unit.mocks import Deployment

BUCKET = "aws:s3/bucket:Bucket"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"


def configured(deployment: Deployment, type_token: str) -> dict[str, dict]:
    """The inputs of each ``type_token`` resource, by the id of the bucket it configures."""
    return {r.inputs["bucket"]: r.inputs for r in deployment.of_type(type_token)}


def test_acls_are_off_on_every_bucket(stack, prod_stack):
    for deployment in (stack, prod_stack):
        ownership = configured(deployment, OWNERSHIP)
        buckets = deployment.of_type(BUCKET)
        assert buckets
        for bucket in buckets:
            # BucketOwnerEnforced disables every ACL: only policies grant access (S3.12).
            assert ownership[bucket.outputs["id"]]["rule"] == {
                "objectOwnership": "BucketOwnerEnforced"
            }, bucket.name
