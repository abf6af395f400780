"""What every component needs to know about the deployment it belongs to."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_aws import get_caller_identity, get_partition

from lib.config import ProjectSettings
from lib.naming import Namer


@dataclass(frozen=True)
class StackContext:
    """Naming, tags, region, partition and account for one deployment, passed to every component.

    The region, partition and account are the provider's, so ARNs, service principals and
    globally unique names point where the resources really are.
    """

    namer: Namer
    tags: dict[str, str]
    region: str
    account_id: pulumi.Input[str]
    partition: str = "aws"
    dns_suffix: str = "amazonaws.com"

    @classmethod
    def for_deployment(cls, settings: ProjectSettings) -> StackContext:
        """The context of the deployment ``settings`` describe, in the caller's account.

        Synchronous invokes (they work in preview and under mocks) keep the account id and the
        partition plain strings, usable in names as well as in policies.
        """
        partition = get_partition()
        account_id = get_caller_identity().account_id
        return cls(
            namer=Namer(
                settings.project,
                settings.environment_suffix,
                region=settings.region,
                account_id=account_id,
            ),
            tags=settings.resource_tags,
            region=settings.region,
            account_id=account_id,
            partition=partition.partition,
            dns_suffix=partition.dns_suffix,
        )

    def regional_service(self, service: str) -> str:
        """A service's regional name, such as ``logs.eu-west-1.amazonaws.com``: the principal of
        a regional service, and the value ``kms:ViaService`` takes for it."""
        return f"{service}.{self.region}.{self.dns_suffix}"

    @property
    def logs_service(self) -> str:
        """CloudWatch Logs' service principal in this region, which encrypts log groups."""
        return self.regional_service("logs")

    @property
    def suffix(self) -> str:
        """The environment suffix every physical name ends with."""
        return self.namer.suffix

    def arn(self, service: str, resource: str, *, regional: bool = True) -> pulumi.Output[str]:
        """The ARN of a resource of this account, known before the resource exists."""
        region = self.region if regional else ""
        return pulumi.Output.concat(
            "arn:", self.partition, ":", service, ":", region, ":", self.account_id, ":", resource
        )

    @property
    def account_root(self) -> pulumi.Output[str]:
        """The account principal, which key and resource policies delegate to IAM."""
        return self.arn("iam", "root", regional=False)

    def role_arn(self, role_name: str) -> pulumi.Output[str]:
        """The ARN of a role of this account, by name."""
        return self.arn("iam", f"role/{role_name}", regional=False)
