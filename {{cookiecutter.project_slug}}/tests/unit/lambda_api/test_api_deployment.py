"""The API's deployment: its trigger covers every part of the API a deployment snapshots, so a
change to any of them reaches the stage, and an unchanged API is never redeployed."""

import pytest
from pulumi_aws import apigateway, lambda_

from lib.lambda_api.api_deployment import ApiSnapshot
from tests.unit.mocks import DEFAULT_REGION, deploy

DEPLOYMENT = "aws:apigateway/deployment:Deployment"
# Declared only when the API takes Cognito tokens (test_api_auth.py).
AUTHORIZER = "aws:apigateway/authorizer:Authorizer"
# What API Gateway copies into a deployment, as declared by the program.
SNAPSHOT_TYPES = (
    "aws:apigateway/resource:Resource",
    "aws:apigateway/method:Method",
    "aws:apigateway/integration:Integration",
    "aws:apigateway/methodResponse:MethodResponse",
    "aws:apigateway/integrationResponse:IntegrationResponse",
    "aws:apigateway/response:Response",
    "aws:apigateway/model:Model",
    "aws:apigateway/requestValidator:RequestValidator",
    AUTHORIZER,
)

# One route and one gateway response, as the APIs declare them; each change below edits one part.
PARTS = {
    "path": {"path_part": "items"},
    "method": {"http_method": "POST", "authorization": "NONE"},
    "integration": {"type": "AWS_PROXY", "integration_http_method": "POST"},
    "method-response": {
        "status_code": "200",
        "response_parameters": {"method.response.header.Access-Control-Allow-Origin": True},
    },
    "integration-response": {
        "status_code": "200",
        "response_parameters": {"method.response.header.Access-Control-Allow-Origin": "'*'"},
    },
    "gateway-response": {
        "response_type": "DEFAULT_4XX",
        "response_parameters": {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
        "response_templates": {"application/json": '{"message":$context.error.messageString}'},
    },
}
CHANGES = {
    "path": ("path", {"path_part": "orders"}),
    "authorization": ("method", {"authorization": "AWS_IAM"}),
    "integration type": ("integration", {"type": "HTTP_PROXY"}),
    "request templates": ("integration", {"request_templates": {"application/json": "{}"}}),
    "function invoke ARN": ("integration", {"function": "items-v2"}),
    "method response headers": (
        "method-response",
        {"response_parameters": {"method.response.header.Access-Control-Allow-Headers": True}},
    ),
    "CORS header value": (
        "integration-response",
        {
            "response_parameters": {
                "method.response.header.Access-Control-Allow-Origin": "'https://example.com'"
            }
        },
    ),
    "gateway response headers": (
        "gateway-response",
        {"response_parameters": {"gatewayresponse.header.Access-Control-Allow-Origin": "'x'"}},
    ),
    "gateway response templates": (
        "gateway-response",
        {"response_templates": {"application/json": '{"error":$context.error.messageString}'}},
    ),
}


def variant_of(change: str) -> str:
    """The logical-name prefix of the API with ``change``."""
    return change.replace(" ", "-")


def declare_route(variant: str, changes: dict[str, dict], api, functions) -> None:
    """One route and a gateway response of ``api``, through ApiSnapshot, with ``changes``.

    Logical names start with ``variant--``; every part refers to the shared ``api`` and
    ``functions`` only, so two variants' parts differ exactly where their inputs do.
    """

    def inputs(part: str) -> dict:
        return {**PARTS[part], **changes.get(part, {})}

    snapshot = ApiSnapshot()
    snapshot.add(
        apigateway.Resource,
        f"{variant}--path",
        rest_api=api.id,
        parent_id=api.root_resource_id,
        **inputs("path"),
    )
    route = {"rest_api": api.id, "resource_id": api.root_resource_id}
    method = snapshot.add(apigateway.Method, f"{variant}--method", **route, **inputs("method"))
    route["http_method"] = method.http_method
    integration = inputs("integration")
    snapshot.add(
        apigateway.Integration,
        f"{variant}--integration",
        **route,
        uri=functions[integration.pop("function", "items")].invoke_arn,
        **integration,
    )
    snapshot.add(
        apigateway.MethodResponse,
        f"{variant}--method-response",
        **route,
        **inputs("method-response"),
    )
    snapshot.add(
        apigateway.IntegrationResponse,
        f"{variant}--integration-response",
        **route,
        **inputs("integration-response"),
    )
    snapshot.add(
        apigateway.Response,
        f"{variant}--gateway-response",
        rest_api_id=api.id,
        **inputs("gateway-response"),
    )
    snapshot.deployment(f"{variant}--deployment", rest_api=api.id, description=variant)


@pytest.fixture(scope="module")
def triggers() -> dict[str, dict[str, str]]:
    """The recorded trigger of each variant's deployment, by part: the unchanged API twice, and
    the API with each change of CHANGES. One program declares them all, so the suite stays fast."""
    variants = {"base": {}, "again": {}}
    variants |= {variant_of(change): {part: edit} for change, (part, edit) in CHANGES.items()}

    def program() -> None:
        api = apigateway.RestApi("api", name="api")
        functions = {
            name: lambda_.Function(
                name,
                name=name,
                role="arn:aws:iam::123456789012:role/items",
                runtime="python3.13",
                handler="handler.handler",
            )
            for name in ("items", "items-v2")
        }
        for variant, changes in variants.items():
            declare_route(variant, changes, api, functions)

    deployment = deploy(program, region=DEFAULT_REGION)
    return {
        d.inputs["description"]: {
            name.split("--")[1]: digest for name, digest in d.inputs["triggers"].items()
        }
        for d in deployment.of_type(DEPLOYMENT)
    }


def test_an_unchanged_api_keeps_its_trigger_so_it_is_not_redeployed(triggers):
    assert set(triggers["base"]) == set(PARTS)
    assert triggers["again"] == triggers["base"]


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_to_any_part_the_deployment_snapshots_changes_its_trigger(triggers, change):
    part, _ = CHANGES[change]
    changed = triggers[variant_of(change)]
    assert changed[part] != triggers["base"][part]
    for other in set(PARTS) - {part}:
        assert changed[other] == triggers["base"][other], other


def snapshot_of(stack, deployment) -> list:
    """Every part of the deployment's API that the deployment snapshots, as recorded."""
    api_id = deployment.inputs["restApi"]
    return [
        resource
        for type_token in SNAPSHOT_TYPES
        for resource in stack.of_type(type_token)
        if api_id in (resource.inputs.get("restApi"), resource.inputs.get("restApiId"))
    ]


def test_every_path_method_integration_and_response_of_the_api_is_in_the_trigger(each_stack):
    for deployment in each_stack.of_type(DEPLOYMENT):
        parts = snapshot_of(each_stack, deployment)
        optional = {AUTHORIZER} - {r.type for r in each_stack.of_type(AUTHORIZER)}
        assert {r.type for r in parts} == set(SNAPSHOT_TYPES) - optional
        assert set(deployment.inputs["triggers"]) == {r.name for r in parts}


@pytest.mark.parametrize(
    "pair", [("stack", "pr_stack"), ("stack", "prod_stack"), ("pr_stack", "prod_stack")]
)
def test_the_trigger_changes_where_and_only_where_the_declared_inputs_change(request, pair):
    one, other = (request.getfixturevalue(name) for name in pair)
    (deployment,) = one.of_type(DEPLOYMENT)
    (other_deployment,) = other.of_type(DEPLOYMENT)
    inputs = {r.name: r.inputs for r in snapshot_of(one, deployment)}
    other_inputs = {r.name: r.inputs for r in snapshot_of(other, other_deployment)}
    digests, other_digests = deployment.inputs["triggers"], other_deployment.inputs["triggers"]
    assert set(digests) == set(other_digests) == set(inputs)
    for name, declared in inputs.items():
        assert (digests[name] == other_digests[name]) is (declared == other_inputs[name]), name
    if one.args.environment_suffix != other.args.environment_suffix:
        # Each environment has its own function, so at least its Lambda proxies differ.
        proxies = [
            r.name
            for r in one.of_type("aws:apigateway/integration:Integration")
            if r.inputs["type"] == "AWS_PROXY"
        ]
        assert proxies
        for name in proxies:
            assert digests[name] != other_digests[name], name
