"""Offline Pulumi mocks shared by every unit test.

``deploy`` runs a program against mocks that record every resource it declares, with the
inputs the engine would have sent to AWS, and answer the provider functions it calls. Tests
then assert on those records directly, outside any ``apply``, so every assertion really runs.
"""

from __future__ import annotations

{% if cookiecutter.stack_variant in ["serverless-api", "stream-pipeline"] %}import base64
{% endif %}import importlib
import inspect
import json
import keyword
import os
{% if cookiecutter.stack_variant in ["serverless-api", "stream-pipeline"] %}import re
{% endif %}import runpy
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from unittest.mock import {% if cookiecutter.stack_variant in ["serverless-api", "stream-pipeline"] %}MagicMock, {% endif %}patch

import pulumi
{% if cookiecutter.stack_variant in ["serverless-api", "stream-pipeline"] %}from aws_lambda_powertools import Tracer
{% endif %}from google.protobuf import json_format
from pulumi.runtime import resource as resource_runtime
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.proto import source_pb2

ACCOUNT_ID = "123456789012"
# The region Pulumi.<suffix>.yaml sets as aws:region, which the mocked provider then answers.
DEFAULT_REGION = {{ cookiecutter.aws_region | tojson }}
PARTITION = {"partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws"}
{%- if cookiecutter.stack_variant in ["serverless-api", "stream-pipeline"] %}
# The account AWS publishes the Powertools layers from, and the names of their SSM parameters.
POWERTOOLS_ACCOUNT = "017000801446"
POWERTOOLS_PARAMETER = re.compile(
    r"/aws/service/powertools/python/(?P<arch>x86_64|arm64)/python3\.(?P<minor>\d+)/"
    r"(?P<version>\d+\.\d+\.\d+|latest)"
)
# The handlers build a Powertools Tracer when imported. Outside Lambda it never sends a trace,
# yet its default provider, the X-Ray SDK, creates two AWS clients on import (a fifth of a unit
# suite's time); every Tracer in these tests shares this stand-in instead, which records calls.
TRACING = MagicMock(name="tracing provider")
Tracer(provider=TRACING, disabled=True)
{%- endif %}
PROJECT = "TapStack"
TAP_PROGRAM = Path(__file__).resolve().parents[2] / "tap.py"
{%- if cookiecutter.stack_variant in ["serverless-api", "stream-pipeline"] %}
# The account program: its own Pulumi project, one stack per account and region.
ACCOUNT_PROGRAM = TAP_PROGRAM.parent / "account" / "__main__.py"
ACCOUNT_PROJECT = "TapAccount"
{%- endif %}


@dataclass
class DeclaredResource:
    """One resource the program declared: its type token, logical name and inputs."""

    type: str
    name: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    # The resource options the engine would act on: deleteBeforeReplace, protect, retainOnDelete.
    options: dict[str, Any] = field(default_factory=dict)

    def json(self, key: str) -> Any:
        """An input that holds a JSON document (a policy, a dashboard body), parsed."""
        return json.loads(self.inputs[key])


@dataclass
class Deployment:
    """Everything one run of the program declared, with its resolved stack outputs."""

    resources: list[DeclaredResource]
    outputs: dict[str, Any] = field(default_factory=dict)
    args: Any = None  # the TapStackArgs the stack was declared with
    exports: dict[str, Any] = field(default_factory=dict)  # what tap.py exported, when it ran

    def of_type(self, type_token: str) -> list[DeclaredResource]:
        """Every resource of one type, in declaration order."""
        return [resource for resource in self.resources if resource.type == type_token]

    def one(self, type_token: str, name_contains: str = "") -> DeclaredResource:
        """The single resource of ``type_token`` whose logical name contains ``name_contains``."""
        matches = [r for r in self.of_type(type_token) if name_contains in r.name]
        assert len(matches) == 1, (
            f"expected one {type_token} named *{name_contains}*, got {[r.name for r in matches]}"
        )
        return matches[0]

    def by_id(self, resource_id: str) -> DeclaredResource:
        """The resource the mocks gave ``resource_id``."""
        return next(r for r in self.resources if r.outputs.get("id") == resource_id)


{% set functions = cookiecutter.stack_variant in ["serverless-api", "stream-pipeline"] -%}
{%- if functions -%}
@dataclass(frozen=True)
class LambdaContext:
    """What Lambda passes a handler as its context, for the attributes Powertools reads."""

    function_name: str
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    memory_limit_in_mb: int = 512

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:{self.function_name}"


