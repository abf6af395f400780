"""The stream processor: Kinesis records in, one JSON Lines object per batch out.

Powertools' BatchProcessor hands each record to ``record_handler``. A record that can never be
processed is quarantined once, with the reason, and acknowledged; any other failure is reported
for retry. The good records are then written as one object whose key only the batch's first
record decides. Lambda retries a shard from the first record reported, so that record and all
after it are left for the retry, which either starts at the same first record, and replaces the
same object, or after every record written. With a ``signing_key`` in the downstream secret,
each object carries an HMAC-SHA256 of its body in its ``signature`` metadata.
"""

import base64
import hashlib
import hmac
import json
import os
import time
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities import batch
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

BUCKET_NAME = os.environ.get("BUCKET_NAME", "")
OUTPUT_PREFIX = os.environ.get("OUTPUT_PREFIX", "processed/")
QUARANTINE_PREFIX = os.environ.get("QUARANTINE_PREFIX", "quarantine/")
SECRET_ARN = os.environ.get("SECRET_ARN", "")
SECRET_TTL_SECONDS = 300  # a rotated signing key is picked up within minutes
# Twice the ingest API's 64 KiB body limit: room for the fields it adds, and a bound on memory.
MAX_RECORD_BYTES = 128 * 1024
FIELD_TYPES = {"event_id": str, "received_at": str, "source": str, "type": str, "payload": dict}

logger = Logger()
tracer = Tracer()
metrics = Metrics()
s3 = boto3.client("s3")
secrets = boto3.client("secretsmanager")
_signing_key: dict[str, Any] = {"value": None, "expires": 0.0}


class BadRecord(ValueError):
    """A record that can never be processed as it is; the message says why."""


class SecretError(ValueError):
    """The downstream secret holds something other than ``{"signing_key": "<text>"}``."""


def decode(record: KinesisStreamRecord) -> dict[str, Any]:
    """The event a record carries, as the ingest function put it there."""
    try:
        raw = base64.b64decode(record.kinesis.data, validate=True)
    except ValueError:
        raise BadRecord("data is not base64") from None
    if len(raw) > MAX_RECORD_BYTES:
        raise BadRecord(f"data is over {MAX_RECORD_BYTES} bytes")
    try:
        event = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):  # also too many digits, or nested too deep
        raise BadRecord("data is not UTF-8 JSON") from None
    if not isinstance(event, dict):
        raise BadRecord("data is not a JSON object")
    missing, unknown = FIELD_TYPES.keys() - event.keys(), event.keys() - FIELD_TYPES.keys()
    for problem, names in (("missing", missing), ("unknown", unknown)):
        if names:
            raise BadRecord(f"{problem} fields: {', '.join(sorted(names))}")
    for name, kind in FIELD_TYPES.items():
        if not isinstance(event[name], kind):
            raise BadRecord(f"{name} must be {'a JSON object' if kind is dict else 'text'}")
    return event


def shard_of(record: KinesisStreamRecord) -> str:
    """The record's shard: Lambda's event id is ``<shard id>:<sequence number>``."""
    return record.event_id.rpartition(":")[0]


def quarantine(record: KinesisStreamRecord, reason: str) -> None:
    """Keep a record that can never be processed, with why, where an operator looks for it."""
    kinesis = record.kinesis
    body = {"reason": reason, "shard_id": shard_of(record)}
    body |= {"sequence_number": kinesis.sequence_number, "partition_key": kinesis.partition_key}
    body["approximate_arrival_timestamp"] = kinesis.approximate_arrival_timestamp
    body |= {"event_source_arn": record.event_source_arn, "data": kinesis.data}
    key = f"{QUARANTINE_PREFIX}{body['shard_id']}/{kinesis.sequence_number}.json"
    try:  # written only if absent (S3 conditional writes): a retry adds no second copy
        s3.put_object(Bucket=BUCKET_NAME, Key=key, Body=json.dumps(body), IfNoneMatch="*")
    except ClientError as error:
        if error.response["Error"]["Code"] != "PreconditionFailed":
            raise
    logger.warning("record quarantined", extra={"record_id": record.event_id, "reason": reason})


