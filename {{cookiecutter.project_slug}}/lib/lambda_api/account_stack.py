"""AccountStack: what exists once per AWS account and region, shared by every TapStack there.

The account program (``account/``, Pulumi project ``TapAccount``) declares it, one stack per
account and region, named ``<account id>-<region>``. Each piece is a component composed here,
so adding one (a CI deploy role, say) is one more line below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi

from lib.config import ProjectSettings
from lib.context import StackContext
from lib.lambda_api.api_gateway_logging import ApiGatewayLogging

# Stands for the environment suffix in the account stack's names and Environment tag: what it
# declares belongs to every environment of the account and region, so no suffix may rename it.
ACCOUNT_ENVIRONMENT = "account"


@dataclass(frozen=True)
class AccountStackArgs(ProjectSettings):
    """The shared settings (region, owner, tags), always for the ``account`` environment."""

    environment_suffix: str = ACCOUNT_ENVIRONMENT

    @classmethod
    def environment_suffix_from_config(
        cls, config: pulumi.Config, environ: Mapping[str, str]
    ) -> str:
        """Always ``account``: ENVIRONMENT_SUFFIX and the stack name must not rename anything."""
        del config, environ
        return ACCOUNT_ENVIRONMENT


class AccountStack(pulumi.ComponentResource):
    """The account's and region's shared settings: today API Gateway's CloudWatch role."""

    def __init__(
        self, name: str, args: AccountStackArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tap:account:AccountStack", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        ctx = StackContext.for_deployment(args)

        api_gateway = ApiGatewayLogging(f"{name}-apigateway-logging", ctx, opts=child)

        self.outputs: dict[str, pulumi.Input] = {
            "api_gateway_cloudwatch_role_arn": api_gateway.role_arn,
        }
        self.register_outputs(self.outputs)
