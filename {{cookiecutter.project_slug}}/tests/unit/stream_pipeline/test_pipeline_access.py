"""Who may do what: every statement of every function role and of the key policy, checked whole.

A statement added, widened or pointed at another resource fails one of these tests.
"""

from lib.stream_pipeline.stream_processor import PROCESSED_PREFIX, QUARANTINE_PREFIX

DATA_SERVICES = ("kinesis", "s3", "sqs", "secretsmanager", "kms")
# What every function may do anyway; test_python_function.py checks their scope.
COMMON_SIDS = {"WriteOwnLogs", "WriteTraces"}


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
    return {s["Sid"]: summary(s) for s in statements if s["Sid"] not in COMMON_SIDS}


def summary(statement):
    """A statement's effect, actions and resources, and its condition when it has one."""
    fields = (statement["Effect"], statement["Action"], statement["Resource"])
    return (*fields, statement["Condition"]) if "Condition" in statement else fields


def via(service, stack):
    """The condition that lets a role use the key only when ``service`` calls KMS for it."""
    return {"StringEquals": {"kms:ViaService": f"{service}.{stack.args.region}.amazonaws.com"}}


def test_the_ingest_function_may_only_put_records_on_this_stream(stack):
    arn = arns(stack)
    assert own_statements(stack, "ingest") == {
        "PutEventsOnTheStream": (
            "Allow",
            ["kinesis:PutRecord", "kinesis:PutRecords"],
            [arn["stream"]],
        ),
        "EncryptWithTheStreamKey": (
            "Allow",
            ["kms:GenerateDataKey"],
            [arn["key"]],
            via("kinesis", stack),
        ),
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
        "DecryptTheStream": ("Allow", ["kms:Decrypt"], [arn["key"]], via("kinesis", stack)),
        "EncryptBatchesInTheBucket": (
            "Allow",
            ["kms:GenerateDataKey"],
            [arn["key"]],
            via("s3", stack),
        ),
        "DecryptTheSigningSecret": (
            "Allow",
            ["kms:Decrypt"],
            [arn["key"]],
            via("secretsmanager", stack),
        ),
        "EncryptDeadLetters": (
            "Allow",
            ["kms:Decrypt", "kms:GenerateDataKey"],
            [arn["key"]],
            via("sqs", stack),
        ),
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


def test_the_pipeline_key_serves_as_themselves_only_cloudwatch_logs_and_alarms(stack):
    # Kinesis, S3, Secrets Manager and SQS use the key with the caller's credentials: a grant
    # to their service principals would let any caller of theirs in any account reach it.
    statements = key_statements(stack)
    services = {
        s["Principal"]["Service"]
        for s in statements.values()
        if "Service" in s.get("Principal", {})
    }
    assert services == {f"logs.{stack.args.region}.amazonaws.com", "cloudwatch.amazonaws.com"}
    assert set(statements) == {
        "EnableIamUserPermissions",
        "LogsEncryptsLogGroups",
        "CloudWatchAlarmsPublishToEncryptedTopics",
    }


def test_every_role_uses_the_key_only_through_one_service_in_this_region(each_stack):
    # KMS: kms:ViaService holds only when that service calls KMS for the role, here.
    region = each_stack.args.region
    kms_statements = [
        (policy.name, statement)
        for policy in each_stack.of_type("aws:iam/rolePolicy:RolePolicy")
        for statement in policy.json("policy")["Statement"]
        if any(action.startswith("kms:") for action in statement["Action"])
    ]
    assert len(kms_statements) == 5
    for owner, statement in kms_statements:
        (via,) = statement["Condition"]["StringEquals"].values()
        assert via.endswith(f".{region}.amazonaws.com"), owner
        assert statement["Resource"] == [each_stack.one("aws:kms/key:Key").outputs["arn"]], owner
