"""What Lambda hands a handler, shaped as AWS sends it: the context object and API Gateway REST
API proxy events. Importing this module also gives every Powertools Tracer a stand-in provider."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from unittest.mock import MagicMock

from aws_lambda_powertools import Tracer

from tests.unit.mocks import ACCOUNT_ID, DEFAULT_REGION

# The handlers build a Powertools Tracer when imported. Outside Lambda it never sends a trace,
# yet its default provider, the X-Ray SDK, creates two AWS clients on import (a fifth of a unit
# suite's time); every Tracer in these tests shares this stand-in instead, which records calls.
TRACING = MagicMock(name="tracing provider")
Tracer(provider=TRACING, disabled=True)


@contextmanager
def captured_logs(logger: Any) -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """What a Powertools ``logger`` writes meanwhile, read back as its JSON lines."""
    stream = io.StringIO()
    previous = logger.logger_handler.setStream(stream)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.logger_handler.setStream(previous)


@dataclass(frozen=True)
class LambdaContext:
    """What Lambda passes a handler as its context, for the attributes Powertools reads."""

    function_name: str = "test-function"
    aws_request_id: str = "52fdfc07-2182-154f-163f-5f0f9a621d72"
    memory_limit_in_mb: int = 128

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{DEFAULT_REGION}:{ACCOUNT_ID}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


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
