"""A generated program's deployment replayed into moto: what ``pulumi up`` creates, read from
the program itself rather than written again here.

``plan`` runs ``tap.py`` once under the project's own Pulumi mocks (tests/unit/mocks.py), with
the stack's config file (``Pulumi.TapStack<suffix>.yaml``) and any extra config, which record
every resource with the inputs ``pulumi up`` would send to AWS; ``plan_account`` does the same
for the account program (``account/``) on its stack ``<account id>-<region>``. ``replay`` then
creates each recorded resource in moto with the one creator ``CREATORS`` holds for its type
token, swapping the mocks' placeholder ids, ARNs and endpoints for the ones moto hands out
(``Translation``) in every later input and in the stack outputs.

Resources are created in the order the mocks recorded them, which is a dependency order: the
engine registers a resource only once its inputs have resolved and its ``depends_on`` and
parent are registered, so whatever a resource needs was recorded, and is created, before it.

Every recorded type is either created or listed in ``SKIPPED`` with the reason it is not (the
program's own components, ``tap:<module>:<Name>``, own no AWS resource: their children do).
Any other type stops the replay before anything is created (``UnknownResourceType``), so a
resource added to a stack can never be silently left out of its emulation.

What moto cannot do or does differently, and how the replay copes:

- Bucket policies: moto ignores conditions, so it would apply a TLS-only Deny
  (``aws:SecureTransport`` false) to every request, and no object could be written; from the
  first replay on, moto's bucket-policy check leaves such statements out (the stack's own
  calls use TLS on AWS; here the loopback endpoint stands in for HTTPS).
- Alarm dimensions: Pulumi declares them as a map, PutMetricAlarm takes a list of name-value
  pairs; metric-math queries are reshaped the same way.
- Lambda functions are created without their layers (AWS publishes the Powertools layer from
  its own account, which moto does not hold); no function runs in moto, which would need
  Docker. The variant modules run the handlers in this process instead.
- API stages: moto stores them but serves nothing; the variant modules put a loopback server
  behind each stage's invoke URL.
- ECS services: moto reports as many running tasks as MOTO_ECS_SERVICE_RUNNING says when the
  service is created; the ECS variant module sets it once its stand-in passes the health check.
- Security groups: moto, as AWS, gives a new group an allow-all egress rule; as the provider
  does, the replay revokes it, so the group has only the rules the program declares. A VPC's
  default group is adopted, as the provider adopts it: its rules are revoked.
- AWS managed policies: moto holds them only when told to at start, which makes every reset
  take seconds; the replay gives moto's IAM (which runs in this process) each one a role
  attaches, from moto's own copy of those AWS publishes.

And one of the mocks: they give two resources of different types with one logical name the
same placeholder id (a route table and its association, say). A placeholder stands for one
thing only, so a second meaning fails loudly (``Translation.learn``), and the association's
creator learns no id (nothing takes an association's id).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from moto.core import DEFAULT_ACCOUNT_ID as MOTO_ACCOUNT
from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.models import AWSManagedPolicy, iam_backends
from moto.s3.models import FakeBucket

from tests.emulated import EmulatedAws, zipped

# Runs in the generated project: tap.py (or account/__main__.py, with the account program's
# Pulumi project) under its own mocks, every declared resource as JSON.
PLAN_PROGRAM = """
import json, sys
from tests.unit.mocks import TAP_PROGRAM, deploy_program

program = TAP_PROGRAM.parent / sys.argv[4]
deployment = deploy_program(
    stack=sys.argv[1], config=json.loads(sys.argv[2]), program_file=program, project=sys.argv[5]
)
plan = {
    "resources": [
        {"type": r.type, "name": r.name, "inputs": r.inputs, "outputs": r.outputs}
        for r in deployment.resources
    ],
    "outputs": deployment.outputs,
}
with open(sys.argv[3], "w") as out:
    json.dump(plan, out, default=lambda value: getattr(value, "path", None) or repr(value))
