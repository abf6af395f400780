"""What every stack declares before its own components: the deployment's context, the
customer-managed key its logs and alarm notifications are encrypted with, and the alarm topic."""

from __future__ import annotations

import pulumi

from lib.alerting import ALARM_PUBLISHER, AlarmTopic
from lib.config import ProjectSettings
from lib.context import StackContext
from lib.encryption import EncryptionKey
from lib.tiers import Tier


class Foundation:
    """The context, the key and the alarm topic one TapStack builds on, declared as the stack's
    children under the names every variant has always used (``<stack>-key``, ``<stack>-alarms``),
    so moving a stack onto this changes no resource of a deployed one.

    Only CloudWatch Logs and CloudWatch alarms use the key as themselves; every other service
    (Kinesis, S3, Secrets Manager, SQS, Aurora) uses a key with the caller's credentials, which
    the callers' roles grant (lib/encryption.py's ``key_use_through``).
    """

    def __init__(
        self,
        stack: pulumi.ComponentResource,
        name: str,
        args: ProjectSettings,
        tier: Tier,
        *,
        key_purpose: str,
        key_name: str = "key",
    ) -> None:
        """``key_purpose`` names the key in its alias and description; ``key_name`` is its
        logical name after the stack's (``<stack>-key`` by default)."""
        self._stack = stack
        self._name = name
        self._tier = tier
        self.ctx = StackContext.for_deployment(args)
        self.key = self._key(key_name, key_purpose, [self.ctx.logs_service, ALARM_PUBLISHER])
        self.alarm_topic = AlarmTopic(
            f"{name}-alarms",
            self.ctx,
            kms_key_arn=self.key.arn,
            email=args.alarm_email,
            opts=pulumi.ResourceOptions(parent=stack),
        )

    def data_key(self, purpose: str) -> EncryptionKey:
        """A further key, ``<stack>-<purpose>-key``, that no service uses as itself: for data a
        stack keeps apart from its logs, such as a database and its secret."""
        return self._key(f"{purpose}-key", purpose, [])

    def _key(self, key_name: str, purpose: str, service_principals: list[str]) -> EncryptionKey:
        return EncryptionKey(
            f"{self._name}-{key_name}",
            self.ctx,
            purpose=purpose,
            deletion_window_days=self._tier.kms_deletion_window_days,
            service_principals=service_principals,
            opts=pulumi.ResourceOptions(parent=self._stack),
        )
