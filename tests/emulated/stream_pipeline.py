"""A stream-pipeline deployment, emulated: moto for AWS, loopback stand-ins for what runs code.

What to create comes from the generated program itself: ``tap.py`` runs once under the project's
own Pulumi mocks (tests/unit/mocks.py), which record every resource with the inputs ``pulumi up``
would send to AWS. Each recorded resource is then created in moto with those inputs, the mocks'
placeholder ids and ARNs swapped for the ones moto hands out, and the stack's outputs are
translated the same way. So the emulation follows whatever the generated project declares.

moto stores the resources but cannot run Lambda code without Docker, so the generated handlers
run in this process, where AWS_ENDPOINT_URL sends their boto3 calls to moto:

- the API stage is a LambdaProxyServer calling the function its integrations name
  (functions/ingest), which puts each event on the moto stream;
- the event source mapping is ``StreamMapping``, a thread that reads every shard from its
  starting position (GetShardIterator, GetRecords) and invokes functions/processor with Kinesis
  events, which writes each batch to the moto bucket. As Lambda does with
  ReportBatchItemFailures, it retries from the first failed record and, once the retries are
  spent, sends a record of the batch to the on-failure destination (the dead-letter queue). It
  does not wait for the batching window;
- the bucket notification is the same thread invoking functions/indexer with an ObjectCreated
  event for every new object under the notification's prefix.

Neither the mapping nor the notification is created in moto itself: moto would try to run the
function in Docker on every record and every object.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any
from urllib.parse import quote_plus

from moto.s3.models import FakeBucket

from tests.emulated import EmulatedAws, Handler, LambdaProxyServer, load_module, zipped

LOGGER = logging.getLogger(__name__)
# How often the mapping polls each shard; Lambda polls once a second.
POLL_SECONDS = 0.2

# Runs in the generated project: tap.py under its own mocks, every declared resource as JSON.
PLAN_PROGRAM = """
import json, sys
from tests.unit.mocks import deploy_program

deployment = deploy_program(stack=sys.argv[1])
plan = {
    "resources": [
        {"type": r.type, "name": r.name, "inputs": r.inputs, "outputs": r.outputs}
        for r in deployment.resources
    ],
    "outputs": deployment.outputs,
}
with open(sys.argv[2], "w") as out:
    json.dump(plan, out, default=lambda value: getattr(value, "path", None) or repr(value))
