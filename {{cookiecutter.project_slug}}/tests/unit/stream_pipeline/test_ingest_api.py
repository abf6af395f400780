"""The ingest API: two routes to the ingest function, and only those may invoke it."""

from lib.config import PROJECT
from lib.stream_pipeline.ingest_api import ROUTES

FUNCTION = "aws:lambda/function:Function"


def ingest_function(stack):
    return stack.one(FUNCTION, "ingest")


def test_the_api_is_regional_and_named_for_the_environment(stack):
    api = stack.one("aws:apigateway/restApi:RestApi")
    assert api.inputs["endpointConfiguration"]["types"] == "REGIONAL"
    assert api.inputs["name"] == f"{PROJECT}-ingest-{stack.args.environment_suffix}"


def test_get_health_and_post_process_are_the_only_routes_and_both_reach_the_function(stack):
    api = stack.one("aws:apigateway/restApi:RestApi")
    paths = {
        r.outputs["id"]: r.inputs["pathPart"]
        for r in stack.of_type("aws:apigateway/resource:Resource")
    }
    for resource in stack.of_type("aws:apigateway/resource:Resource"):
        assert resource.inputs["parentId"] == api.outputs["rootResourceId"]
    methods = stack.of_type("aws:apigateway/method:Method")
    routes = {
        (m.inputs["httpMethod"], paths[m.inputs["resourceId"]])
        for m in methods
        if m.inputs["httpMethod"] != "OPTIONS"
    }
    assert routes == {("GET", "health"), ("POST", "process")} == set(ROUTES)
    # Besides the routes, each path answers only the CORS preflight (test_api_cors.py).
    assert {(m.inputs["httpMethod"], paths[m.inputs["resourceId"]]) for m in methods} == routes | {
        ("OPTIONS", path) for _, path in ROUTES
    }
    # How each method is authorized: test_api_auth.py.
    integrations = [
        i
        for i in stack.of_type("aws:apigateway/integration:Integration")
        if i.inputs["httpMethod"] != "OPTIONS"
    ]
    assert {(i.inputs["httpMethod"], paths[i.inputs["resourceId"]]) for i in integrations} == set(
        ROUTES
    )
    for integration in integrations:
        assert integration.inputs["type"] == "AWS_PROXY"
        assert integration.inputs["integrationHttpMethod"] == "POST"
        assert integration.inputs["uri"] == ingest_function(stack).outputs["invokeArn"]


def test_each_route_of_this_stage_may_invoke_the_function_and_nothing_else(stack):
    api = stack.one("aws:apigateway/restApi:RestApi")
    suffix = stack.args.environment_suffix
    permissions = stack.of_type("aws:lambda/permission:Permission")
    from_api = [p for p in permissions if p.inputs["principal"] == "apigateway.amazonaws.com"]
    assert sorted(p.inputs["sourceArn"] for p in from_api) == [
        f"{api.outputs['executionArn']}/{suffix}/GET/health",
        f"{api.outputs['executionArn']}/{suffix}/POST/process",
    ]
    for permission in from_api:
        assert permission.inputs["action"] == "lambda:InvokeFunction"
        assert permission.inputs["function"] == ingest_function(stack).inputs["name"]


def test_the_function_knows_its_stream(stack):
    variables = ingest_function(stack).inputs["environment"]["variables"]
    assert variables["STREAM_NAME"] == stack.one("aws:kinesis/stream:Stream").inputs["name"]
    assert "BUCKET_NAME" not in variables
    assert "SECRET_ARN" not in variables
