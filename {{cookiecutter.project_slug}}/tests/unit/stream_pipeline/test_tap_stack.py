"""The stream pipeline stack as a whole: what it composes and outputs, one key over all its data,
and the settings of each tier."""

import dataclasses

import pytest

from lib.config import PROJECT
from lib.lambda_api.api_auth import OUTPUT_NAMES
from lib.stream_pipeline.tiers import TIERS, tier_settings
from lib.tiers import TierTableError
from tests.unit.test_destroy_script import destroy, exported_state

EXPECTED_OUTPUTS = (
    "api_url",
    "stream_name",
    "stream_arn",
    "bucket_name",
    "secret_arn",
    "dlq_url",
    "processor_function_name",
    "ingest_function_name",
    "alarm_topic_arn",
    "dashboard_name",
    "kms_key_arn",
)


def test_the_stack_is_a_tap_component(stack):
    assert [r.name for r in stack.of_type("tap:stack:TapStack")] == ["TapStack"]


@pytest.mark.parametrize(
    ("component", "count"),
    [
        ("tap:security:EncryptionKey", 1),
        ("tap:monitoring:AlarmTopic", 1),
        ("tap:stream:DataStream", 1),
        ("tap:storage:DataBucket", 1),
        ("tap:security:PipelineSecret", 1),
        ("tap:api:IngestApi", 1),
        ("tap:api:ApiStage", 1),
        ("tap:stream:StreamProcessor", 1),
        ("tap:storage:BatchIndexer", 1),
        ("tap:compute:PythonFunction", 3),
        ("tap:monitoring:PipelineMonitoring", 1),
    ],
)
def test_the_stack_composes_its_components(stack, component, count):
    assert len(stack.of_type(component)) == count


def test_every_output_is_the_resource_it_names(stack):
    outputs = stack.outputs
    suffix = stack.args.environment_suffix
    assert set(outputs) == set(EXPECTED_OUTPUTS) | set(OUTPUT_NAMES[stack.args.api_auth])
    stream = stack.one("aws:kinesis/stream:Stream")
    assert (outputs["stream_name"], outputs["stream_arn"]) == (
        stream.inputs["name"],
        stream.outputs["arn"],
    )
    assert outputs["bucket_name"] == stack.one("aws:s3/bucket:Bucket").inputs["bucket"]
    assert outputs["secret_arn"] == stack.one("aws:secretsmanager/secret:Secret").outputs["arn"]
    assert outputs["dlq_url"] == stack.one("aws:sqs/queue:Queue").outputs["url"]
    functions = stack.of_type("aws:lambda/function:Function")
    names = {f.name.split("-")[1]: f.inputs["name"] for f in functions}
    assert outputs["processor_function_name"] == names["processor"]
    assert outputs["ingest_function_name"] == names["ingest"]
    assert outputs["alarm_topic_arn"] == stack.one("aws:sns/topic:Topic").outputs["arn"]
    assert outputs["dashboard_name"] == f"{PROJECT}-pipeline-{suffix}"
    assert outputs["kms_key_arn"] == stack.one("aws:kms/key:Key").outputs["arn"]
    stage = stack.one("aws:apigateway/stage:Stage")
    assert outputs["api_url"] == stage.outputs["invokeUrl"]
    assert outputs["api_url"].startswith("https://")
    assert outputs["api_url"].endswith(f"/{suffix}")


def test_one_customer_managed_key_encrypts_all_the_pipelines_data(stack):
    key_arn = stack.one("aws:kms/key:Key").outputs["arn"]
    assert stack.one("aws:kinesis/stream:Stream").inputs["kmsKeyId"] == key_arn
    assert stack.one("aws:secretsmanager/secret:Secret").inputs["kmsKeyId"] == key_arn
    assert stack.one("aws:sqs/queue:Queue").inputs["kmsMasterKeyId"] == key_arn
    assert stack.one("aws:sns/topic:Topic").inputs["kmsMasterKeyId"] == key_arn
    (rule,) = stack.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    ).inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"] == key_arn
    for log_group in stack.of_type("aws:cloudwatch/logGroup:LogGroup"):
        assert log_group.inputs["kmsKeyId"] == key_arn, log_group.name


def test_the_key_has_an_alias_named_for_the_pipeline(stack):
    alias = stack.one("aws:kms/alias:Alias")
    assert alias.inputs["name"] == f"alias/{PROJECT}-pipeline-{stack.args.environment_suffix}"
    assert alias.inputs["targetKeyId"] == stack.one("aws:kms/key:Key").outputs["keyId"]


