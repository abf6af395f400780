"""Who may do what: every statement of every function role and of the key policy, checked whole.

A statement added, widened or pointed at another resource fails one of these tests.
"""

import pytest

from lib.encryption import KEY_USE_ACTIONS
from lib.stream_processor import PROCESSED_PREFIX, QUARANTINE_PREFIX
from tests.unit.mocks import ACCOUNT_ID

DATA_SERVICES = ("kinesis", "s3", "sqs", "secretsmanager", "kms")
# What every function may do anyway; test_python_function.py checks their scope.
COMMON_SIDS = {"WriteOwnLogs", "PublishMetricsToOwnNamespace", "WriteTraces"}


def arns(stack):
    return {
        "stream": stack.one("aws:kinesis/stream:Stream").outputs["arn"],
        "bucket": stack.one("aws:s3/bucket:Bucket").outputs["arn"],
        "secret": stack.one("aws:secretsmanager/secret:Secret").outputs["arn"],
        "queue": stack.one("aws:sqs/queue:Queue").outputs["arn"],
        "key": stack.one("aws:kms/key:Key").outputs["arn"],
    }


def role_of(stack, purpose):
    function = stack.one("aws:lambda/function:Function", purpose)
    return next(
        r for r in stack.of_type("aws:iam/role:Role") if r.outputs["arn"] == function.inputs["role"]
    )


def own_statements(stack, purpose):
    """The statements of a function's role beyond the ones every function has, by Sid."""
    role = role_of(stack, purpose)
    policy = next(
        p
        for p in stack.of_type("aws:iam/rolePolicy:RolePolicy")
        if p.inputs["role"] == role.outputs["id"]
    )
    statements = policy.json("policy")["Statement"]
    assert len({s["Sid"] for s in statements}) == len(statements)
    return {
        s["Sid"]: (s["Effect"], s["Action"], s["Resource"])
        for s in statements
        if s["Sid"] not in COMMON_SIDS
    }


def test_the_ingest_function_may_only_put_records_on_this_stream(stack):
    arn = arns(stack)
    assert own_statements(stack, "ingest") == {
        "PutEventsOnTheStream": (
            "Allow",
            ["kinesis:PutRecord", "kinesis:PutRecords"],
            [arn["stream"]],
        ),
        "EncryptWithTheStreamKey": ("Allow", ["kms:GenerateDataKey"], [arn["key"]]),
    }


def test_the_processor_may_read_the_stream_write_its_prefix_read_the_secret_and_dead_letter(
    stack,
):
    arn = arns(stack)
    assert own_statements(stack, "processor") == {
        "ReadTheStream": (
            "Allow",
            [
                "kinesis:DescribeStream",
                "kinesis:DescribeStreamSummary",
                "kinesis:GetRecords",
                "kinesis:GetShardIterator",
                "kinesis:ListShards",
            ],
            [arn["stream"]],
        ),
        "WriteProcessedBatches": (
            "Allow",
            ["s3:PutObject"],
            [f"{arn['bucket']}/{PROCESSED_PREFIX}*"],
        ),
        "QuarantineBadRecords": (
            "Allow",
            ["s3:PutObject"],
            [f"{arn['bucket']}/{QUARANTINE_PREFIX}*"],
        ),
        "ReadTheSigningSecret": ("Allow", ["secretsmanager:GetSecretValue"], [arn["secret"]]),
        "SendFailedBatchesToTheDeadLetterQueue": ("Allow", ["sqs:SendMessage"], [arn["queue"]]),
        "UseThePipelineKey": ("Allow", ["kms:Decrypt", "kms:GenerateDataKey"], [arn["key"]]),
    }


def test_the_indexer_reads_only_its_event(stack):
    assert own_statements(stack, "indexer") == {}


def test_only_the_processor_may_read_the_secret(stack):
    secret_arn = arns(stack)["secret"]
    readers = [
        p.name
        for p in stack.of_type("aws:iam/rolePolicy:RolePolicy")
        if secret_arn in p.inputs["policy"]
    ]
    assert readers == ["TapStack-processor-function-policy"]


def test_every_data_action_is_scoped_to_one_resource(each_stack):
    for policy in each_stack.of_type("aws:iam/rolePolicy:RolePolicy"):
        for statement in policy.json("policy")["Statement"]:
            services = {action.split(":")[0] for action in statement["Action"]}
            if services & set(DATA_SERVICES):
                assert len(services) == 1, (policy.name, statement["Sid"])
                (resource,) = statement["Resource"]
                assert resource.startswith("arn:aws:"), (policy.name, statement["Sid"])
                for prefix in (PROCESSED_PREFIX, QUARANTINE_PREFIX):
                    resource = resource.removesuffix(f"/{prefix}*")
                assert "*" not in resource, resource


def key_statements(stack):
    return {s["Sid"]: s for s in stack.one("aws:kms/key:Key").json("policy")["Statement"]}


def test_the_key_policy_lets_the_account_administer_but_not_use_the_key(stack):
    admin = key_statements(stack)["AccountAdministersKey"]
    assert admin["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}
    assert not set(admin["Action"]) & {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"}


def test_the_key_serves_only_the_pipelines_services(stack):
    services = {
        s["Principal"]["Service"]: s
        for s in key_statements(stack).values()
        if "Service" in s.get("Principal", {})
    }
    region = stack.args.region
    logs = f"logs.{region}.amazonaws.com"
    assert set(services) == {
        "kinesis.amazonaws.com",
        "s3.amazonaws.com",
        "secretsmanager.amazonaws.com",
        "sns.amazonaws.com",
        "cloudwatch.amazonaws.com",
        logs,
    }
    for statement in services.values():
        assert statement["Action"] == sorted(KEY_USE_ACTIONS)
    assert services[logs]["Condition"] == {
        "ArnLike": {
            "kms:EncryptionContext:aws:logs:arn": (
                f"arn:aws:logs:{region}:{ACCOUNT_ID}:log-group:*"
            )
        }
    }


@pytest.mark.parametrize("deployment", ["stack", "pr_stack"])
def test_only_the_ingest_and_processor_roles_may_use_the_key(request, deployment):
    deployment = request.getfixturevalue(deployment)
    statements = key_statements(deployment)
    roles = statements["StackRolesUseKey"]
    assert roles["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}
    assert roles["Condition"] == {
        "ArnEquals": {
            "aws:PrincipalArn": [
                role_of(deployment, "ingest").outputs["arn"],
                role_of(deployment, "processor").outputs["arn"],
            ]
        }
    }
    assert set(statements) == {
        "AccountAdministersKey",
        "StackRolesUseKey",
        *(sid for sid in statements if sid.startswith("ServiceUsesKey")),
    }
    assert len(statements) == 8
