"""Offline Pulumi mocks shared by every unit test.

``deploy`` runs a program against mocks that record every resource it declares, with the
inputs the engine would have sent to AWS, and answer the provider functions it calls. Tests
then assert on those records directly, outside any ``apply``, so every assertion really runs.
"""

from __future__ import annotations

import json
import os
import runpy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pulumi
from google.protobuf import json_format
from pulumi.runtime import resource as resource_runtime
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.proto import source_pb2

from policy.model import accepts_tags  # noqa: F401 - the tests and the rules ask it alike
from tests.unit import parts

ACCOUNT_ID = "123456789012"
# The region Pulumi.<suffix>.yaml sets as aws:region, which the mocked provider then answers.
DEFAULT_REGION = {{ cookiecutter.aws_region | tojson }}
# A region the generated answers do not name, as an operator's AWS_REGION might: the shared
# pull-request stack's, which its stack config does not set (tests/unit/conftest.py).
ENVIRONMENT_REGION = "ap-southeast-5" if DEFAULT_REGION != "ap-southeast-5" else "eu-south-2"
PARTITION = {"partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws"}

PROJECT = "TapStack"
TAP_PROGRAM = Path(__file__).resolve().parents[2] / "tap.py"


@dataclass
class DeclaredResource:
    """One resource the program declared: its type token, logical name and inputs."""

    type: str
    name: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    # The resource options the engine would act on: deleteBeforeReplace, protect, retainOnDelete,
    # and dependsOn, the logical names of the resources the engine creates first.
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
    functions: frozenset[str] = frozenset()  # the provider functions the program called

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


def _arn(type_token: str, region: str, name: str) -> str:
    """The ARN of a resource of a service every variant uses, or of the common shape."""
    service = type_token.split(":")[1].split("/", maxsplit=1)[0]
    kind = type_token.rsplit(":", 1)[-1].lower()
    if service == "iam":
        return f"arn:aws:iam::{ACCOUNT_ID}:{kind}/{name}"
    if service == "cloudwatch" and kind == "loggroup":
        return f"arn:aws:logs:{region}:{ACCOUNT_ID}:log-group:{name}"
    if service == "sns":
        return f"arn:aws:sns:{region}:{ACCOUNT_ID}:{name}"
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
    """What AWS would compute for a new resource, for the attributes this project reads: the
    id and ARN here, and what the types of each folder's code get from its aws_answers.py.

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
    for answers in parts.modules("aws_answers"):
        computed |= answers.computed(type_token, name, physical, inputs, region, resource_id)
    return computed


STACK_REFERENCE = "pulumi:pulumi:StackReference"


class RecordingMocks(pulumi.runtime.Mocks):
    """Mocks that record every declared resource and answer every provider function used.

    ``stack_outputs`` holds, by stack name (``TapStackprod``), the outputs a StackReference to
    that stack reads; a reference to any other stack fails, as it does when the stack does not
    exist.
    """

    def __init__(
        self, region: str | None = None, stack_outputs: dict[str, dict[str, Any]] | None = None
    ) -> None:
        self.profile_region = region
        self.stack = ""  # the stack being declared; deploy() sets it
        self.resources: list[DeclaredResource] = []
        self.stack_outputs = stack_outputs or {}
        # The options RecordingMonitor saw for each (type, name) about to be recorded.
        self.pending_options: dict[tuple[str, str], dict[str, Any]] = {}
        self.functions: set[str] = set()  # the tokens of the provider functions called

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
        if args.typ == STACK_REFERENCE:
            return self._stack_reference(args)
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

    def _stack_reference(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        target = args.inputs["name"]
        stack = target.rsplit("/", 1)[-1]
        if stack not in self.stack_outputs:
            raise ValueError(f"unknown stack {target!r}")
        outputs = {"name": target, "outputs": self.stack_outputs[stack], "secretOutputNames": []}
        self.resources.append(DeclaredResource(args.typ, args.name, dict(args.inputs), outputs))
        return target, outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        self.functions.add(args.token)
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
        }
        if args.token in answers:
            return answers[args.token]
        for part_answers in parts.modules("aws_answers"):
            answer = part_answers.answer(args.token, args.args, region)
            if answer is not None:
                return answer
        raise NotImplementedError(f"no mock for provider function {args.token}")


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
            # The logical names of what the engine creates first (explicit and through inputs).
            "dependsOn": sorted(urn.rsplit("::", 1)[-1] for urn in request.dependencies),
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
    return Deployment(mocks.resources, resolved, functions=frozenset(mocks.functions))


def deploy_stack(
    suffix: str = "dev",
    region: str | None = None,
    stack_outputs: dict[str, dict[str, Any]] | None = None,
    **settings: Any,
) -> Deployment:
    """Declare the whole TapStack for ``suffix`` in ``region`` and return what it declared.

    ``stack_outputs`` answers the stack references it makes, by stack name.
    """
    from lib.tap_stack import TapStack, TapStackArgs  # noqa: PLC0415 - keeps this module light

    region = region or DEFAULT_REGION
    mocks = RecordingMocks(region, stack_outputs)
    # TapStackArgs asks the provider about some settings (the region's zones): it asks these
    # mocks with this region, not whatever config the program run before this one left.
    pulumi.runtime.set_all_config({"aws:region": region})
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=f"TapStack{suffix}", preview=False)
    args = TapStackArgs(environment_suffix=suffix, region=region, **settings)
    deployment = deploy(
        lambda: TapStack("TapStack", args), region=region, stack=f"TapStack{suffix}", mocks=mocks
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
