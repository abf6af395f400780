"""A stream-pipeline deployment, emulated: the program's resources replayed into moto
(replay.py), and loopback stand-ins for what runs code.

moto stores the resources but cannot run Lambda code without Docker, so the generated handlers
run in this process, where AWS_ENDPOINT_URL sends their boto3 calls to moto:

- the API stage is a LambdaProxyServer calling the function its integrations name
  (functions/ingest), which puts each event on the moto stream (serverless_api.serve_apis);
- the event source mapping is ``StreamMapping``, a thread that reads every shard from its
  starting position (GetShardIterator, GetRecords) and invokes functions/processor with Kinesis
  events, which writes each batch to the moto bucket. As Lambda does with
  ReportBatchItemFailures, it retries from the first failed record and, once the retries are
  spent, sends a record of the batch to the on-failure destination (the dead-letter queue). It
  does not wait for the batching window;
- the bucket notification is the same thread invoking functions/indexer with an ObjectCreated
  event for every new object under the notification's prefix.

Neither the mapping nor the notification is created in moto itself (replay.SKIPPED): moto would
try to run the function in Docker on every record and every object.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote_plus

from tests.emulated import EmulatedAws, Handler, lambda_handlers
from tests.emulated.replay import replay_stack
from tests.emulated.serverless_api import serve_apis

LOGGER = logging.getLogger(__name__)
# How often the mapping polls each shard; Lambda polls once a second.
POLL_SECONDS = 0.2
MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
NOTIFICATION = "aws:s3/bucketNotification:BucketNotification"
# The stack configs, beyond its stack file, that ``deploy`` runs the program with.
CONFIGS: tuple[dict[str, str], ...] = ({},)


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


def deploy(project: Path, aws: EmulatedAws, answers: dict) -> tuple[dict, list]:
    """``pulumi up`` of the project's stack; returns (outputs, servers)."""
    run = replay_stack(project, aws, answers["environment_suffix"])
    handlers = lambda_handlers(run)
    servers: list = serve_apis(run, handlers)
    notifications = [
        (
            inputs["bucket"],
            target.get("filterPrefix", ""),
            target["lambdaFunctionArn"],
            handlers[target["lambdaFunctionArn"]],
        )
        for inputs, _ in run.of_type(NOTIFICATION)
        for target in inputs["lambdaFunctions"]
    ]
    for inputs, _ in run.of_type(MAPPING):
        function = handlers[inputs["functionName"]]
        servers.append(
            StreamMapping(aws, mapping=inputs, function=function, notifications=notifications)
        )
    return run.outputs(), servers