@pytest.mark.parametrize(
    ("suffix", "tier"),
    [("dev", "dev"), ("pr12345", "pr"), ("staging", "staging"), ("prod", "prod"), ("qa", "dev")],
)
def test_each_suffix_gets_its_tier(suffix, tier):
    assert tier_settings(suffix) is TIERS[tier]


def test_only_prod_keeps_a_week_of_stream_and_provisions_shards():
    for name, tier in TIERS.items():
        is_prod = name == "prod"
        assert tier.stream_retention_hours == (168 if is_prod else 24), name
        assert (tier.stream_shard_count is not None) is is_prod, name
        assert tier.kms_deletion_window_days == (30 if is_prod else 7), name
        assert (tier.secret_recovery_window_days > 0) is is_prod, name


def test_prod_keeps_logs_longer_and_takes_more_traffic_than_dev_and_pr():
    prod, dev, pr = TIERS["prod"], TIERS["dev"], TIERS["pr"]
    assert prod.log_retention_days > TIERS["staging"].log_retention_days > dev.log_retention_days
    assert dev.log_retention_days >= pr.log_retention_days
    assert prod.throttle_rate_limit > dev.throttle_rate_limit >= pr.throttle_rate_limit
    assert prod.max_retry_attempts >= dev.max_retry_attempts >= pr.max_retry_attempts
    assert prod.processor_memory_mb >= dev.processor_memory_mb


@pytest.mark.parametrize("deployment", ["stack", "prod_stack", "pr_stack"])
def test_every_function_is_sized_from_its_tier(request, deployment):
    deployment = request.getfixturevalue(deployment)
    tier = tier_settings(deployment.args.environment_suffix)
    memory = {
        f.name.split("-")[1]: f.inputs["memorySize"]
        for f in deployment.of_type("aws:lambda/function:Function")
    }
    assert memory == {
        "ingest": tier.ingest_memory_mb,
        "processor": tier.processor_memory_mb,
        "indexer": tier.indexer_memory_mb,
    }


def test_only_staging_and_prod_reserve_concurrency_for_the_functions():
    # Lambda refuses a reservation that leaves the account under 100 unreserved executions, and
    # new accounts may have a quota of 10: dev and pr stacks must deploy there (lib/tiers.py).
    for name, tier in TIERS.items():
        reserved = {
            tier.ingest_reserved_concurrency,
            tier.processor_reserved_concurrency,
            tier.indexer_reserved_concurrency,
        }
        assert reserved == {None} if name in ("dev", "pr") else None not in reserved, name


@pytest.mark.parametrize("deployment", ["stack", "prod_stack", "pr_stack"])
def test_every_function_reserves_its_tiers_concurrency(request, deployment):
    deployment = request.getfixturevalue(deployment)
    tier = tier_settings(deployment.args.environment_suffix)
    reserved = {
        f.name.split("-")[1]: f.inputs.get("reservedConcurrentExecutions")
        for f in deployment.of_type("aws:lambda/function:Function")
    }
    assert reserved == {
        "ingest": tier.ingest_reserved_concurrency,
        "processor": tier.processor_reserved_concurrency,
        "indexer": tier.indexer_reserved_concurrency,
    }


def test_the_processor_may_run_once_per_shard_at_least():
    # Lambda reads each shard with one invocation at a time: fewer would throttle the reads.
    prod = TIERS["prod"]
    assert prod.processor_reserved_concurrency >= prod.stream_shard_count
    with pytest.raises(TierTableError, match="fewer than the stream's 2 shards"):
        dataclasses.replace(prod, processor_reserved_concurrency=1)


def test_prod_refuses_a_destroy_that_would_stop_at_its_bucket(tmp_path, prod_stack):
    # S3 refuses to delete a bucket that still holds objects (BucketNotEmpty), after everything
    # else of the stack is gone: the destroy script refuses prod before it starts.
    run, calls = destroy(tmp_path, exported_state(prod_stack), "prod")
    assert run.returncode == 1
    assert not [call for call in calls if call.startswith("destroy")]
    assert "keeps its objects" in run.stderr
    assert "TapStack:allowDestroy true --stack TapStackprod" in run.stderr


def test_allow_destroy_lets_prod_empty_its_bucket_and_destroy_completely(
    tmp_path, destroyable_prod_stack
):
    # The prod stack after `pulumi config set TapStack:allowDestroy true` and `pulumi up`
    # (tests/unit/lambda_api/fixtures.py; its user pool's protection is lifted too).
    (bucket,) = destroyable_prod_stack.of_type("aws:s3/bucket:Bucket")
    assert bucket.inputs["forceDestroy"] is True
    run, calls = destroy(tmp_path, exported_state(destroyable_prod_stack), "prod")
    assert run.returncode == 0, run.stderr
    assert calls[-1] == "destroy --yes --stack TapStackprod"
