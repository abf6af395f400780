"""Request validation at the edge: API Gateway refuses a body that is not a JSON object before
it invokes (and bills) a function.

The model holds only what every body method of these APIs shares, a JSON object, and the
handler keeps its own validation of the fields (Powertools' parser): it names each field that
is missing, unknown or wrong in one ``{"error": ...}`` answer, where API Gateway's validator
would answer one terse message per request. A model with the fields would be a second copy of
the handler's pydantic model, drifting from it.
"""

from __future__ import annotations

import json

import pulumi
from pulumi_aws import apigateway

from lib.context import StackContext
from lib.lambda_api.api_deployment import ApiSnapshot

JSON_TYPE = "application/json"
# API Gateway models are JSON Schema draft 4 (API Gateway developer guide, "Data models").
JSON_OBJECT_SCHEMA = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "title": "JsonObject",
    "type": "object",
}
# Methods whose requests carry a body the function reads. ANY is not one: it serves GET and
# HEAD too, whose requests have none, and the function answers it with 404 or 405.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class BodyValidation:
    """A JSON-object model and a validator of bodies for one REST API, both parts of its
    deployment (a stage validates with the deployment's copy of them)."""

    def __init__(
        self,
        snapshot: ApiSnapshot,
        name: str,
        ctx: StackContext,
        *,
        purpose: str,
        rest_api: pulumi.Input[str],
        opts: pulumi.ResourceOptions,
    ) -> None:
        # Names are unique per API only, and only a new API (or content type) replaces either,
        # so a replacement never meets its predecessor's name.
        self.model = snapshot.add(
            apigateway.Model,
            f"{name}-json-object-model",
            rest_api=rest_api,
            name=ctx.namer.name("api_model", f"{purpose}-{JSON_OBJECT_SCHEMA['title']}"),
            description="Any JSON object; the function validates its fields",
            content_type=JSON_TYPE,
            schema=json.dumps(JSON_OBJECT_SCHEMA, separators=(",", ":")),
            opts=opts,
        )
        self.validator = snapshot.add(
            apigateway.RequestValidator,
            f"{name}-body-validator",
            rest_api=rest_api,
            name=ctx.namer.name("api_validator", f"{purpose}-body"),
            validate_request_body=True,
            validate_request_parameters=False,
            opts=opts,
        )

    def method_args(self, http_method: str) -> dict[str, pulumi.Input]:
        """What a method of ``http_method`` adds to its arguments: the validator and the model
        for a body method, nothing for the others."""
        if http_method not in BODY_METHODS:
            return {}
        return {
            "request_validator_id": self.validator.id,
            "request_models": {JSON_TYPE: self.model.name},
        }
