"""The Security Hub controls the ECS service meets that no other test of this folder shows:
the VPC's default group closed, the log bucket versioned, the load balancer refusing malformed
requests and, in prod, behind AWS WAF, and Enhanced Monitoring on prod's database
(lib/multi_env_ecs/controls.toml says which control each test proves)."""

import dataclasses
import json

import pytest

from lib.multi_env_ecs.database import MONITORING_POLICY, MONITORING_SERVICE
from lib.multi_env_ecs.load_balancer import DESYNC_MITIGATION_MODE, WEB_ACL_RULE_GROUPS
from lib.multi_env_ecs.tiers import TIERS, tier_settings
from lib.naming import region_code
from lib.tiers import TierTableError
from lib.web_acl import INCLUDED_CAPACITY, capacity
from tests.unit.mocks import ACCOUNT_ID, DEFAULT_REGION

ALB = "aws:lb/loadBalancer:LoadBalancer"
BUCKET = "aws:s3/bucket:Bucket"
DEFAULT_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
WEB_ACL_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
# What ECS.8 looks for in a container's environment (the control's default secretKeys).
CREDENTIAL_VARIABLES = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "ECS_ENGINE_AUTH_DATA"}


def tier(deployment):
    return tier_settings(deployment.args.environment_suffix)


@pytest.mark.parametrize("deployment", ["stack", "prod_stack", "pr_stack"])
def test_the_vpcs_default_security_group_is_adopted_with_no_rules(request, deployment):
    # EC2: AWS gives a VPC's default group rules that admit its members and let out all traffic;
    # the provider removes every rule of the group it adopts, so empty lists close it.
    deployment = request.getfixturevalue(deployment)
    group = deployment.one(DEFAULT_GROUP).inputs
    assert group["vpcId"] == deployment.one("aws:ec2/vpc:Vpc").outputs["id"]
    assert group["ingress"] == []
    assert group["egress"] == []


@pytest.mark.parametrize("deployment", ["stack", "prod_stack", "pr_stack"])
def test_the_access_log_bucket_keeps_versions_and_expires_them(request, deployment):
    deployment = request.getfixturevalue(deployment)
    bucket_id = deployment.one(BUCKET).outputs["id"]
    versioning = deployment.one(VERSIONING)
    assert versioning.inputs["bucket"] == bucket_id
    assert versioning.inputs["versioningConfiguration"] == {"status": "Enabled"}
    lifecycle = deployment.one(LIFECYCLE)
    (rule,) = lifecycle.inputs["rules"]
    assert rule["expiration"] == {"days": tier(deployment).access_log_retention_days}
    assert rule["noncurrentVersionExpiration"] == {
        "noncurrentDays": tier(deployment).access_log_noncurrent_days
    }
    # S3 refuses a lifecycle rule for noncurrent versions until versioning is on.
    assert versioning.name in lifecycle.options["dependsOn"]


def test_the_load_balancer_refuses_malformed_requests(stack):
    alb = stack.one(ALB).inputs
    assert alb["dropInvalidHeaderFields"] is True
    assert alb["desyncMitigationMode"] == DESYNC_MITIGATION_MODE
    assert DESYNC_MITIGATION_MODE in ("defensive", "strictest")


@pytest.mark.parametrize("deployment", ["stack", "staging_stack"])
def test_the_load_balancer_spans_every_zone_of_the_stack(request, deployment):
    deployment = request.getfixturevalue(deployment)
    subnets = {s.outputs["id"]: s for s in deployment.of_type("aws:ec2/subnet:Subnet")}
    zones = {subnets[s].inputs["availabilityZone"] for s in deployment.one(ALB).inputs["subnets"]}
    assert zones == set(deployment.args.availability_zones)
    assert len(zones) >= 2


