"""The replayer behind the emulated deployments (tests/emulated/replay.py): every resource type
a variant's program declares is created or deliberately skipped, and any other type stops the
replay before it creates anything."""

from __future__ import annotations

import pytest

from tests.emulated import EmulatedAws, emulations, replay
from tests.matrix import VARIANTS

KEY = {
    "type": "aws:kms/key:Key",
    "name": "TapStack-key",
    "inputs": {"description": "a key the replay can create"},
    "outputs": {"id": "TapStack-key-id", "arn": "arn:aws:kms:us-east-1:123456789012:key/k"},
}
WIDGET = {
    "type": "aws:newservice/widget:Widget",
    "name": "TapStack-widget",
    "inputs": {"size": 1},
    "outputs": {"id": "TapStack-widget-id"},
}


@pytest.fixture(scope="module")
def aws():
    emulated = EmulatedAws("us-east-1")
    yield emulated
    emulated.stop()


def test_a_type_the_replayer_does_not_know_stops_the_replay_before_anything_is_created(
    aws, tmp_path
):
    aws.reset()
    replay.replay(tmp_path, aws, {"resources": [KEY], "outputs": {}})
    assert len(aws.client("kms").list_keys()["Keys"]) == 1, "the known type alone replays"

    aws.reset()
    with pytest.raises(
        replay.UnknownResourceType,
        match=r"aws:newservice/widget:Widget \(resource TapStack-widget\)",
    ):
        replay.replay(tmp_path, aws, {"resources": [KEY, WIDGET], "outputs": {}})
    assert aws.client("kms").list_keys()["Keys"] == []


def test_every_skipped_type_says_why_in_one_line_and_has_no_creator():
    for type_token, reason in replay.SKIPPED.items():
        assert type_token not in replay.CREATORS, type_token
        assert reason.strip() and "\n" not in reason, type_token


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_type_the_program_declares_is_created_or_skipped(bake, variant):
    result = bake(f"{variant}-defaults")
    suffix = result.context["environment_suffix"]
    for config in emulations()[variant].CONFIGS:
        planned = replay.plan(result.project_path, suffix, config)
        types = {resource["type"] for resource in planned["resources"]}
        assert types & set(replay.CREATORS), f"{variant} {config}: nothing to create"
        assert replay.unreplayable(planned) == [], f"{variant} with config {config}"


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_type_a_prod_stack_declares_is_created_or_skipped(bake, variant):
    # Prod declares what no other tier does (the API stages' WAF web ACL): the emulated
    # deployments run the generated suffix, so this plan is the one that sees those types.
    result = bake(f"{variant}-defaults")
    planned = replay.plan(result.project_path, "prod")
    assert replay.unreplayable(planned) == [], f"{variant} prod"


@pytest.mark.parametrize("variant", ["serverless-api", "stream-pipeline"])
def test_a_prod_stage_replays_behind_its_web_acl(bake, aws, variant):
    result = bake(f"{variant}-defaults")
    aws.reset()
    replay.replay(result.project_path, aws, replay.plan(result.project_path, "prod"))
    (acl,) = aws.client("wafv2").list_web_acls(Scope="REGIONAL")["WebACLs"]
    apigateway = aws.client("apigateway")
    (api,) = apigateway.get_rest_apis()["items"]
    assert apigateway.get_stage(restApiId=api["id"], stageName="prod")["webAclArn"] == acl["ARN"]


def test_an_ecs_prod_stack_replays_with_its_firewall_monitoring_and_closed_default_group(bake, aws):
    # The emulated deployments run the generated stack (dev): what only prod declares, the
    # web ACL, its association and the monitoring role's AWS managed policy, is replayed here.
    project = bake("multi-env-ecs-defaults").project_path
    aws.reset()
    run = replay.replay_stack(project, aws, "prod")
    balancer = aws.client("elbv2").describe_load_balancers()["LoadBalancers"][0]
    acl = aws.client("wafv2").get_web_acl_for_resource(ResourceArn=balancer["LoadBalancerArn"])
    assert [rule["Name"] for rule in acl["WebACL"]["Rules"]], "the ALB is behind the web ACL"
    for instance in aws.client("rds").describe_db_instances()["DBInstances"]:
        role = instance["MonitoringRoleArn"].rsplit("/", 1)[1]
        attached = aws.client("iam").list_attached_role_policies(RoleName=role)
        assert [p["PolicyName"] for p in attached["AttachedPolicies"]] == [
            "AmazonRDSEnhancedMonitoringRole"
        ]
    vpc_id = run.outputs()["vpc_id"]
    (default,) = aws.client("ec2").describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "group-name", "Values": ["default"]},
        ]
    )["SecurityGroups"]
    assert default["IpPermissions"] == default["IpPermissionsEgress"] == []


# The account program with every piece on (lib/account_stack.py).
ACCOUNT_CONFIG = {
    "TapAccount:githubRepository": "octo-org/orders-api",
    "TapAccount:selfManagedBackend": "true",
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_account_program_replays_into_the_emulated_account(aws, bake, variant):
    # moto validates each managed policy as IAM does: grammar, action names, ARNs, conditions.
    project = bake(f"{variant}-defaults").project_path
    planned = replay.plan_account(project, aws.region, ACCOUNT_CONFIG)
    assert replay.unreplayable(planned) == []
    aws.reset()
    state = replay.replay(project, aws, planned)
    iam = aws.client("iam")
    (provider,) = iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    outputs = state.outputs()
    for output in ("githubDeployRoleArn", "githubProdDeployRoleArn"):
        name = outputs[output].rsplit("/", 1)[-1]
        role = iam.get_role(RoleName=name)["Role"]
        (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
        assert trust["Principal"] == {"Federated": provider["Arn"]}
        assert role["MaxSessionDuration"] == 3600
        assert iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    bucket = outputs["stateBucketName"]
    assert outputs["backendUrl"] == f"s3://{bucket}"
    s3 = aws.client("s3")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    key_id = outputs["secretsProviderUrl"].removeprefix("awskms://").split("?")[0]
    assert aws.client("kms").describe_key(KeyId=key_id)["KeyMetadata"]["Enabled"]