def rest_api_event(
    method: str,
    path: str,
    body: str | None = None,
    *,
    resource: str | None = None,
    headers: dict[str, str] | None = None,
    base64_body: bool = False,
    base_path: str = "",
) -> dict[str, Any]:
    """An API Gateway REST API Lambda proxy event, shaped as API Gateway sends it.

    ``resource`` is the API resource that matched (the path itself when not given, as for a
    resource per route; ``/{proxy+}`` for a greedy proxy); ``base_path`` is a custom domain's
    base path mapping, which API Gateway puts in front of ``path`` but not of ``resource``.
    """
    resource = resource or path
    proxy = {"proxy": path.lstrip("/")} if resource.endswith("{proxy+}") else None
    headers = {"Content-Type": "application/json", "Origin": "https://app.example.com"} | (
        headers or {}
    )
    return {
        "resource": resource,
        "path": f"{base_path}{path}",
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": proxy,
        "stageVariables": None,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": "a1b2c3d4e5",
            "httpMethod": method,
            "path": f"{base_path or '/dev'}{path}",
            "resourcePath": resource,
            "stage": "dev",
            "requestId": "d7fe2e0c-6a4b-4f5e-9d3c-000000000001",
            "identity": {"sourceIp": "198.51.100.7", "userAgent": "pytest"},
        },
        "body": base64.b64encode(body.encode()).decode() if base64_body and body else body,
        "isBase64Encoded": base64_body,
    }


{% endif -%}
{% set stream = cookiecutter.stack_variant == "stream-pipeline" -%}
{% set ecs = cookiecutter.stack_variant == "multi-env-ecs" -%}
def _arn(type_token: str, region: str, name: str) -> str:
    service = type_token.split(":")[1].split("/", maxsplit=1)[0]
    kind = type_token.rsplit(":", 1)[-1].lower()
{%- if stream or ecs %}
    if service == "s3":
        return f"arn:aws:s3:::{name}"
{%- endif %}
    if service == "iam":
        return f"arn:aws:iam::{ACCOUNT_ID}:{kind}/{name}"
    if service == "cloudwatch" and kind == "loggroup":
        return f"arn:aws:logs:{region}:{ACCOUNT_ID}:log-group:{name}"
    if service == "sns":
        return f"arn:aws:sns:{region}:{ACCOUNT_ID}:{name}"
{%- if stream %}
    if service == "sqs":
        return f"arn:aws:sqs:{region}:{ACCOUNT_ID}:{name}"
{%- endif %}
{%- if functions %}
    if service == "lambda" and kind == "function":
        return f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{name}"
{%- endif %}
    return f"arn:aws:{service}:{region}:{ACCOUNT_ID}:{kind}/{name}"


# The inputs that ask the provider for a unique name, and the output that name lands in.
NAME_PREFIXES = {
    "namePrefix": "name",
    "clusterIdentifierPrefix": "clusterIdentifier",
    "identifierPrefix": "identifier",
}
_generated_names = iter(range(1, 10**6))


def generated_names(inputs: dict[str, Any]) -> dict[str, str]:
    """What the provider names a resource declared with a prefix: the prefix and 26 unique
    digits, a new name for every resource (and so for every replacement)."""
    return {
        output: f"{inputs[prefix]}{next(_generated_names):026d}"
        for prefix, output in NAME_PREFIXES.items()
        if prefix in inputs
    }


