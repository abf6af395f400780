"""The load balancer, its access-log bucket, its target group and its listeners."""

import pytest

from lib.multi_env_ecs.load_balancer import (
    ACCESS_LOG_PREFIX,
    ELB_ACCOUNTS,
    LOG_DELIVERY_SERVICE,
    TLS_POLICY,
)
from lib.multi_env_ecs.tiers import tier_settings
from tests.unit.mocks import DEFAULT_REGION

ALB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"


def tier_of_deployment(deployment):
    return tier_settings(deployment.args.environment_suffix)


def test_the_load_balancer_faces_the_internet_from_the_public_subnets(stack):
    alb = stack.one(ALB).inputs
    public = [s.outputs["id"] for s in stack.of_type("aws:ec2/subnet:Subnet") if "public" in s.name]
    alb_group = stack.one("aws:ec2/securityGroup:SecurityGroup", "-alb").outputs["id"]
    assert alb["loadBalancerType"] == "application"
    assert alb["internal"] is False
    assert sorted(alb["subnets"]) == sorted(public)
    assert alb["securityGroups"] == [alb_group]
    assert alb["dropInvalidHeaderFields"] is True


@pytest.mark.parametrize("deployment", ["stack", "prod_stack", "pr_stack"])
def test_only_prod_protects_the_load_balancer_and_keeps_its_logs(request, deployment):
    deployment = request.getfixturevalue(deployment)
    tier = tier_of_deployment(deployment)
    assert deployment.one(ALB).inputs["enableDeletionProtection"] is tier.deletion_protection
    bucket = deployment.one("aws:s3/bucket:Bucket").inputs
    assert bucket["forceDestroy"] is tier.empty_buckets_on_destroy is not tier.deletion_protection
    (rule,) = deployment.one(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
    ).inputs["rules"]
    assert rule["status"] == "Enabled"
    assert rule["filter"] == {"prefix": f"{ACCESS_LOG_PREFIX}/"}
    assert rule["expiration"] == {"days": tier.access_log_retention_days}


def test_access_logs_go_to_the_stacks_own_bucket(stack):
    logs = stack.one(ALB).inputs["accessLogs"]
    bucket = stack.one("aws:s3/bucket:Bucket")
    assert logs == {
        "bucket": bucket.outputs["bucket"],
        "prefix": ACCESS_LOG_PREFIX,
        "enabled": True,
    }
    assert bucket.inputs["bucket"].endswith(f"-{DEFAULT_REGION}-{stack.args.environment_suffix}")


def test_the_log_bucket_is_private_encrypted_and_owned_by_the_account(stack):
    bucket_id = stack.one("aws:s3/bucket:Bucket").outputs["id"]
    block = stack.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    assert block["bucket"] == bucket_id
    for setting in (
        "blockPublicAcls",
        "blockPublicPolicy",
        "ignorePublicAcls",
        "restrictPublicBuckets",
    ):
        assert block[setting] is True, setting
    encryption = stack.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    ).inputs
    assert encryption["bucket"] == bucket_id
    assert encryption["rules"] == [
        {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}
    ]
    ownership = stack.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs
    assert ownership["rule"] == {"objectOwnership": "BucketOwnerEnforced"}


def test_the_bucket_policy_admits_log_delivery_under_the_prefix_and_only_over_tls(stack):
    bucket = stack.one("aws:s3/bucket:Bucket").outputs
    statements = {
        s["Sid"]: s
        for s in stack.one("aws:s3/bucketPolicy:BucketPolicy").json("policy")["Statement"]
    }
    write = statements["LoadBalancerWritesAccessLogs"]
    assert write["Action"] == ["s3:PutObject"]
    assert write["Resource"] == [f"{bucket['arn']}/{ACCESS_LOG_PREFIX}/AWSLogs/123456789012/*"]
    assert write["Principal"]["Service"] == LOG_DELIVERY_SERVICE
    if DEFAULT_REGION in ELB_ACCOUNTS:
        assert write["Principal"]["AWS"] == f"arn:aws:iam::{ELB_ACCOUNTS[DEFAULT_REGION]}:root"
    else:
        assert "AWS" not in write["Principal"]
    deny = statements["DenyInsecureTransport"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"] == [bucket["arn"], f"{bucket['arn']}/*"]


def test_the_load_balancer_is_declared_after_its_bucket_is_ready(stack):
    order = [resource.type for resource in stack.resources]
    assert order.index("aws:s3/bucketPolicy:BucketPolicy") < order.index(ALB)


@pytest.mark.parametrize("deployment", ["stack", "staging_stack"])
def test_targets_are_task_ips_checked_on_the_health_path(request, deployment):
    deployment = request.getfixturevalue(deployment)
    target_group = deployment.one(TARGET_GROUP).inputs
    assert target_group["targetType"] == "ip"
    assert target_group["protocol"] == "HTTP"
    assert target_group["port"] == deployment.args.container_port
    assert target_group["vpcId"] == deployment.one("aws:ec2/vpc:Vpc").outputs["id"]
    health = target_group["healthCheck"]
    assert health["path"] == deployment.args.health_check_path
    assert health["matcher"] == "200"
    assert health["port"] == "traffic-port"


def test_without_a_certificate_port_80_forwards_to_the_targets(pr_stack):
    (listener,) = pr_stack.of_type(LISTENER)
    target_group = pr_stack.one(TARGET_GROUP).outputs["arn"]
    assert (listener.inputs["port"], listener.inputs["protocol"]) == (80, "HTTP")
    assert listener.inputs["defaultActions"] == [
        {"type": "forward", "targetGroupArn": target_group}
    ]
    assert listener.inputs["loadBalancerArn"] == pr_stack.one(ALB).outputs["arn"]


def test_with_a_certificate_port_80_redirects_and_443_terminates_tls(staging_stack):
    listeners = {
        listener.inputs["port"]: listener.inputs for listener in staging_stack.of_type(LISTENER)
    }
    assert set(listeners) == {80, 443}
    assert listeners[80]["defaultActions"] == [
        {
            "type": "redirect",
            "redirect": {"port": "443", "protocol": "HTTPS", "statusCode": "HTTP_301"},
        }
    ]
    https = listeners[443]
    validation = staging_stack.one("aws:acm/certificateValidation:CertificateValidation")
    assert https["protocol"] == "HTTPS"
    assert https["sslPolicy"] == TLS_POLICY
    assert https["certificateArn"] == validation.outputs["certificateArn"]
    target_group = staging_stack.one(TARGET_GROUP).outputs["arn"]
    assert https["defaultActions"] == [{"type": "forward", "targetGroupArn": target_group}]
