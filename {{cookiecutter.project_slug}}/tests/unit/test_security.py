"""Security defaults that hold for every resource of the stack, whatever it declares."""

import json
import re

import botocore.session
import pytest

from lib.context import StackContext
from lib.encryption import ACCOUNT_KEY_ACTIONS, ALARM_PUBLISH_ACTIONS, KEY_USE_ACTIONS, key_policy
from lib.environment import tier_of
from lib.naming import Namer
from tests.unit.mocks import ACCOUNT_ID, Deployment

# The managed policies AWS publishes for a service's own role (arn:<partition>:iam::aws:policy/
# service-role/<name>).
SERVICE_ROLE_POLICY = re.compile(r"arn:aws[a-z-]*:iam::aws:policy/service-role/[A-Za-z0-9+=,.@_-]+")

# KMS operations that act on no key, and those only asymmetric or HMAC keys allow.
NOT_ON_A_KEY = {
    "ConnectCustomKeyStore",
    "CreateCustomKeyStore",
    "CreateKey",
    "DeleteCustomKeyStore",
    "DescribeCustomKeyStores",
    "DisconnectCustomKeyStore",
    "GenerateRandom",
    "ListAliases",
    "ListKeys",
    "ListRetirableGrants",
    "UpdateCustomKeyStore",
}
NOT_ON_A_SYMMETRIC_KEY = {
    "Decapsulate",
    "DeriveSharedSecret",
    "Encapsulate",
    "GenerateMac",
    "GetPublicKey",
    "Sign",
    "Verify",
    "VerifyMac",
}

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


@pytest.mark.parametrize("deployment", ["stack", "prod_stack", "pr_stack"])
def test_no_role_has_a_managed_policy_attached_but_an_aws_service_role_policy(request, deployment):
    # Inline policies scope what each role may do to this stack's resources. The one exception
    # is a policy AWS publishes for one service's own role (service-role/, e.g. RDS Enhanced
    # Monitoring's), which the service needs as AWS wrote it, attached to a role only that
    # service may assume.
    deployment = request.getfixturevalue(deployment)
    roles = {role.outputs["name"]: role for role in deployment.of_type("aws:iam/role:Role")}
    for attachment in deployment.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment"):
        policy = attachment.inputs["policyArn"]
        assert SERVICE_ROLE_POLICY.fullmatch(policy), f"{attachment.name} attaches {policy}"
        (trust,) = roles[attachment.inputs["role"]].json("assumeRolePolicy")["Statement"]
        assert list(trust["Principal"]) == ["Service"], attachment.name
    for role in roles.values():
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


def key_statements(key):
    return key.json("policy")["Statement"]


def test_every_key_policy_starts_by_delegating_the_key_to_the_accounts_iam(each_stack):
    # KMS: an IAM policy grants nothing the key policy does not delegate; this statement lets
    # IAM grant operators, pipelines and the stack's roles what they need.
    keys = each_stack.of_type("aws:kms/key:Key")
    assert keys
    for key in keys:
        delegation = key_statements(key)[0]
        assert delegation == {
            "Sid": "EnableIamUserPermissions",
            "Effect": "Allow",
            "Action": sorted(ACCOUNT_KEY_ACTIONS),
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
            "Resource": ["*"],
        }


def test_the_account_statement_spells_out_every_kms_action_on_a_symmetric_key():
    # kms:* without the wildcard: every operation botocore knows that acts on such a key.
    operations = set(botocore.session.get_session().get_service_model("kms").operation_names)
    assert {"Decrypt", "CreateGrant", "PutKeyPolicy"} <= operations
    expected = {f"kms:{op}" for op in operations - NOT_ON_A_KEY - NOT_ON_A_SYMMETRIC_KEY}
    # ReEncrypt is one operation that needs two permissions.
    expected = expected - {"kms:ReEncrypt"} | {"kms:ReEncryptFrom", "kms:ReEncryptTo"}
    assert expected <= set(ACCOUNT_KEY_ACTIONS)
    assert not {a.removeprefix("kms:") for a in ACCOUNT_KEY_ACTIONS} & (
        NOT_ON_A_KEY | NOT_ON_A_SYMMETRIC_KEY
    )


def service_statements(key):
    return {
        s["Principal"]["Service"]: s
        for s in key_statements(key)
        if "Service" in s.get("Principal", {})
    }


def test_only_services_that_use_a_key_as_themselves_are_named_in_its_policy(each_stack):
    # Kinesis, S3, Secrets Manager, SQS and RDS use a key with the caller's credentials
    # (kms:ViaService): the account statement and IAM cover them, no service grant does.
    region = each_stack.args.region
    for key in each_stack.of_type("aws:kms/key:Key"):
        services = service_statements(key)
        assert set(services) <= {f"logs.{region}.amazonaws.com", "cloudwatch.amazonaws.com"}
        assert len(key_statements(key)) == 1 + len(services)


def test_a_service_that_uses_the_callers_credentials_gets_no_key_policy_statement():
    ctx = StackContext(Namer("shop", "dev"), {}, "eu-west-1", ACCOUNT_ID)
    with pytest.raises(ValueError, match="needs IAM grants conditioned on kms:ViaService"):
        key_policy(ctx, service_principals=["kinesis.amazonaws.com"])


def test_cloudwatch_logs_may_use_a_key_only_for_this_accounts_log_groups_here(each_stack):
    # KMS: CloudWatch Logs sends the log group's ARN as encryption context.
    region = each_stack.args.region
    logs_keys = 0
    for key in each_stack.of_type("aws:kms/key:Key"):
        logs = service_statements(key).get(f"logs.{region}.amazonaws.com")
        if logs:
            logs_keys += 1
            assert logs["Action"] == sorted(KEY_USE_ACTIONS)
            assert logs["Condition"] == {
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": (
                        f"arn:aws:logs:{region}:{ACCOUNT_ID}:log-group:*"
                    )
                },
                "StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT_ID},
            }
    assert logs_keys == 1


def test_the_alarm_topic_is_encrypted_with_a_key_only_this_accounts_alarms_may_use(stack):
    # SNS: a service that publishes to an encrypted topic needs the key itself; aws:SourceAccount
    # and aws:SourceArn keep another account's alarms (a confused deputy) from using it.
    topic = stack.one("aws:sns/topic:Topic")
    key = stack.by_id(topic.inputs["kmsMasterKeyId"].rsplit("/", 1)[-1])
    publisher = service_statements(key)["cloudwatch.amazonaws.com"]
    assert publisher["Action"] == sorted(ALARM_PUBLISH_ACTIONS)
    assert publisher["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT_ID},
        "ArnLike": {
            "aws:SourceArn": f"arn:aws:cloudwatch:{stack.args.region}:{ACCOUNT_ID}:alarm:*"
        },
    }


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
        # A boolean, or Cognito's ACTIVE / INACTIVE.
        assert resource.inputs.get("deletionProtection") in (None, False, "INACTIVE"), resource.name
        assert not resource.inputs.get("enableDeletionProtection"), resource.name
        assert resource.inputs.get("forceDestroy") is not False, resource.name
        assert not resource.options["retainOnDelete"], resource.name
        assert not resource.options["protect"], resource.name
