"""API Gateway's CloudWatch role: the one setting per account and region every stage logs with."""

from __future__ import annotations

import pulumi
from pulumi_aws import apigateway, iam

from lib.context import StackContext
from lib.iam import assume_role_policy, policy_document, statement

# The actions of AWS's AmazonAPIGatewayPushToCloudWatchLogs policy, granted inline on this
# account's and region's log groups only (no managed policy reaches beyond them).
API_GATEWAY_LOGGING_ACTIONS = (
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:DescribeLogGroups",
    "logs:DescribeLogStreams",
    "logs:FilterLogEvents",
    "logs:GetLogEvents",
    "logs:PutLogEvents",
)


class ApiGatewayLogging(pulumi.ComponentResource):
    """The role API Gateway writes access and execution logs with, set for the whole region.

    Every REST API stage of the account and region logs through it, whichever project owns the
    stage. Destroying this component resets the setting (pulumi-aws 7, like terraform-provider-aws
    6, resets the account settings when ``apigateway.Account`` is deleted: hashicorp/
    terraform-provider-aws#42226), so it lives in the account stack, never in an application one.
    """

    def __init__(
        self, name: str, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tap:account:ApiGatewayLogging", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # IAM names are account-wide: the namer puts the region's code in them.
        role_name = ctx.namer.name("iam_role", "apigw-cloudwatch")
        self.role = iam.Role(
            f"{name}-role",
            name=role_name,
            description=f"API Gateway writes CloudWatch logs in {ctx.region} with this role",
            assume_role_policy=assume_role_policy("apigateway.amazonaws.com"),
            tags=ctx.tags,
            opts=child,
        )
        policy = iam.RolePolicy(
            f"{name}-policy",
            name=ctx.namer.name("iam_policy", "apigw-cloudwatch"),
            role=self.role.id,
            policy=policy_document(
                [
                    statement(
                        "WriteApiGatewayLogs",
                        API_GATEWAY_LOGGING_ACTIONS,
                        [ctx.arn("logs", "log-group:*")],
                    )
                ]
            ),
            opts=child,
        )
        # API Gateway checks the role's permissions when the setting changes, so the policy
        # comes first.
        self.account = apigateway.Account(
            f"{name}-setting",
            cloudwatch_role_arn=self.role.arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        self.role_arn = self.role.arn
        self.register_outputs({"role_arn": self.role_arn})
