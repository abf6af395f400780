"""The REST API: Lambda proxy routes and the only caller of the function.

Its stage (logs, tracing, throttling) is tested in test_api_stage.py, its CORS in test_api_cors.py
and its deployment in test_api_deployment.py.
"""

from lib.config import DEFAULT_ENVIRONMENT_SUFFIX as SUFFIX
from lib.config import PROJECT

METHOD = "aws:apigateway/method:Method"
INTEGRATION = "aws:apigateway/integration:Integration"


def test_the_api_is_regional_and_named_for_the_environment(stack):
    api = stack.one("aws:apigateway/restApi:RestApi")
    assert api.inputs["endpointConfiguration"]["types"] == "REGIONAL"
    assert api.inputs["name"] == f"{PROJECT}-api-{SUFFIX}"


def test_root_proxy_health_and_items_paths_send_any_method_to_the_function(stack):
    proxy = stack.one("aws:apigateway/resource:Resource", "proxy")
    assert proxy.inputs["pathPart"] == "{proxy+}"
    # GET /health has a resource of its own, so it can stay open (test_api_auth.py).
    health = stack.one("aws:apigateway/resource:Resource", "health")
    assert health.inputs["pathPart"] == "health"
    # POST /items has one, so API Gateway validates its body (test_api_validation.py).
    items = stack.one("aws:apigateway/resource:Resource", "items")
    assert items.inputs["pathPart"] == "items"
    function = stack.one("aws:lambda/function:Function")
    any_methods = [m for m in stack.of_type(METHOD) if m.inputs["httpMethod"] == "ANY"]
    assert {m.inputs["resourceId"] for m in any_methods} == {
        proxy.outputs["id"],
        health.outputs["id"],
        items.outputs["id"],
        "TapStack-rest-api-root",
    }
    posts = [m for m in stack.of_type(METHOD) if m.inputs["httpMethod"] == "POST"]
    assert [m.inputs["resourceId"] for m in posts] == [items.outputs["id"]]
    proxies = [i for i in stack.of_type(INTEGRATION) if i.inputs["type"] == "AWS_PROXY"]
    assert {(i.inputs["resourceId"], i.inputs["httpMethod"]) for i in proxies} == {
        (m.inputs["resourceId"], m.inputs["httpMethod"])
        for m in stack.of_type(METHOD)
        if m.inputs["httpMethod"] != "OPTIONS"
    }
    assert len(proxies) == 6
    for integration in proxies:
        assert integration.inputs["integrationHttpMethod"] == "POST"
        assert integration.inputs["uri"] == function.outputs["invokeArn"]


def test_only_this_api_may_invoke_the_function(stack):
    permission = stack.one("aws:lambda/permission:Permission")
    api = stack.one("aws:apigateway/restApi:RestApi")
    assert permission.inputs["principal"] == "apigateway.amazonaws.com"
    assert permission.inputs["action"] == "lambda:InvokeFunction"
    assert permission.inputs["sourceArn"] == f"{api.outputs['executionArn']}/*/*"