"""
_PLANS: dict[str, dict] = {}

# Pulumi input names whose AWS API spelling is not simply the name with a capital first letter.
API_NAMES = {"id": "ID", "sseAlgorithm": "SSEAlgorithm", "kmsMasterKeyId": "KMSMasterKeyID"}


def _number(text: str) -> int | float:
    """Pulumi sends every number as a float; AWS wants integers where they are whole."""
    value = float(text)
    return int(value) if value.is_integer() else value


def plan(project: Path, suffix: str) -> dict:
    """What ``pulumi up`` of ``project`` on the ``TapStack<suffix>`` stack declares, per resource.

    The same program gives the same plan, so it is computed once per content of lib and tap.py.
    """
    digest = hashlib.sha256(suffix.encode())
    for path in sorted([project / "tap.py", *(project / "lib").glob("*.py")]):
        digest.update(path.name.encode() + path.read_bytes())
    key = digest.hexdigest()
    if key not in _PLANS:
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "plan.json"
            result = subprocess.run(
                [sys.executable, "-c", PLAN_PROGRAM, f"TapStack{suffix}", str(out)],
                cwd=project,
                env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise RuntimeError(f"the program did not run under mocks:\n{result.stderr}")
            _PLANS[key] = json.loads(out.read_text(), parse_float=_number)
    return _PLANS[key]


def api_shape(value: Any) -> Any:
    """Pulumi's camelCase inputs in the PascalCase the AWS APIs take."""
    if isinstance(value, dict):
        return {API_NAMES.get(k, k[:1].upper() + k[1:]): api_shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [api_shape(item) for item in value]
    return value


class Translation:
    """The mocks' placeholder ids, ARNs and URLs, and what moto gave each resource instead."""

    def __init__(self) -> None:
        self._real: dict[str, str] = {}
        self._pattern: re.Pattern | None = None

    def learn(self, mock: Any, real: Any) -> None:
        if isinstance(mock, str) and mock and mock != real:
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


class Resources:
    """The plan's resources by type, each with its inputs already translated."""

    def __init__(self, planned: dict, translate: Translation) -> None:
        self._resources, self._translate = planned["resources"], translate

    def of_type(self, token: str) -> list[tuple[dict, dict]]:
        """(inputs, mock outputs) of every resource of ``token``, in declaration order."""
        return [
            ({k: v for k, v in self._translate(r["inputs"]).items() if k != "tags"}, r["outputs"])
            for r in self._resources
            if r["type"] == token
        ]


def load_function(path: Path, module_name: str, environment: dict) -> ModuleType:
    """A handler module, imported with its function's environment variables set, as Lambda
    starts it (the handlers read them at import)."""
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    try:
        return load_module(path, module_name)
    finally:
        for name, value in saved.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value


def invocation(function_arn: str = "") -> SimpleNamespace:
    """The part of a Lambda context the handlers (and Powertools' Logger) read."""
    return SimpleNamespace(
        aws_request_id=str(uuid.uuid4()),
        function_name=function_arn.rsplit(":", 1)[-1],
        invoked_function_arn=function_arn,
        memory_limit_in_mb=128,
        get_remaining_time_in_millis=lambda: 30_000,
    )


class StreamMapping:
    """A Kinesis event source mapping and the bucket notifications to functions."""

    def __init__(
        self,
        aws: EmulatedAws,
        *,
        mapping: dict,
        function: Handler,
        notifications: list[tuple[str, str, str, Handler]],
    ) -> None:
        self._aws, self._mapping, self._function = aws, mapping, function
        self._notifications = notifications  # (bucket, prefix, function ARN, handler)
        self._kinesis, self._s3 = aws.client("kinesis"), aws.client("s3")
        self._stream_arn = mapping["eventSourceArn"]
        # By name: moto's iterators from GetShardIterator by StreamARN lose the stream.
        stream = {"StreamName": self._stream_arn.rsplit("/", 1)[-1]}
        self._notified: set[tuple[str, str]] = set()
        position = mapping["startingPosition"]
        if position not in ("LATEST", "TRIM_HORIZON"):
            raise NotImplementedError(f"starting position {position}")
        # The position is fixed now, before anything is posted: records put after deploy() are read.
        self._iterators = {
            shard["ShardId"]: self._kinesis.get_shard_iterator(
                **stream, ShardId=shard["ShardId"], ShardIteratorType=position
            )["ShardIterator"]
            for shard in self._kinesis.list_shards(**stream)["Shards"]
        }
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stopped.wait(POLL_SECONDS):
            for shard_id, iterator in self._iterators.items():
                try:
                    page = self._kinesis.get_records(
                        ShardIterator=iterator, Limit=self._mapping["batchSize"]
                    )
                    self._iterators[shard_id] = page["NextShardIterator"]
                    if page["Records"]:
                        self._deliver(shard_id, page["Records"])
                except Exception:  # keep polling, as Lambda does; the log tells what went wrong
                    LOGGER.exception("the emulated event source mapping failed on %s", shard_id)

    def _event(self, shard_id: str, records: list[dict]) -> dict[str, Any]:
        return {
            "Records": [
                {
                    "kinesis": {
                        "kinesisSchemaVersion": "1.0",
                        "partitionKey": record["PartitionKey"],
                        "sequenceNumber": record["SequenceNumber"],
                        "data": base64.b64encode(record["Data"]).decode("ascii"),
                        "approximateArrivalTimestamp": record[
                            "ApproximateArrivalTimestamp"
                        ].timestamp(),
                    },
                    "eventSource": "aws:kinesis",
                    "eventVersion": "1.0",
                    "eventID": f"{shard_id}:{record['SequenceNumber']}",
                    "eventName": "aws:kinesis:record",
                    "awsRegion": self._aws.region,
                    "eventSourceARN": self._stream_arn,
                }
                for record in records
            ]
        }

    def _deliver(self, shard_id: str, records: list[dict]) -> None:
        """Invoke the function until every record is done or the retries are spent."""
        reports = "ReportBatchItemFailures" in self._mapping.get("functionResponseTypes", [])
        invocations = 1 + self._mapping["maximumRetryAttempts"]
        for _ in range(invocations):
            try:
                result = self._function(
                    self._event(shard_id, records), invocation(self._mapping["functionName"])
                )
                failed = {item["itemIdentifier"] for item in result["batchItemFailures"]}
                failed = failed if reports else set()
            except Exception:  # a function error fails the whole batch
                LOGGER.exception("the function of the event source mapping failed")
                failed = {record["SequenceNumber"] for record in records}
            self._notify()
            if not failed:
                return
            first = next(i for i, r in enumerate(records) if r["SequenceNumber"] in failed)
            records = records[first:]
        self._on_failure(shard_id, records, invocations)

    def _on_failure(self, shard_id: str, records: list[dict], invocations: int) -> None:
        """What Lambda sends to an SQS on-failure destination for a batch it gave up on."""
        destination = self._mapping["destinationConfig"]["onFailure"]["destinationArn"]
        first, last = records[0], records[-1]
        message = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": self._mapping["functionName"],
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": invocations,
            },
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(),
            "KinesisBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": first["SequenceNumber"],
                "endSequenceNumber": last["SequenceNumber"],
                "approximateArrivalOfFirstRecord": first["ApproximateArrivalTimestamp"].isoformat(),
                "approximateArrivalOfLastRecord": last["ApproximateArrivalTimestamp"].isoformat(),
                "batchSize": len(records),
                "streamArn": self._stream_arn,
            },
        }
        sqs = self._aws.client("sqs")
        queue_url = sqs.get_queue_url(QueueName=destination.rsplit(":", 1)[-1])["QueueUrl"]
        sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(message))

    def _notify(self) -> None:
        """S3's notifications: an ObjectCreated event per new object under each prefix."""
        for bucket, prefix, arn, handler in self._notifications:
            pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
            records = []
            for obj in (obj for page in pages for obj in page.get("Contents", [])):
                if (bucket, obj["Key"]) in self._notified:
                    continue
                self._notified.add((bucket, obj["Key"]))
                head = self._s3.head_object(Bucket=bucket, Key=obj["Key"])
                records.append(
                    {
                        "eventVersion": "2.1",
                        "eventSource": "aws:s3",
                        "awsRegion": self._aws.region,
                        "eventTime": obj["LastModified"].isoformat(),
                        "eventName": "ObjectCreated:Put",
                        "s3": {
                            "s3SchemaVersion": "1.0",
                            "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                            "object": {
                                "key": quote_plus(obj["Key"], safe="/"),
                                "size": obj["Size"],
                                "eTag": obj["ETag"].strip('"'),
                                "versionId": head.get("VersionId", ""),
                            },
                        },
                    }
                )
            if records:
                handler({"Records": records}, invocation(arn))


