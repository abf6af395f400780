"""Stand-ins for a real deployment, so the generated integration tests can run for real.

``EmulatedAws`` is a moto server on loopback: boto3 in any process reaches it through
AWS_ENDPOINT_URL. ``LambdaProxyServer`` serves HTTP on loopback the way API Gateway's Lambda
proxy integration would, by calling a generated handler with a proxy event. Each variant's
module here (serverless_api.py, ...) has a ``deploy`` function that creates, in moto, what a
deployment of that variant creates, and returns the stack outputs a deployment would have
written to cfn-outputs/flat-outputs.json.
"""

from __future__ import annotations

import importlib.util
import io
import json
import sys
import threading
import urllib.request
import zipfile
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
# The attributes of a Lambda context that Powertools' Logger reads.
LAMBDA_CONTEXT = SimpleNamespace(
    aws_request_id="emulated",
    function_name="emulated",
    memory_limit_in_mb=128,
    invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:emulated",
)
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


class EmulatedAws:
    """A moto server on 127.0.0.1 and the environment that points boto3 at it."""

    def __init__(self, region: str) -> None:
        self.region = region
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self.env = {
            **CREDENTIALS,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
        }

    def client(self, service: str):
        """A boto3 client of the emulated account."""
        return boto3.client(
            service,
            region_name=self.region,
            endpoint_url=self.endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def reset(self) -> None:
        """Forget every resource, as a fresh account would."""
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).close()

    def stop(self) -> None:
        self._server.stop()


class LambdaProxyServer:
    """HTTP on 127.0.0.1 that turns each request into an API Gateway proxy event for ``handler``.

    URLs look like a stage's invoke URL: ``http://127.0.0.1:<port>/<stage>/<path>``.
    """

    def __init__(self, stage: str, handler: Handler) -> None:
        def serve(request: BaseHTTPRequestHandler) -> None:
            length = int(request.headers.get("Content-Length") or 0)
            body = request.rfile.read(length).decode() if length else None
            path = "/" + request.path.split("?", 1)[0].removeprefix(f"/{stage}").lstrip("/")
            headers = dict(request.headers)
            event = {  # as a greedy ``/{proxy+}`` resource (``/`` for the root) sends it
                "resource": "/{proxy+}" if path != "/" else "/",
                "path": path,
                "httpMethod": request.command,
                "headers": headers,
                "multiValueHeaders": {name: [value] for name, value in headers.items()},
                "pathParameters": {"proxy": path[1:]} if path != "/" else None,
                "requestContext": {"stage": stage, "path": f"/{stage}{path}", "requestId": "e1"},
                "body": body,
                "isBase64Encoded": False,
            }
            result = handler(event, LAMBDA_CONTEXT)
            payload = (result.get("body") or "").encode()
            request.send_response(result["statusCode"])
            for name, value in (result.get("headers") or {}).items():
                request.send_header(name, value)
            for name, values in (result.get("multiValueHeaders") or {}).items():
                for value in values:
                    request.send_header(name, value)
            request.send_header("Content-Length", str(len(payload)))
            request.end_headers()
            request.wfile.write(payload)

        class Proxy(BaseHTTPRequestHandler):
            do_GET = do_POST = do_PUT = do_DELETE = serve  # noqa: N815

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                del args

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/{stage}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def load_module(path: Path, name: str):
    """Import a generated source file (a Lambda handler) under ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def zipped(folder: Path) -> bytes:
    """A Lambda deployment package of ``folder``, as pulumi.FileArchive would upload."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*.py")):
            archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def lambda_role(aws: EmulatedAws, name: str) -> str:
    """An execution role Lambda can assume."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = aws.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    return role["Role"]["Arn"]


def alarm(aws: EmulatedAws, name: str, namespace: str, metric: str, dims: dict, topic: str) -> None:
    """A metric alarm that notifies ``topic``."""
    aws.client("cloudwatch").put_metric_alarm(
        AlarmName=name,
        Namespace=namespace,
        MetricName=metric,
        Dimensions=[{"Name": key, "Value": value} for key, value in dims.items()],
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        AlarmActions=[topic],
    )


def deployers() -> dict[str, Callable[[Path, EmulatedAws, dict], tuple[dict, list]]]:
    """Each variant's ``deploy(project, emulated account, answers) -> (outputs, servers)``."""
    from tests.emulated import multi_env_ecs, serverless_api, stream_pipeline  # noqa: PLC0415

    return {
        "serverless-api": serverless_api.deploy,
        "stream-pipeline": stream_pipeline.deploy,
        "multi-env-ecs": multi_env_ecs.deploy,
    }
