"""The secret the pipeline shares with its downstream consumers, created without a value.

Operators put the value in after the first deployment, so it never appears in code, in the
generated files or in the stack's state:

    aws secretsmanager put-secret-value --secret-id <secret_arn> \
        --secret-string '{"signing_key": "<random text>"}'
"""

from __future__ import annotations

import pulumi
from pulumi_aws import secretsmanager

from lib.context import StackContext


class PipelineSecret(pulumi.ComponentResource):
    """An empty Secrets Manager secret encrypted with the stack's key."""

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        *,
        purpose: str,
        kms_key_arn: pulumi.Input[str],
        recovery_window_days: int,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:security:PipelineSecret", name, None, opts)
        self.secret = secretsmanager.Secret(
            f"{name}-secret",
            name=ctx.namer.name("secret", purpose),
            description=(
                f"{ctx.namer.project} {purpose} credentials ({ctx.suffix}); "
                'value: {"signing_key": "..."}, set by operators'
            ),
            kms_key_id=kms_key_arn,
            # 0 deletes the secret with the stack, so the same name can be deployed again at once.
            recovery_window_in_days=recovery_window_days,
            tags=ctx.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.arn = self.secret.arn
        self.register_outputs({"secret_arn": self.secret.arn})