def _computed(
    type_token: str, name: str, inputs: dict[str, Any], region: str, stack: str = ""
) -> dict[str, Any]:
    """What AWS would compute for a new resource, for the attributes this project reads.

    Ids carry the stack's name, so two stacks declared side by side never share one.
    """
    inputs = {**inputs, **generated_names(inputs)}
    physical = inputs.get("name") or inputs.get("bucket") or name
    resource_id = f"{name}-{stack}-id" if stack else f"{name}-id"
    computed: dict[str, Any] = {
        **{key: inputs[key] for key in NAME_PREFIXES.values() if key in inputs},
        "id": resource_id,
        "arn": _arn(type_token, region, physical),
    }
    if type_token == "aws:kms/key:Key":
        computed["keyId"] = resource_id
        computed["arn"] = f"arn:aws:kms:{region}:{ACCOUNT_ID}:key/{resource_id}"
{%- if functions %}
    elif type_token == "aws:lambda/function:Function":
        computed["invokeArn"] = (
            f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/"
            f"{computed['arn']}/invocations"
        )
    elif type_token == "aws:apigateway/restApi:RestApi":
        computed["rootResourceId"] = f"{name}-root"
        computed["executionArn"] = f"arn:aws:execute-api:{region}:{ACCOUNT_ID}:{resource_id}"
    elif type_token == "aws:apigateway/stage:Stage":
        api, stage = inputs.get("restApi"), inputs.get("stageName")
        computed["invokeUrl"] = f"https://{api}.execute-api.{region}.amazonaws.com/{stage}"
        computed["executionArn"] = f"arn:aws:execute-api:{region}:{ACCOUNT_ID}:{api}/{stage}"
{%- endif %}
{%- if stream %}
    elif type_token == "aws:sqs/queue:Queue":
        computed["url"] = f"https://sqs.{region}.amazonaws.com/{ACCOUNT_ID}/{physical}"
{%- endif %}
{%- if stream or ecs %}
    elif type_token == "aws:s3/bucket:Bucket":
        computed["bucket"] = physical
        computed["bucketRegionalDomainName"] = f"{physical}.s3.{region}.amazonaws.com"
{%- endif %}
{%- if ecs %}
    elif type_token == "aws:lb/loadBalancer:LoadBalancer":
        computed["dnsName"] = f"{physical}-123.{region}.elb.amazonaws.com"
        computed["zoneId"] = "Z35SXDOTRQ7X7K"
        computed["arnSuffix"] = f"app/{physical}/0123456789abcdef"
    elif type_token == "aws:lb/targetGroup:TargetGroup":
        computed["arnSuffix"] = f"targetgroup/{physical}/0123456789abcdef"
    elif type_token == "aws:rds/cluster:Cluster":
        computed["endpoint"] = f"{physical}.cluster-abc.{region}.rds.amazonaws.com"
        computed["readerEndpoint"] = f"{physical}.cluster-ro-abc.{region}.rds.amazonaws.com"
        computed["masterUserSecrets"] = [
            {"secretArn": f"arn:aws:secretsmanager:{region}:{ACCOUNT_ID}:secret:rds!{physical}"}
        ]
        computed["clusterIdentifier"] = inputs.get("clusterIdentifier", physical)
    elif type_token == "aws:ecs/cluster:Cluster":
        computed["name"] = physical
    elif type_token == "aws:ecs/taskDefinition:TaskDefinition":
        family = inputs.get("family")
        computed["arn"] = f"arn:aws:ecs:{region}:{ACCOUNT_ID}:task-definition/{family}:1"
    elif type_token == "aws:acm/certificate:Certificate":
        domain = inputs.get("domainName")
        computed["domainValidationOptions"] = [
            {
                "domainName": domain,
                "resourceRecordName": f"_0123456789abcdef.{domain}.",
                "resourceRecordType": "CNAME",
                "resourceRecordValue": "_fedcba9876543210.acm-validations.aws.",
            }
        ]
    elif type_token == "aws:route53/record:Record":
        computed["fqdn"] = inputs.get("name")
    elif type_token == "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter":
        # An accepter is the connection it accepts, seen from the accepting side.
        computed["id"] = inputs.get("vpcPeeringConnectionId")
{%- endif %}
    return computed
{%- if ecs %}


STACK_REFERENCE = "pulumi:pulumi:StackReference"


def _zone_ids(region: str) -> list[str]:
    """The zone IDs the mocks give zones a, b, c and d: in another order than the names, as
    AWS maps names to IDs per account, and where lib/network.py lists the region, with a zone
    that cannot run Fargate."""
    from lib.network import FARGATE_ZONE_IDS  # noqa: PLC0415

    listed = sorted(FARGATE_ZONE_IDS.get(region, ()))
    prefix = listed[0].rsplit("-", 1)[0] if listed else region
    return [f"{prefix}-az{number}" for number in (4, 3, 1, 2)]
{%- endif %}


