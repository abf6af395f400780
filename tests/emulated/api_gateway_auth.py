"""API Gateway's method authorization, enforced by the loopback stand-in of a stage.

moto stores each method's authorization type and authorizer but checks nothing, so the stand-in
(``LambdaProxyServer``) asks an ``ApiGuard`` built from the replayed methods first, and answers
as API Gateway does when it refuses:

- a path or method the API does not declare: 403 ``Missing Authentication Token``;
- ``AWS_IAM``: a request without a SigV4 ``Authorization`` header, 403 ``Missing Authentication
  Token``; one signed for another service or region, with another key or with a signature that
  does not match the request (recomputed with botocore from the emulated account's credentials,
  over the headers the request says it signed), 403;
- ``COGNITO_USER_POOLS``: no token, or one that is not a JWT signed by moto's Cognito key for a
  pool the authorizer names and one of its app clients, with ``token_use`` id, unexpired: 401
  ``Unauthorized``.
"""

from __future__ import annotations

import gzip
import json
import re
import time
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from tests.emulated import CREDENTIALS

if TYPE_CHECKING:
    from email.message import Message

    from tests.emulated.replay import Replay

RESOURCE = "aws:apigateway/resource:Resource"
METHOD = "aws:apigateway/method:Method"
AUTHORIZER = "aws:apigateway/authorizer:Authorizer"
SIGV4 = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request, ?SignedHeaders=(?P<signed>[a-z0-9;-]+), ?"
    r"Signature=(?P<signature>[0-9a-f]{64})"
)
MISSING_TOKEN = (403, "Missing Authentication Token")
UNAUTHORIZED = (401, "Unauthorized")
Refusal = tuple[int, str]


def moto_signing_keys() -> KeySet:
    """The keys moto's Cognito signs every token with (it publishes them as the pools' JWKS)."""
    data = resources.files("moto.cognitoidp").joinpath("resources/jwks-public.json.gz")
    return KeySet.import_key_set(json.loads(gzip.decompress(data.read_bytes())))


@dataclass(frozen=True)
class Authorization:
    """How one method is authorized: its type and, for Cognito, the pools and their clients."""

    type: str
    pool_ids: tuple[str, ...] = ()
    client_ids: frozenset[str] = frozenset()


class ApiGuard:
    """The authorization of every method of one replayed REST API, by path part and method."""

    def __init__(self, run: Replay, rest_api: str) -> None:
        self._region = run.aws.region
        self._keys = moto_signing_keys()
        root = next(
            run.translate(mock["rootResourceId"])
            for inputs, mock in run.of_type("aws:apigateway/restApi:RestApi")
            if run.translate(mock["id"]) == rest_api
        )
        paths = {root: ""} | {
            run.translate(mock["id"]): inputs["pathPart"]
            for inputs, mock in run.of_type(RESOURCE)
            if inputs["restApi"] == rest_api
        }
        cognito = run.client("cognito-idp")
        pools = {
            run.translate(mock["id"]): [arn.rsplit("/", 1)[-1] for arn in inputs["providerArns"]]
            for inputs, mock in run.of_type(AUTHORIZER)
            if inputs["restApi"] == rest_api
        }
        self._methods: dict[tuple[str, str], Authorization] = {}
        for inputs, _ in run.of_type(METHOD):
            if inputs["restApi"] != rest_api:
                continue
            pool_ids = tuple(pools.get(inputs.get("authorizerId", ""), ()))
            clients = frozenset(
                client["ClientId"]
                for pool in pool_ids
                for client in cognito.list_user_pool_clients(UserPoolId=pool, MaxResults=60)[
                    "UserPoolClients"
                ]
            )
            key = (paths[inputs["resourceId"]], inputs["httpMethod"])
            self._methods[key] = Authorization(inputs["authorization"], pool_ids, clients)

    def method(self, http_method: str, path: str) -> Authorization | None:
        """The method API Gateway would route ``http_method`` ``path`` to (``/health`` before
        ``/{proxy+}``, a method before ``ANY``), or None."""
        part = path.strip("/")
        candidates = [part] if "/" not in part else []
        candidates += ["{proxy+}"] if part else []
        for resource in candidates or [""]:
            for method in (http_method, "ANY"):
                if (resource, method) in self._methods:
                    return self._methods[(resource, method)]
        return None

    def refusal(
        self, http_method: str, path: str, url: str, headers: Message, body: bytes | None
    ) -> Refusal | None:
        """API Gateway's refusal of this request, or None when the method lets it through."""
        method = self.method(http_method, path)
        if method is None:
            return MISSING_TOKEN
        if method.type == "AWS_IAM":
            return self._sigv4_refusal(http_method, url, headers, body)
        if method.type == "COGNITO_USER_POOLS":
            return self._token_refusal(method, headers.get("Authorization", ""))
        return None

    def _sigv4_refusal(
        self, http_method: str, url: str, headers: Message, body: bytes | None
    ) -> Refusal | None:
        header = headers.get("Authorization")
        if not header:
            return MISSING_TOKEN
        parts = SIGV4.fullmatch(header.strip())
        if parts is None:
            return (403, f"Authorization header requires 'Credential' parameter: {header[:40]}")
        if (parts["service"], parts["region"]) != ("execute-api", self._region):
            return (403, f"Credential should be scoped to {self._region}/execute-api")
        if parts["key"] != CREDENTIALS["AWS_ACCESS_KEY_ID"]:
            return (403, "The security token included in the request is invalid")
        signed = parts["signed"].split(";")
        request = AWSRequest(
            method=http_method,
            url=url,
            data=body or b"",
            headers={name: headers[name] for name in signed if headers.get(name) is not None},
        )
        request.context["timestamp"] = headers.get("X-Amz-Date", "")
        signer = SigV4Auth(
            Credentials(
                CREDENTIALS["AWS_ACCESS_KEY_ID"],
                CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                CREDENTIALS["AWS_SESSION_TOKEN"],
            ),
            "execute-api",
            self._region,
        )
        canonical = signer.canonical_request(request)
        expected = signer.signature(signer.string_to_sign(request, canonical), request)
        if expected != parts["signature"]:
            return (403, "The request signature we calculated does not match the signature")
        return None

    def _token_refusal(self, method: Authorization, token: str) -> Refusal | None:
        try:
            claims = jwt.decode(token, self._keys).claims
        except (JoseError, ValueError):
            return UNAUTHORIZED
        issuers = {f"https://cognito-idp.{self._region}.amazonaws.com/{p}" for p in method.pool_ids}
        fits: list[Any] = [
            claims.get("iss") in issuers,
            claims.get("token_use") == "id",
            claims.get("aud") in method.client_ids,
            claims.get("exp", 0) > time.time(),
        ]
        return None if all(fits) else UNAUTHORIZED
