"""The Kinesis stream: encrypted with the pipeline's key, sized and kept per tier."""

import pytest

from lib.config import PROJECT
from lib.stream_pipeline.tiers import tier_settings

STREAM = "aws:kinesis/stream:Stream"


def test_the_stream_is_encrypted_with_the_pipelines_key(stack):
    stream = stack.one(STREAM)
    assert stream.inputs["encryptionType"] == "KMS"
    assert stream.inputs["kmsKeyId"] == stack.one("aws:kms/key:Key").outputs["arn"]


def test_the_stream_is_named_for_the_environment_and_can_be_destroyed(stack):
    stream = stack.one(STREAM)
    assert stream.inputs["name"] == f"{PROJECT}-events-{stack.args.environment_suffix}"
    assert stream.inputs["enforceConsumerDeletion"] is True


@pytest.mark.parametrize("deployment", ["stack", "prod_stack", "pr_stack"])
def test_retention_and_capacity_come_from_the_tier(request, deployment):
    deployment = request.getfixturevalue(deployment)
    tier = tier_settings(deployment.args.environment_suffix)
    stream = deployment.one(STREAM).inputs
    assert stream["retentionPeriod"] == tier.stream_retention_hours
    if tier.stream_shard_count is None:
        assert stream["streamModeDetails"] == {"streamMode": "ON_DEMAND"}
        assert "shardCount" not in stream
    else:
        assert stream["streamModeDetails"] == {"streamMode": "PROVISIONED"}
        assert stream["shardCount"] == tier.stream_shard_count


def test_prod_keeps_a_week_on_provisioned_shards_and_pr_a_day_on_demand(prod_stack, pr_stack):
    prod = prod_stack.one(STREAM).inputs
    assert (prod["retentionPeriod"], prod["streamModeDetails"]["streamMode"]) == (
        168,
        "PROVISIONED",
    )
    assert prod["shardCount"] >= 1
    pr = pr_stack.one(STREAM).inputs
    assert (pr["retentionPeriod"], pr["streamModeDetails"]["streamMode"]) == (24, "ON_DEMAND")
