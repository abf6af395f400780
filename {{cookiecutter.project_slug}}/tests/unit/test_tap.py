"""The program itself: what tap.py exports, and how it refuses a bad environment."""

import json

import pytest

from lib.naming import region_code
from tests.unit.mocks import (
    ACCOUNT_ID,
    DEFAULT_REGION,
    ENVIRONMENT_REGION,
    RecordingMocks,
    deploy_program,
)


def test_tap_declares_one_tap_stack(stack):
    assert [r.name for r in stack.of_type("tap:stack:TapStack")] == ["TapStack"]


def test_tap_exports_every_output_of_the_stack(stack):
    # Which outputs the stack has is its own test's to say (tests/unit/<variant>/test_tap_stack.py).
    assert stack.outputs
    assert set(stack.exports) == set(stack.outputs)


def test_the_environment_suffix_reaches_every_name(pr_stack):
    names = [r.inputs["name"] for r in pr_stack.resources if isinstance(r.inputs.get("name"), str)]
    assert names
    for name in names:
        assert "pr12345" in name


def test_a_bad_environment_suffix_stops_tap_before_any_resource():
    mocks = RecordingMocks(DEFAULT_REGION)
    with pytest.raises(SystemExit) as stopped:
        deploy_program(stack="TapStackdev", environ={"ENVIRONMENT_SUFFIX": "Bad!"}, mocks=mocks)
    assert str(stopped.value) == (
        "error: environment suffix from ENVIRONMENT_SUFFIX environment variable 'Bad!' "
        "must be 1-12 lowercase letters or digits, starting with a letter"
    )
    assert mocks.resources == []


def test_a_bad_config_value_stops_tap_before_any_resource():
    mocks = RecordingMocks(DEFAULT_REGION)
    with pytest.raises(SystemExit, match="error: config alarmEmail 'nobody'"):
        deploy_program(stack="TapStackdev", config={"TapStack:alarmEmail": "nobody"}, mocks=mocks)
    assert mocks.resources == []


def test_without_aws_region_config_every_resource_follows_the_providers_region(pr_stack):
    # Pulumi: with no aws:region in the stack config the provider deploys to AWS_REGION, so
    # every ARN, principal, name, tag and dashboard must name that region, never a default.
    # The shared pull-request stack is the one declared so (tests/unit/conftest.py).
    deployment = pr_stack
    assert deployment.args.region == ENVIRONMENT_REGION
    declared = json.dumps([[r.inputs, r.outputs] for r in deployment.resources], default=str)
    assert ENVIRONMENT_REGION in declared
    for elsewhere in {"us-east-1", DEFAULT_REGION} - {ENVIRONMENT_REGION}:
        assert elsewhere not in declared


def test_names_unique_beyond_one_region_carry_the_region_or_the_account(stack):
    # IAM names are unique per account across regions; S3 bucket names across all accounts.
    region = stack.args.region
    iam = [
        r.inputs["name"]
        for r in stack.resources
        if r.type in ("aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy")
    ]
    assert iam
    for name in iam:
        assert f"-{region_code(region)}-" in name, name
    for bucket in stack.of_type("aws:s3/bucket:Bucket"):
        assert f"-{ACCOUNT_ID}-{region}-" in bucket.inputs["bucket"]
