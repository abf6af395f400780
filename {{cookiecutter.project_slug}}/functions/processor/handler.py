"""The stream processor: Kinesis records in, one JSON Lines object per invocation out.

Each record is decoded and transformed on its own; the good ones are written together to
``<OUTPUT_PREFIX>year=YYYY/month=MM/day=DD/hour=HH/<request id>.jsonl`` in the data bucket, and
every record that could not be processed is reported by its sequence number, so Lambda retries
from there instead of failing the whole batch. Delivery is at least once: ``event_id`` tells
a retried record from a new one.

When the downstream secret holds a ``signing_key``, every object carries an HMAC-SHA256 of its
body in its ``signature`` metadata, for consumers to check.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import time
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

FUNCTION_NAME = os.environ.get("FUNCTION_NAME", "processor")
BUCKET_NAME = os.environ.get("BUCKET_NAME", "")
OUTPUT_PREFIX = os.environ.get("OUTPUT_PREFIX", "processed/")
SECRET_ARN = os.environ.get("SECRET_ARN", "")
# How long a read of the secret is trusted, so a rotated key is picked up within minutes.
SECRET_TTL_SECONDS = 300
EVENT_FIELDS = ("event_id", "received_at", "source", "type", "payload")

LOGGER = logging.getLogger(FUNCTION_NAME)
LOGGER.setLevel(os.environ.get("LOG_LEVEL", "INFO"))

_clients: dict[str, Any] = {}
_signing_key: dict[str, Any] = {"value": None, "expires": 0.0}


class BadRecord(ValueError):
    """A record that can never be processed as it is; the message says why."""


class SecretError(ValueError):
    """The downstream secret holds something other than ``{"signing_key": "<text>"}``."""


def client(service: str):
    """A boto3 client per service, created on first use and kept for the execution environment."""
    if service not in _clients:
        import boto3  # noqa: PLC0415 - keeps module import (and cold starts) light

        _clients[service] = boto3.client(service)
    return _clients[service]


def decode(record: dict[str, Any]) -> dict[str, Any]:
    """The event a Kinesis record carries, as the ingest function put it there."""
    try:
        event = json.loads(base64.b64decode(record["kinesis"]["data"], validate=True))
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError):
        raise BadRecord("data is not base64-encoded JSON") from None
    if not isinstance(event, dict):
        raise BadRecord("data is not a JSON object")
    missing = [field for field in EVENT_FIELDS if field not in event]
    if missing:
        raise BadRecord(f"missing fields: {', '.join(missing)}")
    return event


def transform(event: dict[str, Any], record: dict[str, Any], processed_at: datetime) -> dict:
    """The row written for one event: the event, where it was on the stream, and when."""
    kinesis = record["kinesis"]
    arrived_at = datetime.fromtimestamp(kinesis["approximateArrivalTimestamp"], UTC)
    return {
        "event_id": event["event_id"],
        "source": event["source"],
        "type": event["type"],
        "received_at": event["received_at"],
        "arrived_at": arrived_at.isoformat(),
        "processed_at": processed_at.isoformat(),
        "partition_key": kinesis["partitionKey"],
        "sequence_number": kinesis["sequenceNumber"],
        "payload": event["payload"],
    }


def batch_key(prefix: str, at: datetime, batch_id: str) -> str:
    """The object key of one batch, partitioned by the hour it was processed in (UTC)."""
    return f"{prefix}year={at:%Y}/month={at:%m}/day={at:%d}/hour={at:%H}/{batch_id}.jsonl"


def signing_key() -> bytes | None:
    """The key batches are signed with, or None while operators have not set the secret."""
    if time.monotonic() < _signing_key["expires"]:
        return _signing_key["value"]
    try:
        secret = client("secretsmanager").get_secret_value(SecretId=SECRET_ARN)["SecretString"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        LOGGER.warning("the downstream secret has no value yet; batches are written unsigned")
        value = None
    else:
        try:
            text = json.loads(secret)["signing_key"]
        except (json.JSONDecodeError, KeyError, TypeError):
            raise SecretError('the downstream secret must be {"signing_key": "<text>"}') from None
        if not isinstance(text, str) or not text:
            raise SecretError("the downstream secret's signing_key must be non-empty text")
        value = text.encode("utf-8")
    _signing_key.update(value=value, expires=time.monotonic() + SECRET_TTL_SECONDS)
    return value


def write_batch(key: str, rows: list[dict[str, Any]]) -> None:
    """Write ``rows`` as one JSON Lines object, signed when there is a signing key."""
    body = "".join(json.dumps(row, separators=(",", ":")) + "\n" for row in rows).encode("utf-8")
    metadata = {"record-count": str(len(rows))}
    secret = signing_key()
    if secret is not None:
        metadata["signature"] = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    client("s3").put_object(
        Bucket=BUCKET_NAME,
        Key=key,
        Body=body,
        ContentType="application/x-ndjson",
        Metadata=metadata,
    )


def handler(event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    """Process one batch of stream records; return the records that failed, one by one."""
    processed_at = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    failed: list[str] = []
    for record in event.get("Records", []):
        sequence_number = record["kinesis"]["sequenceNumber"]
        try:
            rows.append(transform(decode(record), record, processed_at))
        except BadRecord as error:
            failed.append(sequence_number)
            LOGGER.warning(
                "record rejected", extra={"sequence_number": sequence_number, "reason": str(error)}
            )
    if rows:
        key = batch_key(OUTPUT_PREFIX, processed_at, context.aws_request_id)
        try:
            write_batch(key, rows)
        except (BotoCoreError, ClientError, SecretError) as error:
            # Nothing was written: every record of the batch is reported, each by its own number.
            failed += [row["sequence_number"] for row in rows]
            LOGGER.error("batch not written", extra={"key": key, "error": str(error)})
        else:
            LOGGER.info("batch written", extra={"key": key, "records": len(rows)})
    return {"batchItemFailures": [{"itemIdentifier": number} for number in failed]}
