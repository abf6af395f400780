"""What every component needs to know about the deployment it belongs to."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_aws import get_caller_identity_output

from lib.config import ProjectSettings
from lib.naming import Namer


@dataclass(frozen=True)
class StackContext:
    """Naming, tags, region and account for one deployment, passed to every component."""

    namer: Namer
    tags: dict[str, str]
    region: str
    account_id: pulumi.Input[str]

    @classmethod
    def for_deployment(cls, settings: ProjectSettings) -> StackContext:
        """The context of the deployment ``settings`` describe, in the caller's account."""
        return cls(
            namer=Namer(settings.project, settings.environment_suffix),
            tags=settings.resource_tags,
            region=settings.region,
            account_id=get_caller_identity_output().account_id,
        )

    @property
    def logs_service(self) -> str:
        """CloudWatch Logs' service principal in this region, which encrypts log groups."""
        return f"logs.{self.region}.amazonaws.com"

    @property
    def suffix(self) -> str:
        """The environment suffix every physical name ends with."""
        return self.namer.suffix

    def arn(self, service: str, resource: str, *, regional: bool = True) -> pulumi.Output[str]:
        """The ARN of a resource of this account, known before the resource exists."""
        region = self.region if regional else ""
        return pulumi.Output.concat(
            "arn:aws:", service, ":", region, ":", self.account_id, ":", resource
        )

    @property
    def account_root(self) -> pulumi.Output[str]:
        """The account principal, which key and resource policies delegate to IAM."""
        return self.arn("iam", "root", regional=False)

    def role_arn(self, role_name: str) -> pulumi.Output[str]:
        """The ARN of a role of this account, by name."""
        return self.arn("iam", f"role/{role_name}", regional=False)
