"""The API's Lambda handler: ``GET /health`` and ``POST /items``, JSON in, JSON out.

API Gateway sends every request here through a Lambda proxy integration. Requests are
validated before anything else happens; every response is JSON with CORS headers, and every
request is logged as one structured JSON line.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import uuid
from datetime import UTC, datetime
from typing import Any

ENVIRONMENT = os.environ.get("ENVIRONMENT", "local")
FUNCTION_NAME = os.environ.get("FUNCTION_NAME", "api")
METRIC_NAMESPACE = os.environ.get("METRIC_NAMESPACE", "")
MAX_BODY_BYTES = 16 * 1024
MAX_NAME_LENGTH = 100
MAX_QUANTITY = 1000

LOGGER = logging.getLogger(FUNCTION_NAME)
LOGGER.setLevel(os.environ.get("LOG_LEVEL", "INFO"))

CORS_HEADERS = {"Access-Control-Allow-Origin": "*", "Content-Type": "application/json"}

_metrics_client = None


class BadRequest(ValueError):
    """The request cannot be served as sent; the message says why."""


def response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    """A Lambda proxy response with a JSON body."""
    return {"statusCode": status, "headers": dict(CORS_HEADERS), "body": json.dumps(body)}


def parse_item(event: dict[str, Any]) -> dict[str, Any]:
    """The validated item in a ``POST /items`` body; BadRequest names what is wrong."""
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        raw = base64.b64decode(raw).decode("utf-8", errors="replace")
    if len(raw.encode("utf-8")) > MAX_BODY_BYTES:
        raise BadRequest(f"body must be at most {MAX_BODY_BYTES} bytes")
    try:
        body = json.loads(raw)
    except json.JSONDecodeError:
        raise BadRequest("body must be valid JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME_LENGTH:
        raise BadRequest(f"name must be a non-empty string of at most {MAX_NAME_LENGTH} characters")
    quantity = body.get("quantity", 1)
    if (
        isinstance(quantity, bool)
        or not isinstance(quantity, int)
        or not 1 <= quantity <= MAX_QUANTITY
    ):
        raise BadRequest(f"quantity must be an integer from 1 to {MAX_QUANTITY}")
    unknown = sorted(set(body) - {"name", "quantity"})
    if unknown:
        raise BadRequest(f"unknown fields: {', '.join(unknown)}")
    return {"name": name.strip(), "quantity": quantity}


def metrics_client():
    """The CloudWatch client, created on first use so cold starts stay short."""
    global _metrics_client  # noqa: PLW0603 - one client per execution environment
    if _metrics_client is None:
        import boto3  # noqa: PLC0415 - only item creation needs it

        _metrics_client = boto3.client("cloudwatch")
    return _metrics_client


def record_item_created(quantity: int) -> None:
    """Count created items in the project's own metric namespace."""
    if not METRIC_NAMESPACE:
        return
    metrics_client().put_metric_data(
        Namespace=METRIC_NAMESPACE,
        MetricData=[
            {
                "MetricName": "ItemsCreated",
                "Dimensions": [{"Name": "Environment", "Value": ENVIRONMENT}],
                "Unit": "Count",
                "Value": quantity,
            }
        ],
    )


def health() -> dict[str, Any]:
    """Liveness: the function runs and knows its environment."""
    return response(200, {"status": "ok", "environment": ENVIRONMENT})


def create_item(event: dict[str, Any]) -> dict[str, Any]:
    """Validate an item and return it with an id and a creation time."""
    item = parse_item(event)
    item["id"] = str(uuid.uuid4())
    item["createdAt"] = datetime.now(UTC).isoformat()
    record_item_created(item["quantity"])
    return response(201, item)


ROUTES = {("GET", "/health"): lambda event: health(), ("POST", "/items"): create_item}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Route one API Gateway proxy event."""
    method = event.get("httpMethod", "")
    path = event.get("path", "")
    request_id = getattr(context, "aws_request_id", "local")
    route = ROUTES.get((method, path))
    try:
        if route is None:
            known = sorted(m for m, p in ROUTES if p == path)
            if known:
                result = response(405, {"error": f"{method} not allowed; use {', '.join(known)}"})
            else:
                result = response(404, {"error": f"no route for {path}"})
        else:
            result = route(event)
    except BadRequest as error:
        result = response(400, {"error": str(error)})
    LOGGER.info(
        "request",
        extra={
            "method": method,
            "path": path,
            "status": result["statusCode"],
            "request_id": request_id,
        },
    )
    return result
