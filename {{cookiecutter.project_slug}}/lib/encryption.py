"""Customer-managed KMS keys whose policies delegate to the account's IAM and name exactly the
services that use the key on their own behalf."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pulumi_aws import kms

from lib.alerting import ALARM_PUBLISHER
from lib.context import StackContext
from lib.iam import policy_document, statement

# AWS's default "Enable IAM User Permissions" statement, with kms:* spelled out: every action
# that can apply to a symmetric encryption key (administration, use, grants, imported key
# material, multi-Region). The asymmetric- and HMAC-only ones (Sign, Verify, GetPublicKey,
# GenerateMac, VerifyMac, DeriveSharedSecret, Encapsulate, Decapsulate) never apply to it.
ACCOUNT_KEY_ACTIONS = (
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:CreateGrant",
    "kms:Decrypt",
    "kms:DeleteAlias",
    "kms:DeleteImportedKeyMaterial",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyPair",
    "kms:GenerateDataKeyPairWithoutPlaintext",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:GetKeyLastUsage",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:GetParametersForImport",
    "kms:ImportKeyMaterial",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:ReplicateKey",
    "kms:RetireGrant",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:SynchronizeMultiRegionKey",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
    "kms:UpdatePrimaryRegion",
)

# What CloudWatch Logs needs to encrypt and decrypt a log group's data.
KEY_USE_ACTIONS = (
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
)
# What CloudWatch needs to publish an alarm to a topic under the key (SNS encrypts as the
# publisher): https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
ALARM_PUBLISH_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")


def _service_statement(ctx: StackContext, service: str) -> dict[str, Any]:
    """The statement for a service that uses the key itself, scoped to this account's use.

    Only services that call KMS as themselves belong here. Kinesis, S3, Secrets Manager, SQS
    and RDS call it with the caller's credentials: IAM grants those (``key_use_through``).
    """
    this_account = {"aws:SourceAccount": ctx.account_id}
    if service == ctx.logs_service:
        # Only for this account's log groups in this region (the encryption context Logs sends).
        # AWS documents that context for Logs, not a source account, so IfExists never blocks.
        return statement(
            "LogsEncryptsLogGroups",
            KEY_USE_ACTIONS,
            ["*"],
            principal={"Service": service},
            condition={
                "ArnLike": {"kms:EncryptionContext:aws:logs:arn": ctx.arn("logs", "log-group:*")},
                "StringEqualsIfExists": this_account,
            },
        )
    if service == ALARM_PUBLISHER:
        return statement(
            "CloudWatchAlarmsPublishToEncryptedTopics",
            ALARM_PUBLISH_ACTIONS,
            ["*"],
            principal={"Service": service},
            condition={
                "StringEquals": this_account,
                "ArnLike": {"aws:SourceArn": ctx.arn("cloudwatch", "alarm:*")},
            },
        )
    raise ValueError(
        f"{service} has no key policy statement: a service that calls KMS with the caller's "
        "credentials needs IAM grants conditioned on kms:ViaService instead"
    )


def key_policy(ctx: StackContext, *, service_principals: Sequence[str]) -> pulumi.Output[str]:
    """The key policy: the account's IAM decides who uses the key; named services use it too.

    An IAM policy grants nothing the key policy does not delegate, so without the account
    statement no operator, pipeline or role could use the key, whatever IAM says.
    """
    statements = [
        statement(
            "EnableIamUserPermissions",
            ACCOUNT_KEY_ACTIONS,
            ["*"],
            principal={"AWS": ctx.account_root},
        ),
        *(_service_statement(ctx, service) for service in service_principals),
    ]
    return policy_document(statements)


def key_use_through(
    sid: str,
    ctx: StackContext,
    key_arn: pulumi.Input[str],
    service: str,
    actions: Sequence[str],
) -> Mapping[str, Any]:
    """An IAM statement: ``actions`` on the key, only when ``service`` (such as ``kinesis``)
    calls KMS for the role in this region, as it does with the role's own credentials."""
    return statement(
        sid,
        actions,
        [key_arn],
        condition={"StringEquals": {"kms:ViaService": ctx.regional_service(service)}},
    )


class EncryptionKey(pulumi.ComponentResource):
    """A customer-managed key with rotation on, an alias and a deletion window.

    ``service_principals`` are the services that use the key as themselves (CloudWatch Logs,
    CloudWatch alarms); the account's IAM grants everyone else.
    """

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        *,
        purpose: str,
        deletion_window_days: int,
        service_principals: Sequence[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:security:EncryptionKey", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.key = kms.Key(
            f"{name}-key",
            description=f"{ctx.namer.project} {purpose} key ({ctx.suffix})",
            enable_key_rotation=True,
            deletion_window_in_days=deletion_window_days,
            policy=key_policy(ctx, service_principals=service_principals),
            tags=ctx.tags,
            opts=child,
        )
        self.alias = kms.Alias(
            f"{name}-alias",
            name=ctx.namer.name("kms_alias", purpose),
            target_key_id=self.key.key_id,
            opts=child,
        )
        self.arn = self.key.arn
        self.register_outputs({"arn": self.key.arn, "alias_name": self.alias.name})
