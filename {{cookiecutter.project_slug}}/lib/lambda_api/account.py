"""What this part adds to the account stack (lib/account_stack.py finds it by folder): API
Gateway's CloudWatch role, which every REST API stage of the account and region logs with."""

from __future__ import annotations

import pulumi

from lib.context import StackContext
from lib.lambda_api.api_gateway_logging import ApiGatewayLogging


def declare(name: str, ctx: StackContext, opts: pulumi.ResourceOptions) -> dict[str, pulumi.Output]:
    """Declare the part's account-wide resources under ``name``; return its stack outputs."""
    logging = ApiGatewayLogging(f"{name}-apigateway-logging", ctx, opts=opts)
    return {"api_gateway_cloudwatch_role_arn": logging.role_arn}
