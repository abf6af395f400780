"""The account program (account/): API Gateway's CloudWatch role, once per account and region."""

import pytest

from lib.lambda_api.account_stack import ACCOUNT_ENVIRONMENT
from lib.lambda_api.api_gateway_logging import API_GATEWAY_LOGGING_ACTIONS
from lib.naming import NAME_RULES, region_code
from lib.tagging import REQUIRED_TAG_KEYS
from tests.unit.mocks import (
    ACCOUNT_ID,
    DEFAULT_REGION,
    TAP_PROGRAM,
    RecordingMocks,
    accepts_tags,
    deploy_program,
)

# The account program: its own Pulumi project, one stack per account and region.
ACCOUNT_PROGRAM = TAP_PROGRAM.parent / "account" / "__main__.py"
ACCOUNT_PROJECT = "TapAccount"

ACCOUNT_SETTING = "aws:apigateway/account:Account"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
OTHER_REGION = "ap-southeast-2" if DEFAULT_REGION != "ap-southeast-2" else "eu-west-1"


def deploy_account(region: str, config: dict[str, str] | None = None, **settings):
    """account/__main__.py on its stack ``<account id>-<region>``, as deploy_account.sh runs it."""
    return deploy_program(
        stack=f"{ACCOUNT_ID}-{region}",
        config={"aws:region": region, **(config or {})},
        program_file=ACCOUNT_PROGRAM,
        project=ACCOUNT_PROJECT,
        **settings,
    )


@pytest.fixture(scope="module")
def account():
    """The account stack in the generated region."""
    return deploy_account(DEFAULT_REGION)


@pytest.fixture(scope="module")
def other_region_account():
    """The account stack of another region, deployed while a pull request's suffix is set."""
    return deploy_account(OTHER_REGION, environ={"ENVIRONMENT_SUFFIX": "pr42"})


def cloudwatch_role(deployment):
    setting = deployment.one(ACCOUNT_SETTING)
    return next(
        role
        for role in deployment.of_type(ROLE)
        if role.outputs["arn"] == setting.inputs["cloudwatchRoleArn"]
    )


def test_the_account_stack_sets_api_gateways_cloudwatch_role_for_its_region(account):
    role = cloudwatch_role(account)
    assert [r.name for r in account.of_type("tap:account:AccountStack")] == ["TapAccount"]
    assert set(account.exports) == {"api_gateway_cloudwatch_role_arn"}
    assert account.outputs == {"api_gateway_cloudwatch_role_arn": role.outputs["arn"]}


def test_only_api_gateway_may_assume_the_cloudwatch_role(account):
    (trust,) = cloudwatch_role(account).json("assumeRolePolicy")["Statement"]
    assert trust["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert trust["Action"] == ["sts:AssumeRole"]


@pytest.mark.parametrize("deployment", ["account", "other_region_account"])
def test_the_cloudwatch_role_only_writes_logs_of_its_account_and_region(request, deployment):
    deployment = request.getfixturevalue(deployment)
    role = cloudwatch_role(deployment)
    (policy,) = [
        p for p in deployment.of_type(ROLE_POLICY) if p.inputs["role"] == role.outputs["id"]
    ]
    (statement,) = policy.json("policy")["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == sorted(API_GATEWAY_LOGGING_ACTIONS)
    region = deployment.args.region
    assert statement["Resource"] == [f"arn:aws:logs:{region}:{ACCOUNT_ID}:log-group:*"]
    # A policy of its own: the role needs nothing that a managed policy would add.
    assert not deployment.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")


def test_each_region_gets_its_own_role_name(account, other_region_account):
    # IAM names are account-wide, so the same name in a second region would already exist.
    names = {}
    for deployment in (account, other_region_account):
        role = cloudwatch_role(deployment)
        assert region_code(deployment.args.region) in role.inputs["name"]
        assert len(role.inputs["name"]) <= NAME_RULES["iam_role"].max_length
        names[deployment.args.region] = role.inputs["name"]
        policy = deployment.one(ROLE_POLICY)
        assert region_code(deployment.args.region) in policy.inputs["name"]
    assert len(set(names.values())) == 2, names


def test_no_environment_suffix_renames_the_account_stack(account, other_region_account):
    # other_region_account ran with ENVIRONMENT_SUFFIX=pr42, as a pull request's pipeline would.
    for deployment in (account, other_region_account):
        assert deployment.args.environment_suffix == ACCOUNT_ENVIRONMENT
        for resource in deployment.resources:
            assert "pr42" not in str(resource.inputs), resource.name
        role_name = cloudwatch_role(deployment).inputs["name"]
        assert role_name.endswith(f"-{region_code(deployment.args.region)}-{ACCOUNT_ENVIRONMENT}")


def test_every_taggable_account_resource_carries_the_standard_tags(account):
    taggable = [r for r in account.resources if accepts_tags(r.type)]
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