def record_handler(record: KinesisStreamRecord) -> str | None:
    """The record's JSON line, or None once a record that can never be processed is kept aside."""
    try:
        event, kinesis = decode(record), record.kinesis
        arrived_at = datetime.fromtimestamp(kinesis.approximate_arrival_timestamp, UTC)
        row = {**event, "arrived_at": arrived_at.isoformat()}
        row |= {"processed_at": datetime.now(UTC).isoformat(), "shard_id": shard_of(record)}
        row |= {"partition_key": kinesis.partition_key, "sequence_number": kinesis.sequence_number}
        # NaN and Infinity parse, but are not JSON: they are refused rather than written.
        return json.dumps(row, separators=(",", ":"), allow_nan=False)
    except (ValueError, RecursionError) as error:  # BadRecord, or a row that cannot be JSON
        quarantine(record, str(error))
        return None


def signing_key() -> bytes | None:
    """The key batches are signed with, or None while operators have not set the secret."""
    if time.monotonic() < _signing_key["expires"]:
        return _signing_key["value"]
    try:
        secret = secrets.get_secret_value(SecretId=SECRET_ARN)["SecretString"]
        key = json.loads(secret)["signing_key"]
        if not isinstance(key, str) or not key:
            raise TypeError(key)
    except secrets.exceptions.ResourceNotFoundException:  # created empty; set by operators
        logger.warning("the downstream secret has no value yet; batches are written unsigned")
        key = None
    except (ValueError, KeyError, TypeError):
        raise SecretError('the downstream secret must be {"signing_key": "<text>"}') from None
    _signing_key.update(value=key and key.encode(), expires=time.monotonic() + SECRET_TTL_SECONDS)
    return _signing_key["value"]


def write_batch(first: KinesisStreamRecord, lines: list[str]) -> None:
    """Write ``lines`` as one object whose key only the batch's first record decides."""
    at = datetime.fromtimestamp(first.kinesis.approximate_arrival_timestamp, UTC)
    key = f"{OUTPUT_PREFIX}year={at:%Y}/month={at:%m}/day={at:%d}/hour={at:%H}/"  # of arrival
    key += f"{shard_of(first)}-{first.kinesis.sequence_number}.jsonl"
    body = "".join(line + "\n" for line in lines).encode("utf-8")
    metadata = {"record-count": str(len(lines))}
    if (secret := signing_key()) is not None:
        metadata["signature"] = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    s3.put_object(
        Bucket=BUCKET_NAME,
        Key=key,
        Body=body,
        ContentType="application/x-ndjson",
        Metadata=metadata,
    )


class BatchWriter(batch.BatchProcessor):  # pylint: disable=abstract-method  # sync only
    """Powertools' Kinesis batch processor, then one write of the good records."""

    def process(self) -> list[tuple]:
        results = super().process()
        statuses = [status for status, _, _ in results]
        retry_from = statuses.index("fail") if "fail" in statuses else len(results)
        lines = [line for _, line, _ in results[:retry_from] if line is not None]
        try:
            if lines:
                write_batch(KinesisStreamRecord(self.records[0]), lines)
        except (ClientError, SecretError):
            logger.exception("batch not written; every record is retried")
            retry_from, lines = 0, []
        retried = RuntimeError("retried from an earlier record of the batch")
        for status, _, record in results[retry_from:]:
            if status == "success":  # a success keeps its raw record
                self.success_messages.remove(record)
                self.failure_handler(KinesisStreamRecord(record), (RuntimeError, retried, None))
        metrics.add_metric(name="RecordsWritten", unit="Count", value=len(lines))
        metrics.add_metric(name="RecordsQuarantined", unit="Count", value=retry_from - len(lines))
        metrics.add_metric(name="RecordsRetried", unit="Count", value=len(results) - retry_from)
        return results


# A batch that fails whole is still a partial response: a function error would also split it.
processor = BatchWriter(
    batch.EventType.KinesisDataStreams, raise_on_entire_batch_failure=False, logger=logger
)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Process one batch of stream records; report the ones Lambda must retry."""
    return batch.process_partial_response(event, record_handler, processor, context)