"""
_PLANS: dict[str, dict] = {}
# The package of the program's own ComponentResources (``tap:<module>:<Name>``).
COMPONENT_PACKAGE = "tap"

# Pulumi input names whose AWS API spelling is not simply the name with a capital first letter.
API_NAMES = {
    "id": "ID",
    "sseAlgorithm": "SSEAlgorithm",
    "kmsMasterKeyId": "KMSMasterKeyID",
    "cloudwatchMetricsEnabled": "CloudWatchMetricsEnabled",
}

Plan = dict[str, Any]
Creator = Callable[["Replay", dict[str, Any], dict[str, Any]], None]
# Wraps the creation of one type: called with the resource's translated inputs.
Around = Callable[[dict[str, Any]], AbstractContextManager[Any]]

CREATORS: dict[str, Creator] = {}
SKIPPED: dict[str, str] = {
    "aws:lambda/eventSourceMapping:EventSourceMapping": (
        "moto would run the function in Docker for every batch; stream_pipeline.StreamMapping "
        "polls the stream and invokes the handler in this process instead"
    ),
    "aws:s3/bucketNotification:BucketNotification": (
        "moto would run the function in Docker for every new object; "
        "stream_pipeline.StreamMapping sends the ObjectCreated events instead"
    ),
}


class UnknownResourceType(Exception):
    """The plan declares a type the replayer neither creates nor skips."""


class ReplayError(Exception):
    """moto refused a resource the plan declares."""


def creates(type_token: str) -> Callable[[Creator], Creator]:
    """Register the creator of ``type_token``: one per type."""

    def register(creator: Creator) -> Creator:
        if type_token in CREATORS or type_token in SKIPPED:
            raise AssertionError(f"{type_token} already has a creator or is skipped")
        CREATORS[type_token] = creator
        return creator

    return register


def _number(text: str) -> int | float:
    """Pulumi sends every number as a float; AWS wants integers where they are whole."""
    value = float(text)
    return int(value) if value.is_integer() else value


def stack_config(project: Path, suffix: str) -> dict[str, str]:
    """The config of stack ``TapStack<suffix>`` as ``pulumi up`` reads it from its file,
    values that are not strings as JSON (as ``pulumi config set --path`` stores objects)."""
    path = project / f"Pulumi.TapStack{suffix}.yaml"
    values = (yaml.safe_load(path.read_text()) or {}).get("config", {}) if path.is_file() else {}
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}


# The account program (account/): its Pulumi project, and its stack of an account and region.
ACCOUNT_PROGRAM = "account/__main__.py"
ACCOUNT_PROJECT = "TapAccount"
EMULATED_ACCOUNT_ID = "123456789012"  # the account the project's mocks and moto both answer


def _program_files(project: Path) -> list[Path]:
    """What decides the plan: the programs, their library and its data, and the unit-test
    package whose mocks they run under."""
    return sorted(
        [
            project / "tap.py",
            *project.glob("account/*.py"),
            *project.glob("lib/**/*.py"),
            *project.glob("lib/**/*.toml"),
            *project.glob("tests/unit/**/*.py"),
        ]
    )


def plan(project: Path, suffix: str, config: Mapping[str, str] | None = None) -> Plan:
    """What ``pulumi up`` of ``project`` on stack ``TapStack<suffix>`` declares, per resource,
    with the stack's config file and ``config`` on top of it.

    The same program and config give the same plan, so it is computed once per content of the
    program (tap.py, lib/**/*.py, the mocks in tests/unit) and config.
    """
    settings = {**stack_config(project, suffix), **(config or {})}
    return _plan(project, f"TapStack{suffix}", settings, "tap.py", "TapStack")


def plan_account(project: Path, region: str, config: Mapping[str, str] | None = None) -> Plan:
    """What ``scripts/deploy_account.sh`` deploys: the account program on its stack
    ``<account id>-<region>``, with ``config`` (``TapAccount:<key>``)."""
    settings = {"aws:region": region, **(config or {})}
    stack = f"{EMULATED_ACCOUNT_ID}-{region}"
    return _plan(project, stack, settings, ACCOUNT_PROGRAM, ACCOUNT_PROJECT)


def _plan(
    project: Path, stack: str, settings: Mapping[str, str], program: str, pulumi_project: str
) -> Plan:
    """``program`` of ``pulumi_project`` on ``stack`` with ``settings``, under the mocks."""
    digest = hashlib.sha256(json.dumps([stack, program, settings], sort_keys=True).encode())
    for path in _program_files(project):
        digest.update(path.relative_to(project).as_posix().encode() + b"\0" + path.read_bytes())
    key = digest.hexdigest()
    if key not in _PLANS:
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "plan.json"
            result = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    PLAN_PROGRAM,
                    stack,
                    json.dumps(settings),
                    str(out),
                    program,
                    pulumi_project,
                ],
                cwd=project,
                env={
                    **os.environ,
                    "PYTHONDONTWRITEBYTECODE": "1",
                    # The program writes its outputs file after an up; not into the project.
                    "TAP_OUTPUTS_FILE": str(Path(folder) / "flat-outputs.json"),
                },
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise RuntimeError(f"the program did not run under mocks:\n{result.stderr}")
            _PLANS[key] = {
                **json.loads(out.read_text(), parse_float=_number),
                "config": dict(settings),
            }
    return _PLANS[key]


def api_shape(value: Any) -> Any:
    """Pulumi's camelCase inputs in the PascalCase the AWS APIs take."""
    if isinstance(value, dict):
        return {API_NAMES.get(k, k[:1].upper() + k[1:]): api_shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [api_shape(item) for item in value]
    return value


def _present(**values: Any) -> dict[str, Any]:
    """The keyword arguments that have a value (boto3 refuses None)."""
    return {key: value for key, value in values.items() if value is not None}


class Translation:
    """The mocks' placeholder ids, ARNs and URLs, and what moto gave each resource instead."""

    def __init__(self) -> None:
        self._real: dict[str, str] = {}
        self._pattern: re.Pattern | None = None

    def learn(self, mock: Any, real: Any) -> None:
        """``real`` stands for ``mock`` from now on; a placeholder stands for one thing only."""
        if not isinstance(mock, str) or not mock or mock == real:
            return
        if self._real.get(mock, str(real)) != str(real):
            raise AssertionError(
                f"the mocks gave two resources the placeholder {mock!r} (the same logical name "
                f"for two types): it stands for {self._real[mock]!r} and {real!r}"
            )
        self._real[mock] = str(real)
        self._pattern = None

    def __call__(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {key: self(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self(item) for item in value]
        if not isinstance(value, str) or not self._real:
            return value
        if self._pattern is None:  # longest first: an ARN is replaced before the id inside it
            mocks = sorted(self._real, key=len, reverse=True)
            self._pattern = re.compile("|".join(map(re.escape, mocks)))
        return self._pattern.sub(lambda match: self._real[match.group()], value)


@dataclass
class Replay:
    """One replay in progress: the emulated account, the plan, and what moto named each thing."""

    project: Path
    aws: EmulatedAws
    planned: Plan
    translate: Translation = field(default_factory=Translation)
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    def client(self, service: str) -> Any:
        """A boto3 client of the emulated account, one per service (creating one takes longer
        than most calls)."""
        if service not in self._clients:
            self._clients[service] = self.aws.client(service)
        return self._clients[service]

    def learn(self, mock: Any, real: Any) -> None:
        """``real`` is what moto gave the resource the mocks called ``mock``."""
        self.translate.learn(mock, real)

    def inputs(self, resource: Mapping[str, Any]) -> dict[str, Any]:
        """A resource's inputs with every placeholder known so far translated, tags left out."""
        return {k: v for k, v in self.translate(resource["inputs"]).items() if k != "tags"}

    def of_type(self, token: str) -> list[tuple[dict, dict]]:
        """(translated inputs, mock outputs) of every resource of ``token``, in plan order."""
        return [
            (self.inputs(r), r["outputs"]) for r in self.planned["resources"] if r["type"] == token
        ]

    def outputs(self) -> dict[str, Any]:
        """The stack outputs, with what moto and the stand-ins gave instead of placeholders."""
        return self.translate(self.planned["outputs"])


def is_component(type_token: str) -> bool:
    """Whether ``type_token`` is one of the program's ComponentResources."""
    return type_token.split(":", 1)[0] == COMPONENT_PACKAGE


def unreplayable(planned: Plan) -> list[str]:
    """Every resource of the plan whose type is neither created nor skipped, one line each."""
    return [
        f"{resource['type']} (resource {resource['name']})"
        for resource in planned["resources"]
        if resource["type"] not in CREATORS
        and resource["type"] not in SKIPPED
        and not is_component(resource["type"])
    ]


def replay(
    project: Path,
    aws: EmulatedAws,
    planned: Plan,
    *,
    known: Mapping[str, str] | None = None,
    around: Mapping[str, Around] | None = None,
) -> Replay:
    """Create every resource of ``planned`` in ``aws``; return the replay to read it back.

    ``known`` maps values the program was given (a stand-in's id in its config) to what moto
    calls them; ``around`` wraps the creation of a type, for stand-ins that must be ready then.
    """
    unknown = unreplayable(planned)
    if unknown:
        raise UnknownResourceType(
            "the plan declares resource types tests/emulated/replay.py neither creates nor "
            "skips (add a creator to CREATORS, or the type to SKIPPED with why): "
            + "; ".join(unknown)
        )
    state = Replay(project, aws, planned)
    for mock, real in (known or {}).items():
        state.learn(mock, real)
    # From here on, for the stand-ins too: they write objects after the replay.
    FakeBucket.get_permission = _bucket_permission_over_tls
    for resource in planned["resources"]:
        creator = CREATORS.get(resource["type"])
        if creator is None:
            continue
        inputs = state.inputs(resource)
        wrap = (around or {}).get(resource["type"], lambda _: contextlib.nullcontext())
        try:
            with wrap(inputs):
                creator(state, inputs, resource["outputs"])
        except Exception as error:
            raise ReplayError(f"{resource['type']} {resource['name']}: {error}") from error
    return state


def replay_stack(
    project: Path,
    aws: EmulatedAws,
    suffix: str,
    *,
    config: Mapping[str, str] | None = None,
    known: Mapping[str, str] | None = None,
    around: Mapping[str, Around] | None = None,
) -> Replay:
    """``pulumi up`` of stack ``TapStack<suffix>`` (its config file, then ``config``) in moto."""
    planned = plan(project, suffix, config)
    region = planned["config"].get("aws:region")
    if region != aws.region:
        raise ValueError(f"stack TapStack{suffix} deploys to {region}, not {aws.region}")
    return replay(project, aws, planned, known=known, around=around)


# --- what moto cannot evaluate --------------------------------------------------------------

# A statement that denies requests over plain HTTP: it never applies to the stack's own calls,
# which use TLS against AWS (here the loopback endpoint stands in for HTTPS).
TLS_ONLY = {"Bool": {"aws:SecureTransport": "false"}}


def _bucket_permission_over_tls(bucket: Any, action: str, resource: str) -> Any:
    """moto's bucket-policy check, for a request made over TLS.

    moto ignores conditions, so it would apply a TLS-only Deny to every object request; it
    only evaluates the bucket's other statements.
    """
    from moto.iam.access_control import IAMPolicy, PermissionResult  # noqa: PLC0415

    if bucket.policy is None:
        return PermissionResult.NEUTRAL
    document = json.loads(bucket.policy)
    statements = document["Statement"]
    statements = [statements] if isinstance(statements, dict) else statements
    kept = [statement for statement in statements if statement.get("Condition") != TLS_ONLY]
    if not kept:
        return PermissionResult.NEUTRAL
    return IAMPolicy(json.dumps({**document, "Statement": kept})).is_action_permitted(
        action, resource
    )


# --- KMS, SNS, SQS, Secrets Manager ---------------------------------------------------------


@creates("aws:kms/key:Key")
def _kms_key(run: Replay, inputs: dict, mock: dict) -> None:
    kms = run.client("kms")
    key = kms.create_key(
        **_present(Description=inputs.get("description"), Policy=inputs.get("policy"))
    )["KeyMetadata"]
    if inputs.get("enableKeyRotation"):
        kms.enable_key_rotation(KeyId=key["KeyId"])
    run.learn(mock["arn"], key["Arn"])
    run.learn(mock["id"], key["KeyId"])


@creates("aws:kms/alias:Alias")
def _kms_alias(run: Replay, inputs: dict, _: dict) -> None:
    run.client("kms").create_alias(AliasName=inputs["name"], TargetKeyId=inputs["targetKeyId"])


@creates("aws:sns/topic:Topic")
def _topic(run: Replay, inputs: dict, mock: dict) -> None:
    attributes = _present(KmsMasterKeyId=inputs.get("kmsMasterKeyId"))
    topic = run.client("sns").create_topic(Name=inputs["name"], Attributes=attributes)
    run.learn(mock["arn"], topic["TopicArn"])
    run.learn(mock["id"], topic["TopicArn"])  # a topic's id is its ARN


@creates("aws:sns/topicPolicy:TopicPolicy")
def _topic_policy(run: Replay, inputs: dict, _: dict) -> None:
    run.client("sns").set_topic_attributes(
        TopicArn=inputs["arn"], AttributeName="Policy", AttributeValue=inputs["policy"]
    )


@creates("aws:sns/topicSubscription:TopicSubscription")
def _subscription(run: Replay, inputs: dict, _: dict) -> None:
    run.client("sns").subscribe(
        TopicArn=inputs["topic"], Protocol=inputs["protocol"], Endpoint=inputs["endpoint"]
    )


@creates("aws:sqs/queue:Queue")
def _queue(run: Replay, inputs: dict, mock: dict) -> None:
    attributes = _present(
        KmsMasterKeyId=inputs.get("kmsMasterKeyId"),
        KmsDataKeyReusePeriodSeconds=inputs.get("kmsDataKeyReusePeriodSeconds"),
        MessageRetentionPeriod=inputs.get("messageRetentionSeconds"),
        VisibilityTimeout=inputs.get("visibilityTimeoutSeconds"),
    )
    url = run.client("sqs").create_queue(
        QueueName=inputs["name"], Attributes={key: str(value) for key, value in attributes.items()}
    )["QueueUrl"]
    run.learn(mock["url"], url)
    run.learn(mock["id"], url)  # a queue's id is its URL


@creates("aws:sqs/queuePolicy:QueuePolicy")
def _queue_policy(run: Replay, inputs: dict, _: dict) -> None:
    run.client("sqs").set_queue_attributes(
        QueueUrl=inputs["queueUrl"], Attributes={"Policy": inputs["policy"]}
    )


@creates("aws:secretsmanager/secret:Secret")
def _secret(run: Replay, inputs: dict, mock: dict) -> None:
    arn = run.client("secretsmanager").create_secret(
        **_present(
            Name=inputs["name"],
            Description=inputs.get("description"),
            KmsKeyId=inputs.get("kmsKeyId"),
        )
    )["ARN"]
    run.learn(mock["arn"], arn)
    run.learn(mock["id"], arn)  # a secret's id is its ARN


# --- Kinesis and S3 -------------------------------------------------------------------------


@creates("aws:kinesis/stream:Stream")
def _stream(run: Replay, inputs: dict, mock: dict) -> None:
    kinesis = run.client("kinesis")
    mode = inputs["streamModeDetails"]["streamMode"]
    shards = {"ShardCount": inputs["shardCount"]} if mode == "PROVISIONED" else {}
    name = inputs["name"]
    kinesis.create_stream(StreamName=name, StreamModeDetails={"StreamMode": mode}, **shards)
    if inputs.get("encryptionType") == "KMS":
        kinesis.start_stream_encryption(
            StreamName=name, EncryptionType="KMS", KeyId=inputs["kmsKeyId"]
        )
    if inputs.get("retentionPeriod", 24) > 24:  # a new stream keeps records 24 hours
        kinesis.increase_stream_retention_period(
            StreamName=name, RetentionPeriodHours=inputs["retentionPeriod"]
        )
    summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    run.learn(mock["arn"], summary["StreamARN"])
    run.learn(mock["id"], summary["StreamARN"])  # a stream's id is its ARN


@creates("aws:s3/bucket:Bucket")
def _bucket(run: Replay, inputs: dict, mock: dict) -> None:
    where = {}
    if run.aws.region != "us-east-1":
        where = {"CreateBucketConfiguration": {"LocationConstraint": run.aws.region}}
    run.client("s3").create_bucket(Bucket=inputs["bucket"], **where)
    run.learn(mock["id"], inputs["bucket"])  # a bucket's id is its name


@creates("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
def _public_access_block(run: Replay, inputs: dict, _: dict) -> None:
    settings = {key: value for key, value in inputs.items() if key != "bucket"}
    run.client("s3").put_public_access_block(
        Bucket=inputs["bucket"], PublicAccessBlockConfiguration=api_shape(settings)
    )


@creates("aws:s3/bucketOwnershipControls:BucketOwnershipControls")
def _ownership_controls(run: Replay, inputs: dict, _: dict) -> None:
    run.client("s3").put_bucket_ownership_controls(
        Bucket=inputs["bucket"], OwnershipControls={"Rules": [api_shape(inputs["rule"])]}
    )


@creates("aws:s3/bucketVersioning:BucketVersioning")
def _versioning(run: Replay, inputs: dict, _: dict) -> None:
    run.client("s3").put_bucket_versioning(
        Bucket=inputs["bucket"],
        VersioningConfiguration=api_shape(inputs["versioningConfiguration"]),
    )


@creates("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
def _bucket_encryption(run: Replay, inputs: dict, _: dict) -> None:
    run.client("s3").put_bucket_encryption(
        Bucket=inputs["bucket"],
        ServerSideEncryptionConfiguration={"Rules": api_shape(inputs["rules"])},
    )


@creates("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
def _lifecycle(run: Replay, inputs: dict, _: dict) -> None:
    run.client("s3").put_bucket_lifecycle_configuration(
        Bucket=inputs["bucket"], LifecycleConfiguration={"Rules": api_shape(inputs["rules"])}
    )


@creates("aws:s3/bucketPolicy:BucketPolicy")
def _bucket_policy(run: Replay, inputs: dict, _: dict) -> None:
    run.client("s3").put_bucket_policy(Bucket=inputs["bucket"], Policy=inputs["policy"])


# --- Logs, IAM, Lambda ----------------------------------------------------------------------


@creates("aws:cloudwatch/logGroup:LogGroup")
def _log_group(run: Replay, inputs: dict, _: dict) -> None:
    logs = run.client("logs")
    logs.create_log_group(**_present(logGroupName=inputs["name"], kmsKeyId=inputs.get("kmsKeyId")))
    if inputs.get("retentionInDays"):
        logs.put_retention_policy(
            logGroupName=inputs["name"], retentionInDays=inputs["retentionInDays"]
        )


@creates("aws:iam/role:Role")
def _role(run: Replay, inputs: dict, mock: dict) -> None:
    role = run.client("iam").create_role(
        RoleName=inputs["name"], AssumeRolePolicyDocument=inputs["assumeRolePolicy"]
    )["Role"]
    run.learn(mock["arn"], role["Arn"])
    run.learn(mock["id"], inputs["name"])  # a role's id is its name


@creates("aws:iam/rolePolicy:RolePolicy")
def _role_policy(run: Replay, inputs: dict, _: dict) -> None:
    run.client("iam").put_role_policy(
        RoleName=inputs["role"], PolicyName=inputs["name"], PolicyDocument=inputs["policy"]
    )


AWS_MANAGED_POLICY = re.compile(r"arn:[^:]+:iam::aws:policy/.+")


@functools.cache
def _aws_managed_policies() -> dict[str, Any]:
    return json.loads(aws_managed_policies_data)


def _hold_aws_managed_policy(arn: str) -> None:
    """Give moto's IAM (in this process) the AWS managed policy ``arn``, from moto's own copy
    of the ones AWS publishes; a name AWS does not publish fails here, as it would on AWS."""
    name = arn.rsplit("/", 1)[1]
    if name not in _aws_managed_policies():
        raise ReplayError(f"{arn} is no policy AWS manages")
    backend = iam_backends[MOTO_ACCOUNT]["global"]
    if arn not in backend.managed_policies:
        policy = AWSManagedPolicy.from_data(
            name, MOTO_ACCOUNT, "global", _aws_managed_policies()[name]
        )
        backend.managed_policies[policy.arn] = policy


@creates("aws:iam/policy:Policy")
def _policy(run: Replay, inputs: dict, mock: dict) -> None:
    # moto validates the document as IAM does: its grammar, action names, ARNs, conditions.
    policy = run.client("iam").create_policy(
        PolicyName=inputs["name"],
        PolicyDocument=inputs["policy"],
        **_present(Description=inputs.get("description")),
    )["Policy"]
    run.learn(mock["arn"], policy["Arn"])
    run.learn(mock["id"], policy["Arn"])  # a managed policy's id is its ARN


@creates("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
def _role_policy_attachment(run: Replay, inputs: dict, _: dict) -> None:
    if AWS_MANAGED_POLICY.fullmatch(inputs["policyArn"]):
        _hold_aws_managed_policy(inputs["policyArn"])
    run.client("iam").attach_role_policy(RoleName=inputs["role"], PolicyArn=inputs["policyArn"])


@creates("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
def _oidc_provider(run: Replay, inputs: dict, mock: dict) -> None:
    provider = run.client("iam").create_open_id_connect_provider(
        Url=inputs["url"],
        ClientIDList=inputs["clientIdLists"],
        **_present(ThumbprintList=inputs.get("thumbprintLists")),
    )
    run.learn(mock["arn"], provider["OpenIDConnectProviderArn"])
    run.learn(mock["id"], provider["OpenIDConnectProviderArn"])


@creates("aws:apigateway/account:Account")
def _apigateway_account(run: Replay, inputs: dict, _: dict) -> None:
    run.client("apigateway").update_account(
        patchOperations=[
            {"op": "replace", "path": "/cloudwatchRoleArn", "value": inputs["cloudwatchRoleArn"]}
        ]
    )


@creates("aws:lambda/function:Function")
def _function(run: Replay, inputs: dict, mock: dict) -> None:
    created = run.client("lambda").create_function(
        **_present(
            FunctionName=inputs["name"],
            Runtime=inputs["runtime"],
            Role=inputs["role"],
            Handler=inputs["handler"],
            Code={"ZipFile": zipped(run.project / inputs["code"])},
            MemorySize=inputs.get("memorySize"),
            Timeout=inputs.get("timeout"),
            Architectures=inputs.get("architectures"),
            Environment={"Variables": inputs.get("environment", {}).get("variables", {})},
            TracingConfig=api_shape(inputs.get("tracingConfig")),
        )
    )
    run.learn(mock["arn"], created["FunctionArn"])
    run.learn(mock["id"], inputs["name"])  # a function's id is its name


@creates("aws:lambda/permission:Permission")
def _permission(run: Replay, inputs: dict, mock: dict) -> None:
    run.client("lambda").add_permission(
        **_present(
            FunctionName=inputs["function"],
            StatementId=inputs.get("statementId") or mock["id"],
            Action=inputs["action"],
            Principal=inputs["principal"],
            SourceArn=inputs.get("sourceArn"),
            SourceAccount=inputs.get("sourceAccount"),
        )
    )


# --- API Gateway ----------------------------------------------------------------------------

# MethodSettings' settings and the stage paths UpdateStage patches for them.
METHOD_SETTING_PATHS = {
    "metricsEnabled": "metrics/enabled",
    "loggingLevel": "logging/loglevel",
    "dataTraceEnabled": "logging/dataTrace",
    "throttlingBurstLimit": "throttling/burstLimit",
    "throttlingRateLimit": "throttling/rateLimit",
    "cachingEnabled": "caching/enabled",
    "cacheTtlInSeconds": "caching/ttlInSeconds",
    "cacheDataEncrypted": "caching/dataEncrypted",
    "requireAuthorizationForCacheControl": "caching/requireAuthorizationForCacheControl",
    "unauthorizedCacheControlHeaderStrategy": "caching/unauthorizedCacheControlHeaderStrategy",
}


def _patch_value(value: Any) -> str:
    return json.dumps(value) if isinstance(value, bool) else str(value)


@creates("aws:apigateway/restApi:RestApi")
def _rest_api(run: Replay, inputs: dict, mock: dict) -> None:
    apigateway = run.client("apigateway")
    types = inputs.get("endpointConfiguration", {}).get("types", "EDGE")
    api = apigateway.create_rest_api(
        **_present(
            name=inputs["name"],
            description=inputs.get("description"),
            endpointConfiguration={"types": [types] if isinstance(types, str) else types},
        )
    )
    (root,) = [
        r for r in apigateway.get_resources(restApiId=api["id"])["items"] if r["path"] == "/"
    ]
    run.learn(mock["id"], api["id"])
    run.learn(mock["rootResourceId"], root["id"])


@creates("aws:apigateway/resource:Resource")
def _api_resource(run: Replay, inputs: dict, mock: dict) -> None:
    resource = run.client("apigateway").create_resource(
        restApiId=inputs["restApi"], parentId=inputs["parentId"], pathPart=inputs["pathPart"]
    )
    run.learn(mock["id"], resource["id"])


@creates("aws:apigateway/method:Method")
def _method(run: Replay, inputs: dict, _: dict) -> None:
    run.client("apigateway").put_method(
        **_present(
            restApiId=inputs["restApi"],
            resourceId=inputs["resourceId"],
            httpMethod=inputs["httpMethod"],
            authorizationType=inputs["authorization"],
            authorizerId=inputs.get("authorizerId"),
            apiKeyRequired=inputs.get("apiKeyRequired"),
            requestParameters=inputs.get("requestParameters"),
            requestValidatorId=inputs.get("requestValidatorId"),
            requestModels=inputs.get("requestModels"),
        )
    )


@creates("aws:apigateway/model:Model")
def _model(run: Replay, inputs: dict, mock: dict) -> None:
    model = run.client("apigateway").create_model(
        **_present(
            restApiId=inputs["restApi"],
            name=inputs["name"],
            description=inputs.get("description"),
            schema=inputs.get("schema"),
            contentType=inputs["contentType"],
        )
    )
    run.learn(mock["id"], model["id"])


@creates("aws:apigateway/requestValidator:RequestValidator")
def _request_validator(run: Replay, inputs: dict, mock: dict) -> None:
    validator = run.client("apigateway").create_request_validator(
        **_present(
            restApiId=inputs["restApi"],
            name=inputs.get("name"),
            validateRequestBody=inputs.get("validateRequestBody"),
            validateRequestParameters=inputs.get("validateRequestParameters"),
        )
    )
    run.learn(mock["id"], validator["id"])


@creates("aws:apigateway/authorizer:Authorizer")
def _authorizer(run: Replay, inputs: dict, mock: dict) -> None:
    authorizer = run.client("apigateway").create_authorizer(
        **_present(
            restApiId=inputs["restApi"],
            name=inputs["name"],
            type=inputs["type"],
            providerARNs=inputs.get("providerArns"),
            identitySource=inputs.get("identitySource"),
        )
    )
    run.learn(mock["id"], authorizer["id"])


@creates("aws:apigateway/methodResponse:MethodResponse")
def _method_response(run: Replay, inputs: dict, _: dict) -> None:
    run.client("apigateway").put_method_response(
        **_present(
            restApiId=inputs["restApi"],
            resourceId=inputs["resourceId"],
            httpMethod=inputs["httpMethod"],
            statusCode=inputs["statusCode"],
            responseModels=inputs.get("responseModels"),
            responseParameters=inputs.get("responseParameters"),
        )
    )


@creates("aws:apigateway/integration:Integration")
def _integration(run: Replay, inputs: dict, _: dict) -> None:
    run.client("apigateway").put_integration(
        **_present(
            restApiId=inputs["restApi"],
            resourceId=inputs["resourceId"],
            httpMethod=inputs["httpMethod"],
            type=inputs["type"],
            integrationHttpMethod=inputs.get("integrationHttpMethod"),
            uri=inputs.get("uri"),
            requestTemplates=inputs.get("requestTemplates"),
            passthroughBehavior=inputs.get("passthroughBehavior"),
            timeoutInMillis=inputs.get("timeoutMilliseconds"),
        )
    )


@creates("aws:apigateway/integrationResponse:IntegrationResponse")
def _integration_response(run: Replay, inputs: dict, _: dict) -> None:
    run.client("apigateway").put_integration_response(
        **_present(
            restApiId=inputs["restApi"],
            resourceId=inputs["resourceId"],
            httpMethod=inputs["httpMethod"],
            statusCode=inputs["statusCode"],
            selectionPattern=inputs.get("selectionPattern"),
            responseParameters=inputs.get("responseParameters"),
            responseTemplates=inputs.get("responseTemplates"),
        )
    )


@creates("aws:apigateway/response:Response")
def _gateway_response(run: Replay, inputs: dict, _: dict) -> None:
    run.client("apigateway").put_gateway_response(
        **_present(
            restApiId=inputs["restApiId"],
            responseType=inputs["responseType"],
            statusCode=inputs.get("statusCode"),
            responseParameters=inputs.get("responseParameters"),
            responseTemplates=inputs.get("responseTemplates"),
        )
    )


@creates("aws:apigateway/deployment:Deployment")
def _deployment(run: Replay, inputs: dict, mock: dict) -> None:
    deployment = run.client("apigateway").create_deployment(
        **_present(restApiId=inputs["restApi"], description=inputs.get("description"))
    )
    run.learn(mock["id"], deployment["id"])


@creates("aws:apigateway/stage:Stage")
def _stage(run: Replay, inputs: dict, mock: dict) -> None:
    apigateway = run.client("apigateway")
    where = {"restApiId": inputs["restApi"], "stageName": inputs["stageName"]}
    # A stage's ARN is built from its API and name (CreateStage answers none); WAF takes it.
    region = apigateway.meta.region_name
    run.learn(
        mock["arn"],
        f"arn:aws:apigateway:{region}::/restapis/{where['restApiId']}/stages/{where['stageName']}",
    )
    apigateway.create_stage(
        **where,
        **_present(
            deploymentId=inputs["deployment"],
            description=inputs.get("description"),
            variables=inputs.get("variables"),
            tracingEnabled=inputs.get("xrayTracingEnabled"),
        ),
    )
    access_logs = inputs.get("accessLogSettings", {})
    if access_logs:
        apigateway.update_stage(
            **where,
            patchOperations=[
                {"op": "replace", "path": f"/accessLogSettings/{key}", "value": value}
                for key, value in access_logs.items()
            ],
        )


@creates("aws:apigateway/methodSettings:MethodSettings")
def _method_settings(run: Replay, inputs: dict, _: dict) -> None:
    operations = [
        {
            "op": "replace",
            "path": f"/{inputs['methodPath']}/{METHOD_SETTING_PATHS[name]}",
            "value": _patch_value(value),
        }
        for name, value in inputs["settings"].items()
    ]
    run.client("apigateway").update_stage(
        restApiId=inputs["restApi"], stageName=inputs["stageName"], patchOperations=operations
    )


# --- WAF ------------------------------------------------------------------------------------


@creates("aws:wafv2/webAcl:WebAcl")
def _web_acl(run: Replay, inputs: dict, mock: dict) -> None:
    summary = run.client("wafv2").create_web_acl(
        **_present(
            Name=inputs["name"],
            Scope=inputs["scope"],
            DefaultAction=api_shape(inputs["defaultAction"]),
            Rules=api_shape(inputs.get("rules")),
            VisibilityConfig=api_shape(inputs["visibilityConfig"]),
            Description=inputs.get("description"),
        )
    )["Summary"]
    run.learn(mock["arn"], summary["ARN"])
    run.learn(mock["id"], summary["Id"])


@creates("aws:wafv2/webAclAssociation:WebAclAssociation")
def _web_acl_association(run: Replay, inputs: dict, _: dict) -> None:
    run.client("wafv2").associate_web_acl(
        WebACLArn=inputs["webAclArn"], ResourceArn=inputs["resourceArn"]
    )


# --- Cognito --------------------------------------------------------------------------------


@creates("aws:cognito/userPool:UserPool")
def _user_pool(run: Replay, inputs: dict, mock: dict) -> None:
    pool = run.client("cognito-idp").create_user_pool(
        **_present(
            PoolName=inputs["name"],
            Policies={"PasswordPolicy": api_shape(inputs["passwordPolicy"])},
            AdminCreateUserConfig=api_shape(inputs.get("adminCreateUserConfig")),
            DeletionProtection=inputs.get("deletionProtection"),
        )
    )["UserPool"]
    run.learn(mock["arn"], pool["Arn"])
    run.learn(mock["id"], pool["Id"])


@creates("aws:cognito/userPoolClient:UserPoolClient")
def _user_pool_client(run: Replay, inputs: dict, mock: dict) -> None:
    client = run.client("cognito-idp").create_user_pool_client(
        **_present(
            UserPoolId=inputs["userPoolId"],
            ClientName=inputs["name"],
            GenerateSecret=inputs.get("generateSecret"),
            ExplicitAuthFlows=inputs.get("explicitAuthFlows"),
            PreventUserExistenceErrors=inputs.get("preventUserExistenceErrors"),
        )
    )["UserPoolClient"]
    run.learn(mock["id"], client["ClientId"])


# --- CloudWatch -----------------------------------------------------------------------------


def _metric_query(query: dict) -> dict:
    """A metric-math alarm's query as PutMetricAlarm takes it (dimensions as a list)."""
    shaped = {"Id": query["id"], "ReturnData": query.get("returnData", False)}
    shaped |= {
        key: query[name]
        for name, key in (("expression", "Expression"), ("label", "Label"))
        if name in query
    }
    if "metric" in query:
        metric = query["metric"]
        dimensions = [{"Name": k, "Value": v} for k, v in metric.get("dimensions", {}).items()]
        shaped["MetricStat"] = {
            "Metric": {
                "Namespace": metric["namespace"],
                "MetricName": metric["metricName"],
                "Dimensions": dimensions,
            },
            "Period": metric["period"],
            "Stat": metric["stat"],
        }
    return shaped


@creates("aws:cloudwatch/metricAlarm:MetricAlarm")
def _alarm(run: Replay, inputs: dict, _: dict) -> None:
    inputs = dict(inputs)
    dimensions = inputs.pop("dimensions", {})
    queries = inputs.pop("metricQueries", [])
    alarm = api_shape(inputs)
    if queries:
        alarm["Metrics"] = [_metric_query(query) for query in queries]
    alarm["AlarmName"] = alarm.pop("Name")
    alarm["OKActions"] = alarm.pop("OkActions", [])
    alarm["Dimensions"] = [{"Name": name, "Value": value} for name, value in dimensions.items()]
    run.client("cloudwatch").put_metric_alarm(**alarm)


@creates("aws:cloudwatch/dashboard:Dashboard")
def _dashboard(run: Replay, inputs: dict, _: dict) -> None:
    run.client("cloudwatch").put_dashboard(
        DashboardName=inputs["dashboardName"], DashboardBody=inputs["dashboardBody"]
    )


# --- EC2 and VPC ----------------------------------------------------------------------------


@creates("aws:ec2/vpc:Vpc")
def _vpc(run: Replay, inputs: dict, mock: dict) -> None:
    ec2 = run.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock=inputs["cidrBlock"])["Vpc"]["VpcId"]
    for name, attribute in (
        ("enableDnsSupport", "EnableDnsSupport"),
        ("enableDnsHostnames", "EnableDnsHostnames"),
    ):
        if name in inputs:
            ec2.modify_vpc_attribute(VpcId=vpc_id, **{attribute: {"Value": inputs[name]}})
    run.learn(mock["id"], vpc_id)


@creates("aws:ec2/internetGateway:InternetGateway")
def _internet_gateway(run: Replay, inputs: dict, mock: dict) -> None:
    ec2 = run.client("ec2")
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    if inputs.get("vpcId"):
        ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=inputs["vpcId"])
    run.learn(mock["id"], gateway)


@creates("aws:ec2/subnet:Subnet")
def _subnet(run: Replay, inputs: dict, mock: dict) -> None:
    ec2 = run.client("ec2")
    subnet = ec2.create_subnet(
        VpcId=inputs["vpcId"],
        CidrBlock=inputs["cidrBlock"],
        AvailabilityZone=inputs["availabilityZone"],
    )["Subnet"]["SubnetId"]
    if inputs.get("mapPublicIpOnLaunch"):
        ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    run.learn(mock["id"], subnet)


@creates("aws:ec2/eip:Eip")
def _elastic_ip(run: Replay, inputs: dict, mock: dict) -> None:
    address = run.client("ec2").allocate_address(Domain=inputs.get("domain", "vpc"))
    run.learn(mock["id"], address["AllocationId"])  # an EIP's id is its allocation id


@creates("aws:ec2/natGateway:NatGateway")
def _nat_gateway(run: Replay, inputs: dict, mock: dict) -> None:
    gateway = run.client("ec2").create_nat_gateway(**api_shape(inputs))["NatGateway"]
    run.learn(mock["id"], gateway["NatGatewayId"])


@creates("aws:ec2/routeTable:RouteTable")
def _route_table(run: Replay, inputs: dict, mock: dict) -> None:
    table = run.client("ec2").create_route_table(VpcId=inputs["vpcId"])["RouteTable"]
    run.learn(mock["id"], table["RouteTableId"])


@creates("aws:ec2/route:Route")
def _route(run: Replay, inputs: dict, _: dict) -> None:
    run.client("ec2").create_route(**api_shape(inputs))


@creates("aws:ec2/routeTableAssociation:RouteTableAssociation")
def _route_table_association(run: Replay, inputs: dict, _: dict) -> None:
    # Its id is not learned: nothing takes an association's id, and the mocks give it the id
    # of the route table it shares a logical name with.
    run.client("ec2").associate_route_table(**api_shape(inputs))


@creates("aws:ec2/securityGroup:SecurityGroup")
def _security_group(run: Replay, inputs: dict, mock: dict) -> None:
    ec2 = run.client("ec2")
    group = ec2.create_security_group(
        GroupName=inputs.get("name") or mock["name"],  # mock["name"]: completed from namePrefix
        Description=inputs.get("description", "Managed by Pulumi"),
        VpcId=inputs["vpcId"],
    )["GroupId"]
    ec2.revoke_security_group_egress(
        GroupId=group, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    run.learn(mock["id"], group)


@creates("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
def _default_security_group(run: Replay, inputs: dict, mock: dict) -> None:
    # As the provider does, the VPC's default group is adopted, not created: every rule AWS
    # gave it goes, and the ones declared (if any) are put in their place.
    ec2 = run.client("ec2")
    (group,) = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [inputs["vpcId"]]},
            {"Name": "group-name", "Values": ["default"]},
        ]
    )["SecurityGroups"]
    if group["IpPermissions"]:
        ec2.revoke_security_group_ingress(
            GroupId=group["GroupId"], IpPermissions=group["IpPermissions"]
        )
    if group["IpPermissionsEgress"]:
        ec2.revoke_security_group_egress(
            GroupId=group["GroupId"], IpPermissions=group["IpPermissionsEgress"]
        )
    for direction, authorize in (
        ("ingress", ec2.authorize_security_group_ingress),
        ("egress", ec2.authorize_security_group_egress),
    ):
        if inputs.get(direction):
            authorize(GroupId=group["GroupId"], IpPermissions=api_shape(inputs[direction]))
    run.learn(mock["id"], group["GroupId"])


def _rule_permission(inputs: dict) -> dict[str, Any]:
    """A SecurityGroupIngressRule's or EgressRule's inputs as an IpPermissions entry."""
    permission: dict[str, Any] = _present(
        IpProtocol=inputs["ipProtocol"],
        FromPort=inputs.get("fromPort"),
        ToPort=inputs.get("toPort"),
    )
    description = _present(Description=inputs.get("description"))
    if inputs.get("cidrIpv4"):
        permission["IpRanges"] = [{"CidrIp": inputs["cidrIpv4"], **description}]
    if inputs.get("cidrIpv6"):
        permission["Ipv6Ranges"] = [{"CidrIpv6": inputs["cidrIpv6"], **description}]
    if inputs.get("referencedSecurityGroupId"):
        permission["UserIdGroupPairs"] = [
            {"GroupId": inputs["referencedSecurityGroupId"], **description}
        ]
    if inputs.get("prefixListId"):
        permission["PrefixListIds"] = [{"PrefixListId": inputs["prefixListId"], **description}]
    return permission


@creates("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
def _ingress_rule(run: Replay, inputs: dict, mock: dict) -> None:
    (rule,) = run.client("ec2").authorize_security_group_ingress(
        GroupId=inputs["securityGroupId"], IpPermissions=[_rule_permission(inputs)]
    )["SecurityGroupRules"]
    run.learn(mock["id"], rule["SecurityGroupRuleId"])


@creates("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
def _egress_rule(run: Replay, inputs: dict, mock: dict) -> None:
    (rule,) = run.client("ec2").authorize_security_group_egress(
        GroupId=inputs["securityGroupId"], IpPermissions=[_rule_permission(inputs)]
    )["SecurityGroupRules"]
    run.learn(mock["id"], rule["SecurityGroupRuleId"])


@creates("aws:ec2/flowLog:FlowLog")
def _flow_log(run: Replay, inputs: dict, mock: dict) -> None:
    resource_id, kind = next(
        (inputs[key], kind)
        for key, kind in (("vpcId", "VPC"), ("subnetId", "Subnet"), ("eniId", "NetworkInterface"))
        if inputs.get(key)
    )
    (flow_log,) = run.client("ec2").create_flow_logs(
        **_present(
            ResourceIds=[resource_id],
            ResourceType=kind,
            TrafficType=inputs["trafficType"],
            LogDestinationType=inputs.get("logDestinationType"),
            LogDestination=inputs.get("logDestination"),
            DeliverLogsPermissionArn=inputs.get("iamRoleArn"),
            MaxAggregationInterval=inputs.get("maxAggregationInterval"),
        )
    )["FlowLogIds"]
    run.learn(mock["id"], flow_log)


@creates("aws:ec2/vpcPeeringConnection:VpcPeeringConnection")
def _peering_connection(run: Replay, inputs: dict, mock: dict) -> None:
    ec2 = run.client("ec2")
    connection = ec2.create_vpc_peering_connection(
        **_present(
            VpcId=inputs["vpcId"],
            PeerVpcId=inputs["peerVpcId"],
            PeerOwnerId=inputs.get("peerOwnerId"),
            PeerRegion=inputs.get("peerRegion"),
        )
    )["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    if inputs.get("autoAccept"):
        ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=connection)
    run.learn(mock["id"], connection)


# --- Load balancing -------------------------------------------------------------------------


@creates("aws:lb/loadBalancer:LoadBalancer")
def _load_balancer(run: Replay, inputs: dict, mock: dict) -> None:
    elb = run.client("elbv2")
    (balancer,) = elb.create_load_balancer(
        Name=inputs["name"],
        Subnets=inputs["subnets"],
        SecurityGroups=inputs.get("securityGroups", []),
        Scheme="internal" if inputs.get("internal") else "internet-facing",
        Type=inputs.get("loadBalancerType", "application"),
    )["LoadBalancers"]
    arn = balancer["LoadBalancerArn"]
    logs = inputs.get("accessLogs", {})
    attributes = _present(
        **{
            "deletion_protection.enabled": inputs.get("enableDeletionProtection"),
            "routing.http.drop_invalid_header_fields.enabled": inputs.get(
                "dropInvalidHeaderFields"
            ),
            "routing.http.desync_mitigation_mode": inputs.get("desyncMitigationMode"),
            "access_logs.s3.enabled": logs.get("enabled"),
            "access_logs.s3.bucket": logs.get("bucket"),
            "access_logs.s3.prefix": logs.get("prefix"),
        }
    )
    if attributes:
        elb.modify_load_balancer_attributes(
            LoadBalancerArn=arn,
            Attributes=[{"Key": k, "Value": _patch_value(v)} for k, v in attributes.items()],
        )
    run.learn(mock["arn"], arn)
    run.learn(mock["id"], arn)  # a load balancer's id is its ARN
    run.learn(mock["arnSuffix"], arn.split(":loadbalancer/", 1)[1])
    run.learn(mock["dnsName"], balancer["DNSName"])
    run.learn(mock["zoneId"], balancer["CanonicalHostedZoneId"])


@creates("aws:lb/targetGroup:TargetGroup")
def _target_group(run: Replay, inputs: dict, mock: dict) -> None:
    elb = run.client("elbv2")
    check = inputs.get("healthCheck", {})
    (group,) = elb.create_target_group(
        **_present(
            Name=inputs["name"],
            Protocol=inputs.get("protocol"),
            Port=inputs.get("port"),
            VpcId=inputs.get("vpcId"),
            TargetType=inputs.get("targetType"),
            HealthCheckEnabled=check.get("enabled"),
            HealthCheckProtocol=check.get("protocol"),
            HealthCheckPort=check.get("port"),
            HealthCheckPath=check.get("path"),
            HealthCheckIntervalSeconds=check.get("interval"),
            HealthCheckTimeoutSeconds=check.get("timeout"),
            HealthyThresholdCount=check.get("healthyThreshold"),
            UnhealthyThresholdCount=check.get("unhealthyThreshold"),
            Matcher=_present(HttpCode=check.get("matcher")) or None,
        )
    )["TargetGroups"]
    arn = group["TargetGroupArn"]
    if "deregistrationDelay" in inputs:
        elb.modify_target_group_attributes(
            TargetGroupArn=arn,
            Attributes=[
                {
                    "Key": "deregistration_delay.timeout_seconds",
                    "Value": str(inputs["deregistrationDelay"]),
                }
            ],
        )
    run.learn(mock["arn"], arn)
    run.learn(mock["id"], arn)  # a target group's id is its ARN
    run.learn(mock["arnSuffix"], arn.rsplit(":", 1)[1])


@creates("aws:lb/listener:Listener")
def _listener(run: Replay, inputs: dict, mock: dict) -> None:
    (listener,) = run.client("elbv2").create_listener(
        **_present(
            LoadBalancerArn=inputs["loadBalancerArn"],
            Port=inputs.get("port"),
            Protocol=inputs.get("protocol"),
            SslPolicy=inputs.get("sslPolicy"),
            Certificates=[{"CertificateArn": inputs["certificateArn"]}]
            if inputs.get("certificateArn")
            else None,
            DefaultActions=api_shape(inputs["defaultActions"]),
        )
    )["Listeners"]
    run.learn(mock["arn"], listener["ListenerArn"])
    run.learn(mock["id"], listener["ListenerArn"])


# --- RDS ------------------------------------------------------------------------------------


@creates("aws:rds/subnetGroup:SubnetGroup")
def _db_subnet_group(run: Replay, inputs: dict, mock: dict) -> None:
    name = inputs.get("name") or mock["name"]  # mock["name"]: completed from namePrefix
    run.client("rds").create_db_subnet_group(
        DBSubnetGroupName=name,
        DBSubnetGroupDescription=inputs.get("description", "Managed by Pulumi"),
        SubnetIds=inputs["subnetIds"],
    )
    run.learn(mock["id"], name)  # a subnet group's id is its name


@creates("aws:rds/clusterParameterGroup:ClusterParameterGroup")
def _db_cluster_parameter_group(run: Replay, inputs: dict, mock: dict) -> None:
    rds, name = run.client("rds"), inputs.get("name") or mock["name"]
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName=name,
        DBParameterGroupFamily=inputs["family"],
        Description=inputs.get("description", "Managed by Pulumi"),
    )
    if inputs.get("parameters"):
        rds.modify_db_cluster_parameter_group(
            DBClusterParameterGroupName=name,
            Parameters=[
                {
                    "ParameterName": parameter["name"],
                    "ParameterValue": parameter["value"],
                    "ApplyMethod": parameter.get("applyMethod", "immediate"),
                }
                for parameter in inputs["parameters"]
            ],
        )
    run.learn(mock["id"], name)  # a parameter group's id is its name


@creates("aws:rds/cluster:Cluster")
def _db_cluster(run: Replay, inputs: dict, mock: dict) -> None:
    identifier = inputs.get("clusterIdentifier") or mock["clusterIdentifier"]
    cluster = run.client("rds").create_db_cluster(
        **_present(
            DBClusterIdentifier=identifier,
            Engine=inputs["engine"],
            EngineVersion=inputs.get("engineVersion"),
            DatabaseName=inputs.get("databaseName"),
            MasterUsername=inputs.get("masterUsername"),
            ManageMasterUserPassword=inputs.get("manageMasterUserPassword"),
            MasterUserSecretKmsKeyId=inputs.get("masterUserSecretKmsKeyId"),
            StorageEncrypted=inputs.get("storageEncrypted"),
            KmsKeyId=inputs.get("kmsKeyId"),
            Port=inputs.get("port"),
            DBSubnetGroupName=inputs.get("dbSubnetGroupName"),
            DBClusterParameterGroupName=inputs.get("dbClusterParameterGroupName"),
            VpcSecurityGroupIds=inputs.get("vpcSecurityGroupIds"),
            EnableCloudwatchLogsExports=inputs.get("enabledCloudwatchLogsExports"),
            BackupRetentionPeriod=inputs.get("backupRetentionPeriod"),
            PreferredBackupWindow=inputs.get("preferredBackupWindow"),
            PreferredMaintenanceWindow=inputs.get("preferredMaintenanceWindow"),
            DeletionProtection=inputs.get("deletionProtection"),
            CopyTagsToSnapshot=inputs.get("copyTagsToSnapshot"),
            EnableIAMDatabaseAuthentication=inputs.get("iamDatabaseAuthenticationEnabled"),
        )
    )["DBCluster"]
    run.learn(mock["arn"], cluster["DBClusterArn"])
    run.learn(mock["id"], identifier)  # a cluster's id is its identifier
    run.learn(mock["endpoint"], cluster["Endpoint"])
    run.learn(mock["readerEndpoint"], cluster["ReaderEndpoint"])
    for placeholder, secret in zip(
        mock.get("masterUserSecrets", []), [cluster.get("MasterUserSecret", {})], strict=False
    ):
        run.learn(placeholder["secretArn"], secret["SecretArn"])


@creates("aws:rds/clusterInstance:ClusterInstance")
def _db_cluster_instance(run: Replay, inputs: dict, mock: dict) -> None:
    identifier = inputs.get("identifier") or mock["identifier"]
    instance = run.client("rds").create_db_instance(
        **_present(
            DBInstanceIdentifier=identifier,
            DBClusterIdentifier=inputs["clusterIdentifier"],
            Engine=inputs["engine"],
            EngineVersion=inputs.get("engineVersion"),
            DBInstanceClass=inputs["instanceClass"],
            DBSubnetGroupName=inputs.get("dbSubnetGroupName"),
            PubliclyAccessible=inputs.get("publiclyAccessible"),
            PromotionTier=inputs.get("promotionTier"),
            AutoMinorVersionUpgrade=inputs.get("autoMinorVersionUpgrade"),
            MonitoringInterval=inputs.get("monitoringInterval"),
            MonitoringRoleArn=inputs.get("monitoringRoleArn"),
        )
    )["DBInstance"]
    run.learn(mock["arn"], instance["DBInstanceArn"])
    run.learn(mock["id"], identifier)  # an instance's id is its identifier


# --- ECS and Application Auto Scaling -------------------------------------------------------


@creates("aws:ecs/cluster:Cluster")
def _ecs_cluster(run: Replay, inputs: dict, mock: dict) -> None:
    cluster = run.client("ecs").create_cluster(
        **_present(clusterName=inputs["name"], settings=inputs.get("settings"))
    )["cluster"]
    run.learn(mock["arn"], cluster["clusterArn"])
    run.learn(mock["id"], cluster["clusterArn"])  # a cluster's id is its ARN


@creates("aws:ecs/taskDefinition:TaskDefinition")
def _task_definition(run: Replay, inputs: dict, mock: dict) -> None:
    definition = run.client("ecs").register_task_definition(
        **_present(
            family=inputs["family"],
            containerDefinitions=json.loads(inputs["containerDefinitions"]),
            cpu=inputs.get("cpu"),
            memory=inputs.get("memory"),
            networkMode=inputs.get("networkMode"),
            requiresCompatibilities=inputs.get("requiresCompatibilities"),
            runtimePlatform=inputs.get("runtimePlatform"),
            taskRoleArn=inputs.get("taskRoleArn"),
            executionRoleArn=inputs.get("executionRoleArn"),
            volumes=inputs.get("volumes"),
        )
    )["taskDefinition"]
    run.learn(mock["arn"], definition["taskDefinitionArn"])
    run.learn(mock["id"], definition["family"])  # a task definition's id is its family


@creates("aws:ecs/service:Service")
def _ecs_service(run: Replay, inputs: dict, mock: dict) -> None:
    network = inputs.get("networkConfiguration")
    deployment = _present(
        deploymentCircuitBreaker=inputs.get("deploymentCircuitBreaker"),
        minimumHealthyPercent=inputs.get("deploymentMinimumHealthyPercent"),
        maximumPercent=inputs.get("deploymentMaximumPercent"),
    )
    service = run.client("ecs").create_service(
        **_present(
            cluster=inputs.get("cluster"),
            serviceName=inputs["name"],
            taskDefinition=inputs["taskDefinition"],
            desiredCount=inputs.get("desiredCount"),
            launchType=inputs.get("launchType"),
            platformVersion=inputs.get("platformVersion"),
            networkConfiguration={
                "awsvpcConfiguration": {
                    "subnets": network["subnets"],
                    "securityGroups": network.get("securityGroups", []),
                    "assignPublicIp": "ENABLED" if network.get("assignPublicIp") else "DISABLED",
                }
            }
            if network
            else None,
            loadBalancers=inputs.get("loadBalancers"),
            deploymentConfiguration=deployment or None,
            healthCheckGracePeriodSeconds=inputs.get("healthCheckGracePeriodSeconds"),
            enableECSManagedTags=inputs.get("enableEcsManagedTags"),
            propagateTags=inputs.get("propagateTags"),
            enableExecuteCommand=inputs.get("enableExecuteCommand"),
        )
    )["service"]
    run.learn(mock["arn"], service["serviceArn"])
    run.learn(mock["id"], service["serviceArn"])  # a service's id is its ARN


@creates("aws:appautoscaling/target:Target")
def _scalable_target(run: Replay, inputs: dict, _: dict) -> None:
    run.client("application-autoscaling").register_scalable_target(**api_shape(inputs))


@creates("aws:appautoscaling/policy:Policy")
def _scaling_policy(run: Replay, inputs: dict, _: dict) -> None:
    """Target tracking also creates the CPU alarms Application Auto Scaling owns, as on AWS."""
    shaped = api_shape(inputs)
    run.client("application-autoscaling").put_scaling_policy(
        PolicyName=shaped.pop("Name"), **shaped
    )
