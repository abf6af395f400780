"""Customer-managed KMS keys whose policies name exactly who may use them."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi_aws import kms

from lib.context import StackContext
from lib.iam import policy_document, statement

# What the account may do to manage the key: everything but using it, listed one by one.
KEY_ADMIN_ACTIONS = (
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RevokeGrant",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
)

# What a service or role needs to encrypt and decrypt with the key.
KEY_USE_ACTIONS = (
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
)


def key_policy(
    ctx: StackContext,
    *,
    service_principals: Sequence[str],
    user_role_arns: Sequence[pulumi.Input[str]] = (),
    via_services: Sequence[str] = (),
) -> pulumi.Output[str]:
    """The key policy: the account administers the key; named services and roles use it.

    ``via_services`` (such as ``rds.<region>.amazonaws.com``) lets this account's principals use
    the key, and create the grants those services need, only through those services.
    """
    statements = [
        statement(
            "AccountAdministersKey",
            KEY_ADMIN_ACTIONS,
            ["*"],
            principal={"AWS": ctx.account_root},
        )
    ]
    for service in service_principals:
        condition = None
        if service == ctx.logs_service:
            # CloudWatch Logs may use the key only for this account's log groups.
            condition = {
                "ArnLike": {"kms:EncryptionContext:aws:logs:arn": ctx.arn("logs", "log-group:*")}
            }
        sid = "ServiceUsesKey" + service.split(".")[0].title().replace("-", "")
        statements.append(
            statement(
                sid, KEY_USE_ACTIONS, ["*"], principal={"Service": service}, condition=condition
            )
        )
    if user_role_arns:
        statements.append(
            statement(
                "StackRolesUseKey",
                KEY_USE_ACTIONS,
                ["*"],
                principal={"AWS": ctx.account_root},
                condition={"ArnEquals": {"aws:PrincipalArn": list(user_role_arns)}},
            )
        )
    if via_services:
        statements.append(
            statement(
                "AccountUsesKeyThroughServices",
                (*KEY_USE_ACTIONS, "kms:CreateGrant", "kms:ListGrants"),
                ["*"],
                principal={"AWS": ctx.account_root},
                condition={
                    "StringEquals": {
                        "kms:ViaService": list(via_services),
                        "kms:CallerAccount": ctx.account_id,
                    }
                },
            )
        )
    return policy_document(statements)


class EncryptionKey(pulumi.ComponentResource):
    """A customer-managed key with rotation on, an alias and a deletion window."""

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        *,
        purpose: str,
        deletion_window_days: int,
        service_principals: Sequence[str],
        user_role_arns: Sequence[pulumi.Input[str]] = (),
        via_services: Sequence[str] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:security:EncryptionKey", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.key = kms.Key(
            f"{name}-key",
            description=f"{ctx.namer.project} {purpose} key ({ctx.suffix})",
            enable_key_rotation=True,
            deletion_window_in_days=deletion_window_days,
            policy=key_policy(
                ctx,
                service_principals=service_principals,
                user_role_arns=user_role_arns,
                via_services=via_services,
            ),
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
