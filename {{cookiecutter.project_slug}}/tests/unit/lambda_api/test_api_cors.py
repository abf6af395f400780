"""CORS: every path answers the browser's preflight, API Gateway's own errors carry the same
headers, and the functions allow the same origin, all from one source."""

import pytest

from lib.lambda_api.api_cors import ALLOW_ORIGIN, ORIGIN_VARIABLE

METHOD = "aws:apigateway/method:Method"
INTEGRATION = "aws:apigateway/integration:Integration"
HEADER = "method.response.header."
CORS = (
    "Access-Control-Allow-Headers",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Origin",
)


def on(stack, type_token, resource_id, http_method):
    """The one ``type_token`` resource of the route ``http_method`` on ``resource_id``."""
    (match,) = [
        r
        for r in stack.of_type(type_token)
        if (r.inputs["resourceId"], r.inputs["httpMethod"]) == (resource_id, http_method)
    ]
    return match


def preflight_headers(stack, resource_id):
    """The CORS headers the preflight of ``resource_id`` answers with, by name, unquoted."""
    response = on(
        stack, "aws:apigateway/integrationResponse:IntegrationResponse", resource_id, "OPTIONS"
    )
    return {
        name.removeprefix(HEADER): value.strip("'")
        for name, value in response.inputs["responseParameters"].items()
    }


def served_paths(stack):
    """The id of every path that has a method other than the preflight's, with those methods."""
    paths: dict[str, set[str]] = {}
    for method in stack.of_type(METHOD):
        if method.inputs["httpMethod"] != "OPTIONS":
            paths.setdefault(method.inputs["resourceId"], set()).add(method.inputs["httpMethod"])
    return paths


def test_every_served_path_answers_the_preflight_from_a_mock(each_stack):
    for resource_id in served_paths(each_stack):
        options = on(each_stack, METHOD, resource_id, "OPTIONS")
        assert options.inputs["authorization"] == "NONE"
        mock = on(each_stack, INTEGRATION, resource_id, "OPTIONS")
        assert mock.inputs["type"] == "MOCK"
        assert mock.inputs["requestTemplates"] == {"application/json": '{"statusCode": 200}'}
        declared = on(
            each_stack, "aws:apigateway/methodResponse:MethodResponse", resource_id, "OPTIONS"
        )
        assert declared.inputs["statusCode"] == "200"
        assert declared.inputs["responseParameters"] == {f"{HEADER}{h}": True for h in CORS}
        assert set(preflight_headers(each_stack, resource_id)) == set(CORS)


@pytest.mark.parametrize(
    "part",
    [
        "aws:apigateway/integration:Integration",
        "aws:apigateway/methodResponse:MethodResponse",
        "aws:apigateway/integrationResponse:IntegrationResponse",
    ],
)
def test_what_belongs_to_a_method_is_created_after_it(each_stack, part):
    # API Gateway refuses an integration or a response for a method that does not exist yet
    # (NotFoundException: Invalid Method identifier); the engine creates in parallel otherwise.
    methods = {
        (m.inputs["resourceId"], m.inputs["httpMethod"]): m.name for m in each_stack.of_type(METHOD)
    }
    declared = each_stack.of_type(part)
    assert declared
    for resource in declared:
        method = methods[(resource.inputs["resourceId"], resource.inputs["httpMethod"])]
        assert method in resource.options["dependsOn"], resource.name


def test_the_preflight_allows_every_method_the_path_serves(stack):
    for resource_id, methods in served_paths(stack).items():
        allowed = preflight_headers(stack, resource_id)["Access-Control-Allow-Methods"].split(",")
        assert "OPTIONS" in allowed
        assert methods - {"ANY"} <= set(allowed)


def test_api_gateway_errors_carry_the_preflights_cors_headers(each_stack):
    # Without these, a throttled (429), failed (502), timed-out (504) or unknown-route (403)
    # request reaches a browser as a CORS error instead of its status.
    (api,) = each_stack.of_type("aws:apigateway/restApi:RestApi")
    responses = [
        r
        for r in each_stack.of_type("aws:apigateway/response:Response")
        if r.inputs["restApiId"] == api.outputs["id"]
    ]
    assert sorted(r.inputs["responseType"] for r in responses) == ["DEFAULT_4XX", "DEFAULT_5XX"]
    preflights = [preflight_headers(each_stack, path) for path in served_paths(each_stack)]
    for response in responses:
        headers = {
            name.removeprefix("gatewayresponse.header."): value.strip("'")
            for name, value in response.inputs["responseParameters"].items()
        }
        assert preflights
        assert all(headers == preflight for preflight in preflights)
        # No status code: each error keeps its own; the body stays API Gateway's JSON message.
        assert "statusCode" not in response.inputs
        assert response.inputs["responseTemplates"] == {
            "application/json": '{"message":$context.error.messageString}'
        }


def test_the_functions_behind_the_api_allow_the_origin_the_gateway_allows(each_stack):
    proxied = {
        i.inputs["uri"] for i in each_stack.of_type(INTEGRATION) if i.inputs["type"] == "AWS_PROXY"
    }
    functions = [
        f
        for f in each_stack.of_type("aws:lambda/function:Function")
        if f.outputs["invokeArn"] in proxied
    ]
    assert functions
    origins = {
        preflight_headers(each_stack, path)["Access-Control-Allow-Origin"]
        for path in served_paths(each_stack)
    }
    assert origins == {ALLOW_ORIGIN}
    for function in functions:
        assert function.inputs["environment"]["variables"][ORIGIN_VARIABLE] == ALLOW_ORIGIN
