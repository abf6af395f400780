"""What this part adds to the account program (account/): API Gateway's CloudWatch role, once
per account and region (lib/lambda_api/account.py)."""

import pytest

from lib.account_stack import ACCOUNT_ENVIRONMENT
from lib.lambda_api.api_gateway_logging import API_GATEWAY_LOGGING_ACTIONS
from lib.naming import NAME_RULES, region_code
from lib.tagging import REQUIRED_TAG_KEYS
from tests.unit.account_program import deploy_account
from tests.unit.mocks import ACCOUNT_ID, DEFAULT_REGION, RecordingMocks, accepts_tags

ACCOUNT_SETTING = "aws:apigateway/account:Account"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
ACCOUNT_STACKS = ["bare_account_stack", "account_stack", "adopting_account_stack"]


def cloudwatch_role(deployment):
    setting = deployment.one(ACCOUNT_SETTING)
    return next(
        role
        for role in deployment.of_type(ROLE)
        if role.outputs["arn"] == setting.inputs["cloudwatchRoleArn"]
    )


def cloudwatch_policy(deployment):
    role = cloudwatch_role(deployment)
    (policy,) = [
        p for p in deployment.of_type(ROLE_POLICY) if p.inputs["role"] == role.outputs["id"]
    ]
    return policy


def test_the_account_stack_sets_api_gateways_cloudwatch_role_for_its_region(bare_account_stack):
    role = cloudwatch_role(bare_account_stack)
    assert [r.name for r in bare_account_stack.of_type("tap:account:AccountStack")] == [
        "TapAccount"
    ]
    # With no config, the part's piece is all the stack declares and exports.
    assert set(bare_account_stack.exports) == {"api_gateway_cloudwatch_role_arn"}
    assert bare_account_stack.outputs == {"api_gateway_cloudwatch_role_arn": role.outputs["arn"]}


@pytest.mark.parametrize("deployment", ACCOUNT_STACKS)
def test_every_account_stack_sets_the_cloudwatch_role(request, deployment):
    deployment = request.getfixturevalue(deployment)
    role = cloudwatch_role(deployment)
    assert deployment.outputs["api_gateway_cloudwatch_role_arn"] == role.outputs["arn"]


def test_only_api_gateway_may_assume_the_cloudwatch_role(bare_account_stack):
    (trust,) = cloudwatch_role(bare_account_stack).json("assumeRolePolicy")["Statement"]
    assert trust["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert trust["Action"] == ["sts:AssumeRole"]


@pytest.mark.parametrize("deployment", ["bare_account_stack", "adopting_account_stack"])
def test_the_cloudwatch_role_only_writes_logs_of_its_account_and_region(request, deployment):
    deployment = request.getfixturevalue(deployment)
    role = cloudwatch_role(deployment)
    (statement,) = cloudwatch_policy(deployment).json("policy")["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == sorted(API_GATEWAY_LOGGING_ACTIONS)
    region = deployment.args.region
    assert statement["Resource"] == [f"arn:aws:logs:{region}:{ACCOUNT_ID}:log-group:*"]
    # A policy of its own: the role needs nothing that a managed policy would add.
    attached = [a for a in deployment.of_type(ATTACHMENT) if a.inputs["role"] == role.outputs["id"]]
    assert not attached


def test_each_region_gets_its_own_role_name(bare_account_stack, adopting_account_stack):
    # IAM names are account-wide, so the same name in a second region would already exist.
    names = {}
    for deployment in (bare_account_stack, adopting_account_stack):
        role = cloudwatch_role(deployment)
        assert region_code(deployment.args.region) in role.inputs["name"]
        assert len(role.inputs["name"]) <= NAME_RULES["iam_role"].max_length
        names[deployment.args.region] = role.inputs["name"]
        policy = cloudwatch_policy(deployment)
        assert region_code(deployment.args.region) in policy.inputs["name"]
    assert len(set(names.values())) == 2, names


def test_no_environment_suffix_renames_the_cloudwatch_role(
    bare_account_stack, adopting_account_stack
):
    # adopting_account_stack ran with ENVIRONMENT_SUFFIX=pr42, as a pull request's pipeline would.
    for deployment in (bare_account_stack, adopting_account_stack):
        role_name = cloudwatch_role(deployment).inputs["name"]
        assert role_name.endswith(f"-{region_code(deployment.args.region)}-{ACCOUNT_ENVIRONMENT}")


def test_every_taggable_account_resource_carries_the_standard_tags(bare_account_stack):
    taggable = [r for r in bare_account_stack.resources if accepts_tags(r.type)]
    assert taggable
    for resource in taggable:
        tags = resource.inputs.get("tags", {})
        assert set(REQUIRED_TAG_KEYS) <= set(tags), resource.name
        assert tags["Environment"] == ACCOUNT_ENVIRONMENT
        assert tags["Region"] == DEFAULT_REGION


def test_a_bad_config_value_stops_the_account_program_before_any_resource():
    mocks = RecordingMocks(DEFAULT_REGION)
    with pytest.raises(SystemExit, match="error: tag key 'aws:team'"):
        deploy_account(
            DEFAULT_REGION,
            config={"TapAccount:tags": '{"aws:team": "x"}'},
            mocks=mocks,
        )
    assert mocks.resources == []
