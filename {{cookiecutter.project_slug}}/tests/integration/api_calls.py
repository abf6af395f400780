"""Calls to the deployed API as its ``api_auth`` mode needs (the stack's ``api_auth`` output):
SigV4-signed with the caller's AWS credentials (``iam``), with an ID token of a user created in
the stack's user pool for the test (``cognito``), or plain (``none``)."""

from __future__ import annotations

import json
import secrets
import string
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

# A call: (method, url, JSON body or None) -> (status, JSON body).
Call = Callable[[str, str, Any], tuple[int, Any]]


def plain_call(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    """An HTTP request; returns the status and the JSON body (None if empty), whatever the
    status."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - the URL is the stack's own endpoint
        url,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def signed_call(region: str | None) -> Call:
    """Requests signed with SigV4 for ``execute-api`` with the caller's credentials."""
    session = boto3.Session(region_name=region)
    credentials = session.get_credentials().get_frozen_credentials()
    signer = SigV4Auth(credentials, "execute-api", session.region_name)

    def call(method: str, url: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = AWSRequest(
            method=method, url=url, data=data, headers={"Content-Type": "application/json"}
        )
        signer.add_auth(request)
        return plain_call(method, url, body, dict(request.headers.items()))

    return call


def _password() -> str:
    """A random password that meets the pool's policy: every character class, 24 long."""
    classes = (string.ascii_lowercase, string.ascii_uppercase, string.digits, "!#%+-=")
    characters = [secrets.choice(chars) for chars in classes for _ in range(6)]
    secrets.SystemRandom().shuffle(characters)
    return "".join(characters)


@contextmanager
def cognito_call(outputs: dict[str, Any], cognito: Any) -> Iterator[Call]:
    """Requests carrying the ID token of a user created in the stack's pool for the test (the
    pool takes no sign-ups: an administrator creates users), who is deleted afterwards."""
    pool, client = outputs["user_pool_id"], outputs["user_pool_client_id"]
    username, password = f"integration-{uuid.uuid4().hex[:12]}", _password()
    cognito.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS")
    try:
        cognito.admin_set_user_password(
            UserPoolId=pool, Username=username, Password=password, Permanent=True
        )
        tokens = cognito.initiate_auth(
            ClientId=client,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )["AuthenticationResult"]
        token = {"Authorization": tokens["IdToken"]}

        def call(method: str, url: str, body: Any = None) -> tuple[int, Any]:
            return plain_call(method, url, body, token)

        yield call
    finally:
        cognito.admin_delete_user(UserPoolId=pool, Username=username)


@contextmanager
def api_call(outputs: dict[str, Any], region: str | None, aws: Any) -> Iterator[Call]:
    """Calls as the stack's mode needs them."""
    mode = outputs["api_auth"]
    if mode == "cognito":
        with cognito_call(outputs, aws("cognito-idp")) as call:
            yield call
    elif mode == "iam":
        yield signed_call(region)
    else:
        yield plain_call


# What API Gateway answers a request without credentials in each mode that asks for them.
REFUSED_STATUS = {"iam": 403, "cognito": 401}
