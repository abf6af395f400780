"""Stand-ins for a real deployment, so the generated integration tests can run for real.

``EmulatedAws`` is a moto server on loopback: boto3 in any process reaches it through
AWS_ENDPOINT_URL. ``LambdaProxyServer`` serves HTTP on loopback the way API Gateway's Lambda
proxy integration would, by calling a generated handler with a proxy event.

What a deployment creates is replayed from the generated program itself (replay.py). Each
variant's module here, named by ``emulation`` in the variant manifest, holds only the stand-ins
for what runs code on AWS and the things outside the stack that its deployment is given, and a
``deploy`` function that returns the stack outputs a deployment would have written to
cfn-outputs/flat-outputs.json, and the stand-in servers to stop afterwards.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import json
import os
import sys
import threading
import urllib.request
import zipfile
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import TYPE_CHECKING, Any

import boto3
from moto.server import ThreadedMotoServer

if TYPE_CHECKING:
    from tests.emulated.api_gateway_auth import ApiGuard
    from tests.emulated.replay import Replay

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

    URLs look like a stage's invoke URL: ``http://127.0.0.1:<port>/<stage>/<path>``. A ``guard``
    (api_gateway_auth.ApiGuard) refuses first what the method's authorization would.
    """

    def __init__(self, stage: str, handler: Handler, guard: ApiGuard | None = None) -> None:
        def serve(request: BaseHTTPRequestHandler) -> None:
            length = int(request.headers.get("Content-Length") or 0)
            raw = request.rfile.read(length) if length else None
            body = raw.decode() if raw else None
            path = "/" + request.path.split("?", 1)[0].removeprefix(f"/{stage}").lstrip("/")
            url = f"http://{request.headers['Host']}{request.path}"
            refused = guard and guard.refusal(request.command, path, url, request.headers, raw)
            if refused:
                payload = json.dumps({"message": refused[1]}).encode()
                request.send_response(refused[0])
                request.send_header("Content-Type", "application/json")
                request.send_header("Content-Length", str(len(payload)))
                request.end_headers()
                request.wfile.write(payload)
                return
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


def lambda_handlers(run: Replay) -> dict[str, Handler]:
    """Each replayed function's handler by the function's ARN, run in this process (moto would
    need Docker to run it), imported with the function's own code and environment."""
    handlers: dict[str, Handler] = {}
    for inputs, mock in run.of_type("aws:lambda/function:Function"):
        module_file, function_name = inputs["handler"].rsplit(".", 1)
        module = load_function(
            run.project / inputs["code"] / f"{module_file}.py",
            f"emulated_{inputs['name'].replace('-', '_')}",
            inputs.get("environment", {}).get("variables", {}),
        )
        handlers[run.translate(mock["arn"])] = getattr(module, function_name)
    return handlers


def emulations() -> dict[str, ModuleType]:
    """Each variant's module here, as the variant manifest names it (``emulation``)."""
    import variant_manifest  # noqa: PLC0415 - the template root, on pytest's path

    return {
        name: importlib.import_module(f"tests.emulated.{variant.emulation}")
        for name, variant in variant_manifest.load().variants.items()
    }


def deployers() -> dict[str, Callable[[Path, EmulatedAws, dict], tuple[dict, list]]]:
    """Each variant's ``deploy(project, emulated account, answers) -> (outputs, servers)``."""
    return {name: module.deploy for name, module in emulations().items()}
