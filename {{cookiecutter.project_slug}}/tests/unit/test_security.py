"""Security defaults that hold for every resource of the stack, whatever it declares."""

import json

from lib.environment import tier_of
from tests.unit.mocks import Deployment

POLICY_INPUTS = {
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/policy:Policy": "policy",
    "aws:iam/role:Role": "assumeRolePolicy",
    "aws:kms/key:Key": "policy",
    "aws:sns/topicPolicy:TopicPolicy": "policy",
    "aws:s3/bucketPolicy:BucketPolicy": "policy",
    "aws:sqs/queuePolicy:QueuePolicy": "policy",
    "aws:secretsmanager/secretPolicy:SecretPolicy": "policy",
}


def policy_statements(stack: Deployment):
    """Every statement of every policy document the stack declares, with its owner's name."""
    for resource in stack.resources:
        key = POLICY_INPUTS.get(resource.type)
        if key and resource.inputs.get(key):
            for policy_statement in json.loads(resource.inputs[key])["Statement"]:
                yield resource.name, policy_statement


def as_list(value):
    return value if isinstance(value, list) else [value]


def test_no_policy_allows_a_wildcard_action(stack):
    statements = list(policy_statements(stack))
    assert statements
    for owner, policy_statement in statements:
        if policy_statement["Effect"] == "Allow":
            for action in as_list(policy_statement["Action"]):
                assert "*" not in action, f"{owner} allows {action}"


def test_no_role_has_a_managed_policy_attached(stack):
    assert not stack.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    for role in stack.of_type("aws:iam/role:Role"):
        assert not role.inputs.get("managedPolicyArns"), role.name


def test_every_log_group_is_encrypted_and_expires(stack):
    log_groups = stack.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert log_groups
    for log_group in log_groups:
        assert log_group.inputs["retentionInDays"] > 0, log_group.name
        assert log_group.inputs["kmsKeyId"].startswith("arn:aws:kms:"), log_group.name
        assert not log_group.inputs.get("skipDestroy"), log_group.name


def test_every_key_rotates_and_can_be_deleted(stack, prod_stack):
    for deployment in (stack, prod_stack):
        window = 30 if tier_of(deployment.args.environment_suffix) == "prod" else 7
        keys = deployment.of_type("aws:kms/key:Key")
        assert keys
        for key in keys:
            assert key.inputs["enableKeyRotation"] is True
            assert key.inputs["deletionWindowInDays"] == window


def test_every_key_policy_keeps_the_account_able_to_administer_the_key(stack):
    for key in stack.of_type("aws:kms/key:Key"):
        admin = next(
            s for s in key.json("policy")["Statement"] if s["Sid"] == "AccountAdministersKey"
        )
        assert admin["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
        assert "kms:PutKeyPolicy" in admin["Action"]
        assert "kms:ScheduleKeyDeletion" in admin["Action"]
        assert "kms:Decrypt" not in admin["Action"]


def test_the_alarm_topic_is_encrypted_with_a_key_cloudwatch_may_use(stack):
    topic = stack.one("aws:sns/topic:Topic")
    key = stack.by_id(topic.inputs["kmsMasterKeyId"].rsplit("/", 1)[-1])
    services = [
        s["Principal"]["Service"]
        for s in key.json("policy")["Statement"]
        if "Service" in s.get("Principal", {})
    ]
    assert "cloudwatch.amazonaws.com" in services


def test_the_alarm_topic_refuses_insecure_transport_and_admits_only_this_accounts_alarms(stack):
    policy = stack.one("aws:sns/topicPolicy:TopicPolicy").json("policy")
    statements = {s["Sid"]: s for s in policy["Statement"]}
    deny = statements["DenyInsecureTransport"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    publish = statements["CloudWatchAlarmsPublish"]
    assert publish["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert publish["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_nothing_is_retained_when_the_stack_is_destroyed(pr_stack):
    # A pull-request stack, whatever suffix was generated: prod may protect what it must keep.
    for resource in pr_stack.resources:
        assert not resource.inputs.get("skipDestroy"), resource.name
        assert not resource.inputs.get("deletionProtection"), resource.name
        assert not resource.inputs.get("enableDeletionProtection"), resource.name
        assert resource.inputs.get("forceDestroy") is not False, resource.name
        assert not resource.options["retainOnDelete"], resource.name
        assert not resource.options["protect"], resource.name