def test_the_prod_load_balancer_is_behind_aws_managed_rules(prod_stack):
    acl = prod_stack.one(WEB_ACL)
    statements = [rule["statement"]["managedRuleGroupStatement"] for rule in acl.inputs["rules"]]
    assert statements == [{"name": group, "vendorName": "AWS"} for group, _ in WEB_ACL_RULE_GROUPS]
    # The service keeps its data in PostgreSQL: SQL injection is among what the ACL blocks.
    assert "AWSManagedRulesSQLiRuleSet" in {group.name for group in WEB_ACL_RULE_GROUPS}
    # WAF: a web ACL gets 1,500 capacity units before it costs more.
    assert capacity(WEB_ACL_RULE_GROUPS) <= INCLUDED_CAPACITY
    association = prod_stack.one(WEB_ACL_ASSOCIATION).inputs
    assert association == {
        "resourceArn": prod_stack.one(ALB).outputs["arn"],
        "webAclArn": acl.outputs["arn"],
    }


# Not the generated stack: its suffix may be prod.
@pytest.mark.parametrize("deployment", ["pr_stack", "staging_stack"])
def test_only_the_tiers_that_ask_for_it_pay_for_a_web_acl(request, deployment):
    deployment = request.getfixturevalue(deployment)
    assert not tier(deployment).web_acl
    assert deployment.of_type(WEB_ACL) == []
    assert deployment.of_type(WEB_ACL_ASSOCIATION) == []
    assert TIERS["prod"].web_acl


def test_prod_instances_have_enhanced_monitoring_through_an_rds_role(prod_stack):
    role = prod_stack.one(ROLE, "monitoring")
    (trust,) = role.json("assumeRolePolicy")["Statement"]
    assert trust["Principal"] == {"Service": MONITORING_SERVICE}
    assert trust["Action"] == ["sts:AssumeRole"]
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}}
    # IAM names are account-wide: the region's code keeps each region's role apart.
    assert f"-{region_code(DEFAULT_REGION)}-" in role.inputs["name"]
    attachment = prod_stack.one(ATTACHMENT)
    assert attachment.inputs == {
        "role": role.outputs["name"],
        "policyArn": f"arn:aws:iam::aws:{MONITORING_POLICY}",
    }
    instances = prod_stack.of_type(INSTANCE)
    assert instances
    for instance in instances:
        assert instance.inputs["monitoringInterval"] == TIERS["prod"].db_monitoring_interval_seconds
        assert instance.inputs["monitoringInterval"] > 0
        assert instance.inputs["monitoringRoleArn"] == role.outputs["arn"]
        # RDS checks that it may assume the role when it creates the instance.
        assert attachment.name in instance.options["dependsOn"]


# Not the generated stack: its suffix may be prod.
@pytest.mark.parametrize("deployment", ["pr_stack", "staging_stack"])
def test_other_tiers_go_without_enhanced_monitoring(request, deployment):
    deployment = request.getfixturevalue(deployment)
    assert tier(deployment).db_monitoring_interval_seconds == 0
    for instance in deployment.of_type(INSTANCE):
        assert instance.inputs["monitoringInterval"] == 0
        assert "monitoringRoleArn" not in instance.inputs
    assert deployment.of_type(ATTACHMENT) == []


def test_the_tier_table_refuses_a_monitoring_interval_rds_does_not_accept():
    with pytest.raises(TierTableError, match="db_monitoring_interval_seconds 45"):
        dataclasses.replace(TIERS["prod"], db_monitoring_interval_seconds=45)


def test_the_database_takes_iam_authentication_and_a_named_admin(stack):
    cluster = stack.one("aws:rds/cluster:Cluster").inputs
    assert cluster["iamDatabaseAuthenticationEnabled"] is True
    # RDS.24 fails "postgres", the engine's default administrator.
    assert cluster["masterUsername"] not in ("postgres", "admin", "root")


def test_the_task_shares_nothing_with_a_host_and_carries_no_credentials(stack):
    task = stack.one(TASK).inputs
    assert "pidMode" not in task and "ipcMode" not in task
    assert task["networkMode"] == "awsvpc"
    assert stack.one("aws:ecs/service:Service").inputs["platformVersion"] == "LATEST"
    for container in json.loads(task["containerDefinitions"]):
        names = {variable["name"] for variable in container.get("environment", [])}
        assert not names & CREDENTIAL_VARIABLES, container["name"]
        assert container["logConfiguration"]["logDriver"] == "awslogs"
