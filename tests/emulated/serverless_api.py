"""A serverless-api deployment, emulated: the program's resources replayed into moto
(replay.py), and a loopback server behind each API stage.

moto stores a REST API but serves none of it, and cannot run the function behind it without
Docker. So each stage's invoke URL is a LambdaProxyServer that calls, in this process, the
handler of the function the stage's Lambda proxy integrations name (the API's CORS preflights
are MOCK integrations, and call nothing), once the method's authorization lets the request
through (api_gateway_auth.ApiGuard: SigV4 for AWS_IAM, a pool's token for Cognito).
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.emulated import EmulatedAws, Handler, LambdaProxyServer, lambda_handlers
from tests.emulated.api_gateway_auth import ApiGuard
from tests.emulated.replay import Replay, replay_stack

STAGE = "aws:apigateway/stage:Stage"
INTEGRATION = "aws:apigateway/integration:Integration"
# A Lambda proxy integration's URI: the function's invocation path in API Gateway's namespace.
FUNCTION_URI = re.compile(
    r"arn:[^:]+:apigateway:[^:]+:lambda:path/[^/]+/functions/(.+)/invocations"
)
# The stack configs, beyond its stack file, that ``deploy`` runs the program with.
CONFIGS: tuple[dict[str, str], ...] = ({},)


def proxied_function(run: Replay, rest_api: str) -> str:
    """The ARN of the one function the Lambda proxy integrations of ``rest_api`` invoke."""
    functions = {
        FUNCTION_URI.fullmatch(integration["uri"])[1]
        for integration, _ in run.of_type(INTEGRATION)
        if integration["restApi"] == rest_api and integration["type"] == "AWS_PROXY"
    }
    if len(functions) != 1:
        raise AssertionError(f"API {rest_api} proxies to {sorted(functions)}, not one function")
    return functions.pop()


def serve_apis(run: Replay, handlers: dict[str, Handler]) -> list[LambdaProxyServer]:
    """A loopback server for each stage, standing in for its invoke URL from now on."""
    servers = []
    for inputs, mock in run.of_type(STAGE):
        server = LambdaProxyServer(
            inputs["stageName"],
            handlers[proxied_function(run, inputs["restApi"])],
            ApiGuard(run, inputs["restApi"]),
        )
        run.learn(mock["invokeUrl"], server.url)
        servers.append(server)
    return servers


def deploy(project: Path, aws: EmulatedAws, answers: dict) -> tuple[dict, list]:
    """``pulumi up`` of the project's stack; returns (outputs, servers)."""
    run = replay_stack(project, aws, answers["environment_suffix"])
    servers = serve_apis(run, lambda_handlers(run))
    return run.outputs(), servers