# A statement that denies requests over plain HTTP: it never applies to the pipeline's own
# calls, which use TLS against AWS (here the loopback endpoint stands in for HTTPS).
TLS_ONLY = {"Bool": {"aws:SecureTransport": "false"}}


def _bucket_permission_over_tls(bucket: Any, action: str, resource: str) -> Any:
    """moto's bucket-policy check, for a request made over TLS.

    moto ignores conditions, so it would apply a TLS-only Deny to every object request and the
    processor could never write its batch; it only evaluates the bucket's other statements.
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


def _create_storage(aws: EmulatedAws, resources: Resources, translate: Translation) -> None:
    """The key, topic, stream, bucket, secret and queue, in the order they depend on each other."""
    kms = aws.client("kms")
    for inputs, mock in resources.of_type("aws:kms/key:Key"):
        key = kms.create_key(Description=inputs["description"])["KeyMetadata"]
        if inputs.get("enableKeyRotation"):
            kms.enable_key_rotation(KeyId=key["KeyId"])
        translate.learn(mock["arn"], key["Arn"])
        translate.learn(mock["id"], key["KeyId"])
    for inputs, _ in resources.of_type("aws:kms/alias:Alias"):
        kms.create_alias(AliasName=inputs["name"], TargetKeyId=translate(inputs["targetKeyId"]))

    sns = aws.client("sns")
    for inputs, mock in resources.of_type("aws:sns/topic:Topic"):
        topic = sns.create_topic(
            Name=inputs["name"], Attributes={"KmsMasterKeyId": inputs["kmsMasterKeyId"]}
        )["TopicArn"]
        translate.learn(mock["arn"], topic)
        translate.learn(mock["id"], topic)
    for inputs, _ in resources.of_type("aws:sns/topicPolicy:TopicPolicy"):
        sns.set_topic_attributes(
            TopicArn=translate(inputs["arn"]),
            AttributeName="Policy",
            AttributeValue=inputs["policy"],
        )
    for inputs, _ in resources.of_type("aws:sns/topicSubscription:TopicSubscription"):
        sns.subscribe(
            TopicArn=translate(inputs["topic"]),
            Protocol=inputs["protocol"],
            Endpoint=inputs["endpoint"],
        )

    kinesis = aws.client("kinesis")
    for inputs, mock in resources.of_type("aws:kinesis/stream:Stream"):
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
        translate.learn(mock["arn"], summary["StreamARN"])
        translate.learn(mock["id"], summary["StreamARN"])  # a stream's id is its ARN

    s3 = aws.client("s3")
    for inputs, mock in resources.of_type("aws:s3/bucket:Bucket"):
        where = {}
        if aws.region != "us-east-1":
            where = {"CreateBucketConfiguration": {"LocationConstraint": aws.region}}
        s3.create_bucket(Bucket=inputs["bucket"], **where)
        translate.learn(mock["id"], inputs["bucket"])  # a bucket's id is its name
    for inputs, _ in resources.of_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"):
        bucket = inputs.pop("bucket")
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=api_shape(inputs))
    for inputs, _ in resources.of_type("aws:s3/bucketOwnershipControls:BucketOwnershipControls"):
        s3.put_bucket_ownership_controls(
            Bucket=inputs["bucket"], OwnershipControls={"Rules": [api_shape(inputs["rule"])]}
        )
    for inputs, _ in resources.of_type("aws:s3/bucketVersioning:BucketVersioning"):
        s3.put_bucket_versioning(
            Bucket=inputs["bucket"],
            VersioningConfiguration=api_shape(inputs["versioningConfiguration"]),
        )
    encryption = (
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )
    for inputs, _ in resources.of_type(encryption):
        s3.put_bucket_encryption(
            Bucket=inputs["bucket"],
            ServerSideEncryptionConfiguration={"Rules": api_shape(inputs["rules"])},
        )
    for inputs, _ in resources.of_type(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
    ):
        s3.put_bucket_lifecycle_configuration(
            Bucket=inputs["bucket"], LifecycleConfiguration={"Rules": api_shape(inputs["rules"])}
        )
    for inputs, _ in resources.of_type("aws:s3/bucketPolicy:BucketPolicy"):
        s3.put_bucket_policy(Bucket=inputs["bucket"], Policy=inputs["policy"])

    secrets = aws.client("secretsmanager")
    for inputs, mock in resources.of_type("aws:secretsmanager/secret:Secret"):
        arn = secrets.create_secret(
            Name=inputs["name"], Description=inputs["description"], KmsKeyId=inputs["kmsKeyId"]
        )["ARN"]
        translate.learn(mock["arn"], arn)
        translate.learn(mock["id"], arn)  # a secret's id is its ARN

    sqs = aws.client("sqs")
    for inputs, mock in resources.of_type("aws:sqs/queue:Queue"):
        attributes = {
            "KmsMasterKeyId": inputs.get("kmsMasterKeyId"),
            "KmsDataKeyReusePeriodSeconds": inputs.get("kmsDataKeyReusePeriodSeconds"),
            "MessageRetentionPeriod": inputs.get("messageRetentionSeconds"),
        }
        url = sqs.create_queue(
            QueueName=inputs["name"],
            Attributes={key: str(value) for key, value in attributes.items() if value is not None},
        )["QueueUrl"]
        translate.learn(mock["url"], url)
        translate.learn(mock["id"], url)  # a queue's id is its URL
    for inputs, _ in resources.of_type("aws:sqs/queuePolicy:QueuePolicy"):
        sqs.set_queue_attributes(
            QueueUrl=inputs["queueUrl"], Attributes={"Policy": inputs["policy"]}
        )


def _create_functions(
    project: Path, aws: EmulatedAws, resources: Resources, translate: Translation
) -> dict[str, Handler]:
    """Log groups, roles and functions; returns each function's handler by its ARN."""
    logs = aws.client("logs")
    for inputs, _ in resources.of_type("aws:cloudwatch/logGroup:LogGroup"):
        logs.create_log_group(logGroupName=inputs["name"], kmsKeyId=inputs["kmsKeyId"])
        logs.put_retention_policy(
            logGroupName=inputs["name"], retentionInDays=inputs["retentionInDays"]
        )

    iam = aws.client("iam")
    for inputs, mock in resources.of_type("aws:iam/role:Role"):
        role = iam.create_role(
            RoleName=inputs["name"], AssumeRolePolicyDocument=inputs["assumeRolePolicy"]
        )["Role"]
        translate.learn(mock["arn"], role["Arn"])
        translate.learn(mock["id"], inputs["name"])  # a role's id is its name
    for inputs, _ in resources.of_type("aws:iam/rolePolicy:RolePolicy"):
        iam.put_role_policy(
            RoleName=inputs["role"], PolicyName=inputs["name"], PolicyDocument=inputs["policy"]
        )

    functions = aws.client("lambda")
    handlers: dict[str, Handler] = {}
    for inputs, mock in resources.of_type("aws:lambda/function:Function"):
        module_file, function_name = inputs["handler"].rsplit(".", 1)
        environment = inputs.get("environment", {}).get("variables", {})
        created = functions.create_function(
            FunctionName=inputs["name"],
            Runtime=inputs["runtime"],
            Role=inputs["role"],
            Handler=inputs["handler"],
            Code={"ZipFile": zipped(project / inputs["code"])},
            MemorySize=inputs["memorySize"],
            Timeout=inputs["timeout"],
            Environment={"Variables": environment},
            TracingConfig=api_shape(inputs["tracingConfig"]),
        )
        translate.learn(mock["arn"], created["FunctionArn"])
        translate.learn(mock["invokeArn"], created["FunctionArn"])
        module = load_function(
            project / inputs["code"] / f"{module_file}.py",
            f"emulated_{inputs['name'].replace('-', '_')}",
            environment,
        )
        handlers[created["FunctionArn"]] = getattr(module, function_name)
    for inputs, mock in resources.of_type("aws:lambda/permission:Permission"):
        conditions = {
            "SourceArn": inputs.get("sourceArn"),
            "SourceAccount": inputs.get("sourceAccount"),
        }
        functions.add_permission(
            FunctionName=inputs["function"],
            StatementId=mock["id"],
            Action=inputs["action"],
            Principal=inputs["principal"],
            **{key: value for key, value in conditions.items() if value},
        )
    return handlers


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


