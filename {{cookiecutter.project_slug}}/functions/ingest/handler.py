"""The ingest API's Lambda handler: ``GET /health`` and ``POST /process``.

``POST /process`` takes one event as a JSON object, ``{"source": ..., "type": ..., "payload":
{...}}``. A body that is not such an object gets a 400 naming the problem, a body over
MAX_BODY_BYTES a 413. A valid event gets an id and a timestamp and is put on the stream with its
source as the partition key, so the events of one source stay in order.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import uuid
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

ENVIRONMENT = os.environ.get("ENVIRONMENT", "local")
FUNCTION_NAME = os.environ.get("FUNCTION_NAME", "ingest")
STREAM_NAME = os.environ.get("STREAM_NAME", "")
MAX_BODY_BYTES = 64 * 1024
MAX_SOURCE_LENGTH = 128  # also the most Kinesis accepts as a partition key (256 bytes)
MAX_TYPE_LENGTH = 64
FIELDS = ("source", "type", "payload")

LOGGER = logging.getLogger(FUNCTION_NAME)
LOGGER.setLevel(os.environ.get("LOG_LEVEL", "INFO"))

HEADERS = {"Content-Type": "application/json"}

_kinesis_client = None


class Rejected(ValueError):
    """The request cannot be accepted as sent; ``status`` and the message say why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    """A Lambda proxy response with a JSON body."""
    return {"statusCode": status, "headers": dict(HEADERS), "body": json.dumps(body)}


def _text_field(body: dict[str, Any], field: str, max_length: int) -> str:
    value = body[field]
    if not isinstance(value, str) or not value.strip() or len(value) > max_length:
        raise Rejected(
            400, f"{field} must be a non-empty string of at most {max_length} characters"
        )
    return value.strip()


def parse_event(event: dict[str, Any]) -> dict[str, Any]:
    """The validated event in a ``POST /process`` body; Rejected names what is wrong."""
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        raw = base64.b64decode(raw).decode("utf-8", errors="replace")
    if len(raw.encode("utf-8")) > MAX_BODY_BYTES:
        raise Rejected(413, f"body must be at most {MAX_BODY_BYTES} bytes")
    try:
        body = json.loads(raw)
    except json.JSONDecodeError:
        raise Rejected(400, "body must be valid JSON") from None
    if not isinstance(body, dict):
        raise Rejected(400, "body must be a JSON object")
    missing = [field for field in FIELDS if field not in body]
    if missing:
        raise Rejected(400, f"missing fields: {', '.join(missing)}")
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise Rejected(400, f"unknown fields: {', '.join(unknown)}")
    if not isinstance(body["payload"], dict):
        raise Rejected(400, "payload must be a JSON object")
    return {
        "source": _text_field(body, "source", MAX_SOURCE_LENGTH),
        "type": _text_field(body, "type", MAX_TYPE_LENGTH),
        "payload": body["payload"],
    }


def kinesis_client():
    """The Kinesis client, created on first use and kept for the execution environment."""
    global _kinesis_client  # noqa: PLW0603 - one client per execution environment
    if _kinesis_client is None:
        import boto3  # noqa: PLC0415 - the health check does not need it

        _kinesis_client = boto3.client("kinesis")
    return _kinesis_client


def health() -> dict[str, Any]:
    """Liveness: the function runs and knows its environment."""
    return response(200, {"status": "ok", "environment": ENVIRONMENT})


def process(event: dict[str, Any]) -> dict[str, Any]:
    """Validate one event, stamp it and put it on the stream."""
    record = parse_event(event)
    record = {"event_id": str(uuid.uuid4()), "received_at": datetime.now(UTC).isoformat(), **record}
    try:
        put = kinesis_client().put_record(
            StreamName=STREAM_NAME,
            Data=json.dumps(record, separators=(",", ":")).encode("utf-8"),
            PartitionKey=record["source"],
        )
    except (BotoCoreError, ClientError) as error:
        LOGGER.error(
            "put_record failed", extra={"event_id": record["event_id"], "error": str(error)}
        )
        return response(503, {"error": "the stream did not accept the event; retry later"})
    return response(
        202,
        {
            "event_id": record["event_id"],
            "received_at": record["received_at"],
            "shard_id": put["ShardId"],
            "sequence_number": put["SequenceNumber"],
        },
    )


ROUTES = {("GET", "/health"): lambda event: health(), ("POST", "/process"): process}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Route one API Gateway proxy event."""
    method = event.get("httpMethod", "")
    path = event.get("path", "")
    route = ROUTES.get((method, path))
    try:
        if route is None:
            # API Gateway sends only its two routes; anything else is a direct invocation.
            raise Rejected(404, f"no route for {method} {path}")
        result = route(event)
    except Rejected as rejected:
        result = response(rejected.status, {"error": str(rejected)})
    LOGGER.info(
        "request",
        extra={
            "method": method,
            "path": path,
            "status": result["statusCode"],
            "request_id": getattr(context, "aws_request_id", "local"),
        },
    )
    return result
