"""The downstream secret: encrypted with the pipeline's key, and never given a value in code."""

import json

import pytest

from lib.config import PROJECT
from lib.stream_pipeline.tiers import tier_settings

SECRET = "aws:secretsmanager/secret:Secret"


def test_the_secret_is_named_for_the_environment_and_under_the_pipelines_key(stack):
    secret = stack.one(SECRET)
    assert secret.inputs["name"] == f"{PROJECT}-downstream-{stack.args.environment_suffix}"
    assert secret.inputs["kmsKeyId"] == stack.one("aws:kms/key:Key").outputs["arn"]
    assert "signing_key" in secret.inputs["description"]


def test_no_secret_value_is_declared_anywhere(each_stack):
    assert not each_stack.of_type("aws:secretsmanager/secretVersion:SecretVersion")
    assert not each_stack.of_type("aws:secretsmanager/secretRotation:SecretRotation")
    for resource in each_stack.resources:
        declared = json.dumps(resource.inputs, default=str)
        assert "secretString" not in declared, resource.name
        assert "secretBinary" not in declared, resource.name


@pytest.mark.parametrize("deployment", ["stack", "prod_stack", "pr_stack"])
def test_the_recovery_window_comes_from_the_tier(request, deployment):
    deployment = request.getfixturevalue(deployment)
    tier = tier_settings(deployment.args.environment_suffix)
    assert deployment.one(SECRET).inputs["recoveryWindowInDays"] == tier.secret_recovery_window_days


def test_a_pull_request_secret_is_deleted_with_its_stack_and_a_prod_one_is_recoverable(
    pr_stack, prod_stack
):
    assert pr_stack.one(SECRET).inputs["recoveryWindowInDays"] == 0
    assert prod_stack.one(SECRET).inputs["recoveryWindowInDays"] == 30


def test_only_the_processor_knows_where_the_secret_is(stack):
    secret_arn = stack.one(SECRET).outputs["arn"]
    holders = [
        f.name
        for f in stack.of_type("aws:lambda/function:Function")
        if secret_arn in f.inputs["environment"]["variables"].values()
    ]
    assert holders == ["TapStack-processor-function-function"]
    processor = stack.one("aws:lambda/function:Function", "processor")
    assert processor.inputs["environment"]["variables"]["SECRET_ARN"] == secret_arn