def _create_monitoring(aws: EmulatedAws, resources: Resources) -> None:
    cloudwatch = aws.client("cloudwatch")
    for inputs, _ in resources.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"):
        dimensions = inputs.pop("dimensions", {})
        queries = inputs.pop("metricQueries", [])
        alarm = api_shape(inputs)
        if queries:
            alarm["Metrics"] = [_metric_query(query) for query in queries]
        alarm["AlarmName"] = alarm.pop("Name")
        alarm["OKActions"] = alarm.pop("OkActions", [])
        alarm["Dimensions"] = [{"Name": name, "Value": value} for name, value in dimensions.items()]
        cloudwatch.put_metric_alarm(**alarm)
    for inputs, _ in resources.of_type("aws:cloudwatch/dashboard:Dashboard"):
        cloudwatch.put_dashboard(
            DashboardName=inputs["dashboardName"], DashboardBody=inputs["dashboardBody"]
        )


def deploy(project: Path, aws: EmulatedAws, answers: dict) -> tuple[dict, list]:
    """What ``pulumi up`` of a stream-pipeline project creates; returns (outputs, servers)."""
    if answers["aws_region"] != aws.region:
        raise ValueError(f"the project deploys to {answers['aws_region']}, not {aws.region}")
    FakeBucket.get_permission = _bucket_permission_over_tls
    planned = plan(project, answers["environment_suffix"])
    translate = Translation()
    resources = Resources(planned, translate)
    _create_storage(aws, resources, translate)
    handlers = _create_functions(project, aws, resources, translate)
    _create_monitoring(aws, resources)

    apigateway = aws.client("apigateway")
    for inputs, mock in resources.of_type("aws:apigateway/restApi:RestApi"):
        types = inputs["endpointConfiguration"]["types"]
        api = apigateway.create_rest_api(
            name=inputs["name"],
            description=inputs["description"],
            endpointConfiguration={"types": [types] if isinstance(types, str) else types},
        )
        translate.learn(mock["id"], api["id"])
    servers: list = []
    for inputs, mock in resources.of_type("aws:apigateway/stage:Stage"):
        # The Lambda proxies of the stage's API; its CORS preflights are MOCK integrations.
        (function_arn,) = {
            translate(integration["uri"])
            for integration, _ in resources.of_type("aws:apigateway/integration:Integration")
            if integration["restApi"] == inputs["restApi"] and integration["type"] == "AWS_PROXY"
        }
        server = LambdaProxyServer(inputs["stageName"], handlers[function_arn])
        translate.learn(mock["invokeUrl"], server.url)
        servers.append(server)

    notifications = [
        (
            inputs["bucket"],
            target.get("filterPrefix", ""),
            target["lambdaFunctionArn"],
            handlers[target["lambdaFunctionArn"]],
        )
        for inputs, _ in resources.of_type("aws:s3/bucketNotification:BucketNotification")
        for target in inputs["lambdaFunctions"]
    ]
    for inputs, _ in resources.of_type("aws:lambda/eventSourceMapping:EventSourceMapping"):
        function = handlers[inputs["functionName"]]
        servers.append(
            StreamMapping(aws, mapping=inputs, function=function, notifications=notifications)
        )
    return translate(planned["outputs"]), servers
