"""The ingest API's Lambda handler on Powertools: ``GET /health`` and ``POST /process``.

``POST /process`` takes one event, ``{"source": ..., "type": ..., "payload": {...}}``; a request
that cannot be accepted gets a 4xx whose JSON ``error`` names the problem. A valid event gets an
id and a timestamp and goes on the stream keyed by its source, so one source's events stay in order.
"""

import base64
import json
import os
import re
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.parser import BaseModel, Field, ValidationError, parse
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ConfigDict, JsonValue

ENVIRONMENT = os.environ.get("ENVIRONMENT", "local")
STREAM_NAME = os.environ.get("STREAM_NAME", "")
MAX_BODY_BYTES = 64 * 1024
JSON_TYPE = "application/json"
GROUPS = {"missing": "missing fields", "extra_forbidden": "unknown fields"}

logger = Logger()
tracer = Tracer()
kinesis = boto3.client("kinesis")
app = APIGatewayRestResolver(cors=CORSConfig(allow_origin=os.environ["CORS_ALLOW_ORIGIN"]))


class IngestEvent(BaseModel):
    """What ``POST /process`` accepts: JSON types as they are (no coercion), no other fields."""

    # The stream's readers expect JSON, which has no NaN or Infinity (json.loads reads them).
    model_config = ConfigDict(
        extra="forbid", strict=True, str_strip_whitespace=True, allow_inf_nan=False
    )
    source: str = Field(min_length=1, max_length=128)  # the partition key: at most 256 chars
    type: str = Field(min_length=1, max_length=64)
    payload: dict[str, JsonValue]


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len(found := dict(pairs)) < len(pairs):
        ((key, _),) = Counter(key for key, _ in pairs).most_common(1)
        raise ServiceError(400, f"body repeats the key {key!r}")
    return found


JSON = json.JSONDecoder(object_pairs_hook=_object)


def request_json() -> dict[str, Any]:
    """The request's body as a JSON object, or a ServiceError naming why it cannot be read."""
    event = app.current_event
    if (event.headers.get("content-type") or "").split(";")[0].strip().lower() != JSON_TYPE:
        raise ServiceError(415, f"Content-Type must be {JSON_TYPE}")
    if event.body is None:
        raise ServiceError(400, "body is required")
    try:
        raw = event.body.encode(errors="surrogatepass")  # as sent, even if it is not Unicode
        raw = base64.b64decode(raw, validate=True) if event.is_base64_encoded else raw
        text = raw.decode()
    except UnicodeError:
        raise ServiceError(400, "body is not valid UTF-8") from None
    except ValueError:
        raise ServiceError(400, "body is not valid base64") from None
    if len(raw) > MAX_BODY_BYTES:
        raise ServiceError(413, f"body must be at most {MAX_BODY_BYTES} bytes")
    try:
        body = JSON.decode(text)
    except RecursionError:
        raise ServiceError(400, "body is nested too deeply") from None
    except ValueError as error:  # not JSON, or an integer of more digits than Python reads
        raise ServiceError(400, f"body is not valid JSON: {str(error).split(';')[0]}") from None
    if not isinstance(body, dict):
        raise ServiceError(400, "body must be a JSON object")
    return body


@app.get("/health")
def health() -> dict[str, Any]:
    """Liveness: the function runs and knows its environment."""
    return {"status": "ok", "environment": ENVIRONMENT}


@app.post("/process")
def process() -> Response:
    """Validate one event, stamp it and put it on the stream."""
    event = parse(event=request_json(), model=IngestEvent)
    record = {"event_id": str(uuid.uuid4()), "received_at": datetime.now(UTC).isoformat()}
    record |= event.model_dump()
    try:
        put = kinesis.put_record(
            StreamName=STREAM_NAME,
            Data=json.dumps(record, separators=(",", ":")).encode(),
            PartitionKey=event.source,
        )
    except (BotoCoreError, ClientError) as error:
        logger.error("put_record failed", event_id=record["event_id"], error=str(error))
        raise ServiceError(503, "the stream did not accept the event; retry later") from None
    answer = {"shard_id": put["ShardId"], "sequence_number": put["SequenceNumber"]}
    return Response(202, JSON_TYPE, {k: record[k] for k in ("event_id", "received_at")} | answer)


@app.exception_handler(ValidationError)
def invalid(error: ValidationError) -> Response:
    """A 400 naming every field that is missing, unknown or wrong, and what is wrong with it."""
    found: dict[str, list[str]] = {}
    for problem in error.errors(include_url=False, include_input=False):
        field = ".".join(map(str, problem["loc"][:2])) or "body"  # a field, or a payload key
        group = GROUPS.get(problem["type"])  # fields missing or unknown, listed together
        found.setdefault(group or field, []).append(field if group else problem["msg"])
    return refuse(ServiceError(400, "; ".join(f"{k}: {', '.join(v)}" for k, v in found.items())))


@app.exception_handler(ServiceError)
def refuse(error: ServiceError) -> Response:
    """Every refusal in one shape: ``{"error": "<what is wrong>"}``."""
    return Response(error.status_code, JSON_TYPE, {"error": error.msg})


@app.not_found
def no_route(_: Exception) -> Response:
    """404 for an unknown path, 405 naming the methods a known path allows."""
    path, method = app.current_event.path, app.current_event.http_method
    # Powertools lists its routes nowhere public; the unit tests fail if these attributes move.
    routes = app._static_routes + app._dynamic_routes  # noqa: SLF001
    if allowed := ", ".join(sorted({route.method for route in routes if route.rule.match(path)})):
        return refuse(ServiceError(405, f"{method} not allowed; use {allowed}"))
    return refuse(ServiceError(404, f"no route for {path}"))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Route one API Gateway proxy event by its resource and log it."""
    # By the resource API Gateway matched: unlike ``path``, it never holds a custom domain's base
    # path (powertools-lambda-python#576).
    resource, parameters = event.get("resource") or event["path"], event.get("pathParameters") or {}
    path = re.sub(r"\{(\w+)\+?\}", lambda match: parameters.get(match[1], ""), resource)
    result = app.resolve({**event, "path": path}, context)
    logger.info("request", method=event["httpMethod"], path=path, status=result["statusCode"])
    return result
