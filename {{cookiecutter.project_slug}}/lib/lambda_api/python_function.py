"""A Python Lambda function with its own role, its own log group and nothing more than it needs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi_aws import iam, lambda_, ssm

from lib.alarms import AlarmSpec
from lib.context import StackContext
from lib.iam import assume_role_policy, policy_document, statement
from lib.log_group import encrypted_log_group

RUNTIME = "python3.13"
# Graviton: the same work for less than x86_64 costs; the handlers are pure Python.
ARCHITECTURE = "arm64"
# Powertools for AWS Lambda comes from AWS's layer, never from the code archive; the generated
# requirements-dev.txt pins the same release (tests/unit/test_python_function.py checks it).
POWERTOOLS_VERSION = "3.37.0"
# AWS publishes each release's layer ARN, per region, architecture and runtime, under this public
# parameter (Powertools docs, "Lambda layers"; powertools-lambda-python#7689 quotes the format).
POWERTOOLS_LAYER_PARAMETER = (
    f"/aws/service/powertools/python/{ARCHITECTURE}/{RUNTIME}/{POWERTOOLS_VERSION}"
)
# Alarm before a function is cut off: at 80% of its timeout, or of a caller's sooner limit.
DURATION_ALARM_FRACTION = 0.8
# Pulumi runs the program from the project folder, so asset paths stay relative to it.
FUNCTIONS_DIR = Path("functions")


@dataclass(frozen=True)
class PythonFunctionArgs:
    """How one function is built, sized and allowed to act."""

    purpose: str
    source: str  # a folder under functions/
    handler: str
    memory_mb: int
    timeout_seconds: int
    log_retention_days: int
    kms_key_arn: pulumi.Input[str]
    enable_xray: bool
    metric_namespace: str
    log_level: str = "INFO"
    # Concurrent executions kept for this function alone, which are also its most; None leaves
    # it in the account's unreserved pool (each tier table says which, lib/tiers.py why).
    reserved_concurrency: int | None = None
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    statements: Sequence[Mapping[str, Any]] = ()


class PythonFunction(pulumi.ComponentResource):
    """The function (its environment under ``args.kms_key_arn``, as its logs are), its log group
    (created first, so Lambda never creates one without retention) and an execution role whose
    inline policy grants exactly what ``args.statements`` add to writing its own logs and
    traces. Metrics go into the logs in CloudWatch's embedded metric format, so they need no
    CloudWatch permission and can never fail a request."""

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        args: PythonFunctionArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:compute:PythonFunction", name, None, opts)
        self.purpose = args.purpose
        self.timeout_seconds = args.timeout_seconds
        child = pulumi.ResourceOptions(parent=self)
        self.function_name = ctx.namer.name("lambda_function", args.purpose)
        self.log_group = encrypted_log_group(
            f"{name}-logs",
            ctx,
            name=ctx.namer.log_group("lambda", self.function_name),
            retention_days=args.log_retention_days,
            kms_key_arn=args.kms_key_arn,
            opts=child,
        )
        self.role = iam.Role(
            f"{name}-role",
            name=ctx.namer.name("iam_role", args.purpose),
            assume_role_policy=assume_role_policy("lambda.amazonaws.com"),
            tags=ctx.tags,
            opts=child,
        )
        self.role_policy = iam.RolePolicy(
            f"{name}-policy",
            name=ctx.namer.name("iam_policy", args.purpose),
            role=self.role.id,
            policy=policy_document(self._statements(args)),
            opts=child,
        )
        self.function = lambda_.Function(
            f"{name}-function",
            name=self.function_name,
            runtime=RUNTIME,
            architectures=[ARCHITECTURE],
            layers=[ssm.get_parameter_output(name=POWERTOOLS_LAYER_PARAMETER).value],
            handler=args.handler,
            code=pulumi.FileArchive(str(FUNCTIONS_DIR / args.source)),
            role=self.role.arn,
            memory_size=args.memory_mb,
            timeout=args.timeout_seconds,
            # Unset, the provider's -1: no reservation.
            reserved_concurrent_executions=args.reserved_concurrency,
            # The environment at rest under the stack's key, not Lambda's AWS managed one. Lambda
            # gives the execution role a grant on the key when it creates or updates the function,
            # with the deployer's own permission to use the key (the key policy delegates to IAM).
            kms_key_arn=args.kms_key_arn,
            environment=lambda_.FunctionEnvironmentArgs(
                variables={
                    "ENVIRONMENT": ctx.suffix,
                    "REGION": ctx.region,
                    "FUNCTION_NAME": self.function_name,
                    "LOG_LEVEL": args.log_level,
                    # What Powertools' Logger, Metrics and Tracer read.
                    "POWERTOOLS_SERVICE_NAME": args.purpose,
                    "POWERTOOLS_METRICS_NAMESPACE": args.metric_namespace,
                    "POWERTOOLS_LOG_LEVEL": args.log_level,
                    **({} if args.enable_xray else {"POWERTOOLS_TRACE_DISABLED": "true"}),
                    **args.environment,
                }
            ),
            tracing_config=lambda_.FunctionTracingConfigArgs(
                mode="Active" if args.enable_xray else "PassThrough"
            ),
            logging_config=lambda_.FunctionLoggingConfigArgs(
                log_format="JSON", log_group=self.log_group.name
            ),
            tags=ctx.tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.log_group, self.role_policy]),
        )
        self.arn = self.function.arn
        self.register_outputs(
            {
                "function_name": self.function.name,
                "function_arn": self.function.arn,
                "log_group_name": self.log_group.name,
                "role_arn": self.role.arn,
            }
        )

    def alarm_specs(
        self, error_threshold: float, *, duration_limit_seconds: float | None = None
    ) -> list[AlarmSpec]:
        """What says this function is unwell: errors, any throttling, or runs near its limit.

        The limit is its timeout, or ``duration_limit_seconds`` when that is sooner: a caller
        that gives up earlier (API Gateway's integration timeout) fails its client first.
        """
        dims = {"FunctionName": self.function.name}
        what = f"{self.purpose} function"
        limit_seconds, limit = self.timeout_seconds, "its timeout"
        if duration_limit_seconds is not None and duration_limit_seconds < limit_seconds:
            limit_seconds, limit = duration_limit_seconds, "its caller's timeout"
        near_limit_ms = limit_seconds * 1000 * DURATION_ALARM_FRACTION
        return [
            AlarmSpec(
                f"{self.purpose}-errors",
                f"{what} errors",
                "AWS/Lambda",
                "Errors",
                "Sum",
                error_threshold,
                dims,
            ),
            AlarmSpec(
                f"{self.purpose}-throttles",
                f"{what} throttles",
                "AWS/Lambda",
                "Throttles",
                "Sum",
                1,
                dims,
            ),
            AlarmSpec(
                f"{self.purpose}-duration",
                f"{what} duration near {limit} ({limit_seconds:g} s)",
                "AWS/Lambda",
                "Duration",
                "Maximum",
                near_limit_ms,
                dims,
            ),
        ]

    def _statements(self, args: PythonFunctionArgs) -> list[Mapping[str, Any]]:
        statements: list[Mapping[str, Any]] = [
            statement(
                "WriteOwnLogs",
                ["logs:CreateLogStream", "logs:PutLogEvents"],
                [pulumi.Output.concat(self.log_group.arn, ":*")],
            ),
        ]
        if args.enable_xray:
            # X-Ray has no resource-level permissions: the resource must be "*".
            statements.append(
                statement(
                    "WriteTraces", ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"]
                )
            )
        return statements + list(args.statements)