class RecordingMocks(pulumi.runtime.Mocks):
{%- if ecs %}
    """Mocks that record every declared resource and answer every provider function used.

    ``stack_outputs`` holds, by stack name (``TapStackprod``), the outputs a StackReference to
    that stack reads; a reference to any other stack fails, as it does when the stack does not
    exist.
    """
{%- else %}
    """Mocks that record every declared resource and answer every provider function used."""
{%- endif %}
{% if ecs %}
    def __init__(
        self, region: str | None = None, stack_outputs: dict[str, dict[str, Any]] | None = None
    ) -> None:
{%- else %}
    def __init__(self, region: str | None = None) -> None:
{%- endif %}
        self.profile_region = region
        self.stack = ""  # the stack being declared; deploy() sets it
        self.resources: list[DeclaredResource] = []
{%- if ecs %}
        self.stack_outputs = stack_outputs or {}
{%- endif %}
        # The options RecordingMonitor saw for each (type, name) about to be recorded.
        self.pending_options: dict[tuple[str, str], dict[str, Any]] = {}

    @property
    def region(self) -> str:
        """The region as the AWS provider resolves it: the stack config's ``aws:region``, else
        ``AWS_REGION``, else ``AWS_DEFAULT_REGION``, else the profile's (``region`` here)."""
        region = (
            pulumi.Config("aws").get("region")
            or os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
            or self.profile_region
        )
        if not region:
            raise RuntimeError("missing region: set aws:region or AWS_REGION")
        return region

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
{%- if ecs %}
        if args.typ == STACK_REFERENCE:
            return self._stack_reference(args)
{%- endif %}
        computed = _computed(args.typ, args.name, args.inputs, self.region, self.stack)
        outputs = {**args.inputs, **computed}
        for key, value in args.inputs.items():  # inputs the provider echoes win over defaults
            if key in ("name", "bucket"):
                outputs[key] = value
        options = self.pending_options.pop((args.typ, args.name), {})
        self.resources.append(
            DeclaredResource(args.typ, args.name, dict(args.inputs), outputs, options)
        )
        return outputs["id"], outputs
{%- if ecs %}

    def _stack_reference(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        target = args.inputs["name"]
        stack = target.rsplit("/", 1)[-1]
        if stack not in self.stack_outputs:
            raise ValueError(f"unknown stack {target!r}")
        outputs = {"name": target, "outputs": self.stack_outputs[stack], "secretOutputNames": []}
        self.resources.append(DeclaredResource(args.typ, args.name, dict(args.inputs), outputs))
        return target, outputs
{%- endif %}

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        region = self.region
        answers: dict[str, dict[str, Any]] = {
            "aws:index/getRegion:getRegion": {
                "region": region,
                "name": region,
                "id": region,
                "endpoint": f"ec2.{region}.amazonaws.com",
                "description": region,
            },
            "aws:index/getPartition:getPartition": {**PARTITION, "id": PARTITION["partition"]},
            "aws:index/getCallerIdentity:getCallerIdentity": {
                "accountId": ACCOUNT_ID,
                "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/test",
                "userId": "AIDATEST",
                "id": ACCOUNT_ID,
            },
{%- if ecs %}
            "aws:index/getAvailabilityZones:getAvailabilityZones": {
                "names": [f"{region}{letter}" for letter in "abcd"],
                "zoneIds": _zone_ids(region),
                "id": region,
            },
            "aws:route53/getZone:getZone": {
                "zoneId": "Z0123456789EXAMPLE",
                "name": args.args.get("name", "example.com"),
                "id": "Z0123456789EXAMPLE",
            },
{%- endif %}
        }
{%- if functions %}
        if args.token == "aws:ssm/getParameter:getParameter":
            return self._powertools_layer(args.args["name"])
{%- endif %}
        if args.token not in answers:
            raise NotImplementedError(f"no mock for provider function {args.token}")
        return answers[args.token]


{%- if functions %}

    def _powertools_layer(self, name: str) -> dict[str, Any]:
        """The public parameter AWS publishes for a Powertools layer; any other name is missing,
        as ``ssm:GetParameter`` answers ParameterNotFound."""
        published = POWERTOOLS_PARAMETER.fullmatch(name)
        if not published:
            raise NotImplementedError(f"no SSM parameter {name}")
        layer = f"AWSLambdaPowertoolsPythonV3-python3{published['minor']}-{published['arch']}"
        arn = f"arn:aws:lambda:{self.region}:{POWERTOOLS_ACCOUNT}:layer:{layer}:27"
        return {"id": name, "name": name, "type": "String", "value": arn, "insecureValue": arn}
{%- endif %}


class RecordingMonitor(MockMonitor):
    """The mock engine, noting on each recorded resource the options that decide what an
    update that replaces it, or a destroy, does."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.recording = mocks

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - the engine's naming
        trigger = None
        if request.HasField("replacement_trigger"):
            trigger = json_format.MessageToDict(request.replacement_trigger)
        self.recording.pending_options[(request.type, request.name)] = {
            "deleteBeforeReplace": request.deleteBeforeReplace,
            "protect": request.protect,
            "retainOnDelete": request.retainOnDelete,
            "replacementTrigger": trigger,
        }
        return super().RegisterResource(request)


def deploy(
    program: Callable[[], Any],
    *,
    region: str | None,
    stack: str = "dev",
    config: dict[str, str] | None = None,
    mocks: RecordingMocks | None = None,
    preview: bool = False,
    project: str = PROJECT,
) -> Deployment:
    """Run ``program`` against fresh mocks (or ``mocks``) and return what it declared.

    ``program`` may return an object with an ``outputs`` mapping (such as TapStack); those
    outputs are resolved into ``Deployment.outputs``. ``preview`` runs it as ``pulumi preview``
    would instead of as ``pulumi up``; ``project`` is the Pulumi project it runs in.
    ``region`` is the stack config's ``aws:region``; with None the config has none, and the
    provider's region comes from the environment.
    """
    mocks = mocks or RecordingMocks()
    mocks.stack = stack
    provider_config = {"aws:region": region} if region else {}
    pulumi.runtime.set_all_config({**provider_config, **(config or {})})
    # "organization" is the organization of every stack in a self-managed backend.
    pulumi.runtime.set_mocks(
        mocks,
        project=project,
        stack=stack,
        preview=preview,
        organization="organization",
        monitor=RecordingMonitor(mocks),
    )
    resolved: dict[str, Any] = {}

    @pulumi.runtime.test
    def run() -> pulumi.Output:
        outputs = getattr(program(), "outputs", {})
        return pulumi.Output.from_input(outputs).apply(resolved.update)

    # Pulumi notes where each resource was declared by walking the whole call stack, which under
    # pytest takes longer than declaring the resource; nothing reads it under mocks.
    with patch.object(resource_runtime, "_get_stack_trace", source_pb2.StackTrace):
        run()
    return Deployment(mocks.resources, resolved)


@cache
def accepts_tags(type_token: str) -> bool:
    """Whether the pulumi-aws resource behind ``type_token`` has a ``tags`` argument."""
    if not type_token.startswith("aws:"):
        return False
    _, module_path, class_name = type_token.split(":")
    module = module_path.split("/")[0]
    if keyword.iskeyword(module):
        module += "_"
    resource_class = getattr(importlib.import_module(f"pulumi_aws.{module}"), class_name)
    return "tags" in inspect.signature(resource_class._internal_init).parameters


def deploy_stack(
    suffix: str = "dev",
    region: str | None = None,
{%- if ecs %}
    stack_outputs: dict[str, dict[str, Any]] | None = None,
{%- endif %}
    **settings: Any,
) -> Deployment:
{%- if ecs %}
    """Declare the whole TapStack for ``suffix`` in ``region`` and return what it declared.

    ``stack_outputs`` answers the stack references it makes, by stack name.
    """
{%- else %}
    """Declare the whole TapStack for ``suffix`` in ``region`` and return what it declared."""
{%- endif %}
    from lib.tap_stack import TapStack, TapStackArgs  # noqa: PLC0415 - keeps this module light

    region = region or DEFAULT_REGION
    args = TapStackArgs(environment_suffix=suffix, region=region, **settings)
    deployment = deploy(
        lambda: TapStack("TapStack", args),
        region=region,
        stack=f"TapStack{suffix}",
{%- if ecs %}
        mocks=RecordingMocks(region, stack_outputs),
{%- endif %}
    )
    deployment.args = args
    return deployment


def deploy_program(
    *,
    stack: str,
    environ: dict[str, str] | None = None,
    config: dict[str, str] | None = None,
    mocks: RecordingMocks | None = None,
    region: str | None = DEFAULT_REGION,
    program_file: Path = TAP_PROGRAM,
    project: str = PROJECT,
) -> Deployment:
    """Run tap.py itself (or ``program_file`` of ``project``), as ``pulumi up`` would, with
    ``environ`` and stack ``config``.

    ``region`` is the stack config's ``aws:region`` (None: no such config). ``Deployment.exports``
    holds what the program exported and ``Deployment.args`` the settings it resolved.
    """
    region = (config or {}).get("aws:region", region)
    program_globals: dict[str, Any] = {}
    exports: dict[str, Any] = {}

    def program() -> Any:
        program_globals.update(runpy.run_path(str(program_file)))
        return program_globals["stack"]

    saved_environ = dict(os.environ)
    os.environ.pop("ENVIRONMENT_SUFFIX", None)
    os.environ.update(environ or {})
    try:
        with patch.object(pulumi, "export", exports.__setitem__):
            deployment = deploy(
                program, region=region, stack=stack, config=config, mocks=mocks, project=project
            )
    finally:
        os.environ.clear()
        os.environ.update(saved_environ)
    deployment.args = program_globals["args"]
    deployment.exports = exports
    return deployment
