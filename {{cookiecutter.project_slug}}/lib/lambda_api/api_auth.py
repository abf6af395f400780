"""Who may call a REST API, decided once for every method of both APIs.

Three modes, the ``api_auth`` answer at generation and ``TapStack:apiAuth`` in a stack's config:

- ``iam``: every caller signs its requests with SigV4 (service ``execute-api``) and needs
  ``execute-api:Invoke`` on the API; the stack grants it to nobody, and exports the ARN such a
  policy names (``api_execute_arn``);
- ``cognito``: the stack creates a user pool (users are created by an administrator, never by
  signing up) and an app client; callers send the pool's ID token in ``Authorization``. The
  stack exports the pool and client ids;
- ``none``: a public API, chosen deliberately. The mode is a stack output (``api_auth``), so a
  policy rule reads the choice as data.

The CORS preflight (``OPTIONS``) is never authorized: browsers send it without credentials.
``GET /health`` stays open in every mode (``OPEN_ROUTES``): uptime checks and load balancers
probe it without credentials, and it answers nothing but ``{"status": "ok"}``.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi_aws import apigateway, cognito

from lib.context import StackContext
from lib.environment import ConfigurationError, tier_of
from lib.lambda_api.api_deployment import ApiSnapshot

IAM, COGNITO, NONE = "iam", "cognito", "none"
MODES = (IAM, COGNITO, NONE)
# The answer given when this project was generated; config TapStack:apiAuth overrides it.
DEFAULT_API_AUTH = {{ cookiecutter.api_auth | tojson }}
# The routes that stay open in every mode, as (method, path): see the module docstring.
OPEN_ROUTES = frozenset({("GET", "health")})
# API Gateway's authorization type for each mode.
AUTHORIZATION_TYPES = {IAM: "AWS_IAM", COGNITO: "COGNITO_USER_POOLS", NONE: "NONE"}
# The stack outputs each mode adds (stage_outputs).
OUTPUT_NAMES = {
    IAM: ("api_auth", "api_execute_arn"),
    COGNITO: ("api_auth", "user_pool_id", "user_pool_client_id"),
    NONE: ("api_auth",),
}
# The header a Cognito caller sends its ID token in.
IDENTITY_HEADER = "Authorization"
# Cognito's password policy for the pool's users: long, every character class, and a temporary
# password an administrator hands out that expires within a day.
PASSWORD_POLICY = {
    "minimum_length": 14,
    "require_lowercase": True,
    "require_uppercase": True,
    "require_numbers": True,
    "require_symbols": True,
    "temporary_password_validity_days": 1,
}
# The app client's flows: username and password (what the integration tests use), SRP (what
# the Amplify and Cognito SDKs use) and refreshing the tokens either returns.
CLIENT_AUTH_FLOWS = ("ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")


def api_auth_from_config(config: pulumi.Config) -> str:
    """The stack's mode: config ``apiAuth``, else the generated answer; one of MODES."""
    mode = config.get("apiAuth") or DEFAULT_API_AUTH
    if mode not in MODES:
        raise ConfigurationError(f"config apiAuth {mode!r} must be one of {', '.join(MODES)}")
    return mode


class ApiAuth(pulumi.ComponentResource):
    """The authorization of one REST API's methods, in ``mode``; with ``cognito``, the user
    pool, its app client and the API's Cognito authorizer (a part of ``snapshot``: the stage
    serves authorizers from its deployment, so a change redeploys).

    Only prod's pool has deletion protection, and ``allow_destroy`` (config ``allowDestroy``)
    turns even that off: Cognito refuses to delete a pool whose protection is ACTIVE, so a
    deliberate destroy of prod would stop at it."""

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        *,
        mode: str,
        purpose: str,
        allow_destroy: bool = False,
        rest_api: apigateway.RestApi,
        snapshot: ApiSnapshot,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:api:ApiAuth", name, None, opts)
        if mode not in MODES:
            raise ConfigurationError(f"api auth {mode!r} must be one of {', '.join(MODES)}")
        self.mode = mode
        self.authorizer: apigateway.Authorizer | None = None
        self.outputs: dict[str, pulumi.Input[Any]] = {"api_auth": mode}
        child = pulumi.ResourceOptions(parent=self)
        if mode == COGNITO:
            self.user_pool = cognito.UserPool(
                f"{name}-users",
                name=ctx.namer.name("cognito_user_pool", purpose),
                password_policy=cognito.UserPoolPasswordPolicyArgs(**PASSWORD_POLICY),
                # No self sign-up: an administrator creates every user.
                admin_create_user_config=cognito.UserPoolAdminCreateUserConfigArgs(
                    allow_admin_create_user_only=True
                ),
                deletion_protection=(
                    "ACTIVE" if tier_of(ctx.suffix) == "prod" and not allow_destroy else "INACTIVE"
                ),
                tags=ctx.tags,
                opts=child,
            )
            self.client = cognito.UserPoolClient(
                f"{name}-client",
                name=ctx.namer.name("cognito_client", purpose),
                user_pool_id=self.user_pool.id,
                # A public client (a browser, a CLI): a secret it holds would not stay secret.
                generate_secret=False,
                explicit_auth_flows=list(CLIENT_AUTH_FLOWS),
                prevent_user_existence_errors="ENABLED",
                opts=child,
            )
            self.authorizer = snapshot.add(
                apigateway.Authorizer,
                f"{name}-authorizer",
                name=ctx.namer.name("api_authorizer", purpose),
                rest_api=rest_api.id,
                type="COGNITO_USER_POOLS",
                provider_arns=[self.user_pool.arn],
                identity_source=f"method.request.header.{IDENTITY_HEADER}",
                opts=child,
            )
            self.outputs |= {
                "user_pool_id": self.user_pool.id,
                "user_pool_client_id": self.client.id,
            }
        self.register_outputs(self.outputs)

    def method_args(self, http_method: str, path: str) -> dict[str, Any]:
        """The ``apigateway.Method`` arguments that authorize ``http_method`` on ``path`` (as
        its resource's path part, ``{proxy+}`` or ``""`` for the root)."""
        if http_method == "OPTIONS" or (http_method, path) in OPEN_ROUTES:
            return {"authorization": "NONE"}
        args: dict[str, Any] = {"authorization": AUTHORIZATION_TYPES[self.mode]}
        if self.authorizer is not None:
            args["authorizer_id"] = self.authorizer.id
        return args

    def stage_outputs(self, rest_api: apigateway.RestApi, stage_name: str) -> dict[str, Any]:
        """What a caller needs: the mode, the pool and client ids (cognito), and for iam the
        ``execute-api`` ARN of every method of the stage, for the callers' IAM policies."""
        if self.mode != IAM:
            return dict(self.outputs)
        return {
            **self.outputs,
            "api_execute_arn": pulumi.Output.concat(rest_api.execution_arn, "/", stage_name, "/*"),
        }
