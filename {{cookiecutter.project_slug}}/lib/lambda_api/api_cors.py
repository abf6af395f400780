"""CORS for a REST API, from one source: the browser's preflight, API Gateway's own error
responses and the functions behind the API all answer with the same headers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_aws import apigateway

from lib.lambda_api.api_deployment import ApiSnapshot

# Who may call the APIs from a browser. Narrow it to your site (https://app.example.com) here:
# the preflight, the gateway's error responses and the functions all follow.
ALLOW_ORIGIN = "*"
# The environment variable that tells a function behind the API the allowed origin.
ORIGIN_VARIABLE = "CORS_ALLOW_ORIGIN"
ALLOW_HEADERS = ("Content-Type", "Authorization", "X-Amz-Date", "X-Api-Key")
# The error responses API Gateway itself sends: throttling (429), a missing route or key (403),
# a failed or timed-out integration (502, 504). DEFAULT_4XX and DEFAULT_5XX cover every one.
GATEWAY_ERRORS = ("DEFAULT_4XX", "DEFAULT_5XX")
# The body API Gateway's own responses have by default: JSON with the reason.
GATEWAY_ERROR_TEMPLATE = '{"message":$context.error.messageString}'


@dataclass(frozen=True)
class ApiCors:
    """What browsers on other origins may do with an API."""

    allow_origin: str = ALLOW_ORIGIN
    allow_methods: Sequence[str] = ("GET", "POST")
    allow_headers: Sequence[str] = ALLOW_HEADERS

    @property
    def headers(self) -> dict[str, str]:
        """The CORS response headers, by name; the preflight's own OPTIONS is always allowed."""
        return {
            "Access-Control-Allow-Headers": ",".join(self.allow_headers),
            "Access-Control-Allow-Methods": ",".join([*self.allow_methods, "OPTIONS"]),
            "Access-Control-Allow-Origin": self.allow_origin,
        }

    def header_values(self, prefix: str) -> dict[str, str]:
        """The headers as API Gateway response parameters: ``prefix`` + name, quoted values."""
        return {f"{prefix}{name}": f"'{value}'" for name, value in self.headers.items()}

    @property
    def environment(self) -> dict[str, str]:
        """What a function behind the API needs to answer with the same origin."""
        return {ORIGIN_VARIABLE: self.allow_origin}


def cors_preflight(
    snapshot: ApiSnapshot,
    name: str,
    cors: ApiCors,
    *,
    rest_api: pulumi.Input[str],
    resource_id: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> None:
    """``OPTIONS`` on ``resource_id``, answered by API Gateway itself with the CORS headers."""
    method = snapshot.add(
        apigateway.Method,
        f"{name}-options",
        rest_api=rest_api,
        resource_id=resource_id,
        http_method="OPTIONS",
        authorization="NONE",
        opts=opts,
    )
    # The method's own output, so that what belongs to it waits for it: API Gateway refuses an
    # integration or response of a method that does not exist yet (NotFoundException).
    route = {"rest_api": rest_api, "resource_id": resource_id, "http_method": method.http_method}
    integration = snapshot.add(
        apigateway.Integration,
        f"{name}-options-mock",
        **route,
        type="MOCK",
        request_templates={"application/json": '{"statusCode": 200}'},
        opts=opts,
    )
    method_response = snapshot.add(
        apigateway.MethodResponse,
        f"{name}-options-200",
        **route,
        status_code="200",
        response_parameters={
            header: True for header in cors.header_values("method.response.header.")
        },
        response_models={"application/json": "Empty"},
        opts=opts,
    )
    snapshot.add(
        apigateway.IntegrationResponse,
        f"{name}-options-cors",
        **route,
        status_code=method_response.status_code,
        response_parameters=cors.header_values("method.response.header."),
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[integration])),
    )


def cors_gateway_responses(
    snapshot: ApiSnapshot,
    name: str,
    cors: ApiCors,
    *,
    rest_api: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> None:
    """API Gateway's own 4XX and 5XX responses with the CORS headers, so a browser sees the
    status (a throttled 429, a 504 timeout) instead of a CORS error. Each keeps its status."""
    for response_type in GATEWAY_ERRORS:
        snapshot.add(
            apigateway.Response,
            f"{name}-{response_type.lower().replace('_', '-')}",
            rest_api_id=rest_api,
            response_type=response_type,
            response_parameters=cors.header_values("gatewayresponse.header."),
            response_templates={"application/json": GATEWAY_ERROR_TEMPLATE},
            opts=opts,
        )
