"""The REST API: Lambda proxy routes, CORS, an explicit stage with logs, tracing and throttling."""

import json

import pytest

from lib.config import DEFAULT_REGION, PROJECT
from lib.rest_api import ACCESS_LOG_FORMAT, CORS_HEADERS
from lib.tiers import TIERS

METHOD = "aws:apigateway/method:Method"
INTEGRATION = "aws:apigateway/integration:Integration"


def test_the_api_is_regional_and_named_for_the_environment(stack):
    api = stack.one("aws:apigateway/restApi:RestApi")
    assert api.inputs["endpointConfiguration"]["types"] == "REGIONAL"
    assert api.inputs["name"] == f"{PROJECT}-api-dev"


def test_root_and_proxy_paths_send_any_method_to_the_function(stack):
    proxy = stack.one("aws:apigateway/resource:Resource")
    assert proxy.inputs["pathPart"] == "{proxy+}"
    function = stack.one("aws:lambda/function:Function")
    any_methods = [m for m in stack.of_type(METHOD) if m.inputs["httpMethod"] == "ANY"]
    assert {m.inputs["resourceId"] for m in any_methods} == {
        proxy.outputs["id"],
        "TapStack-rest-api-root",
    }
    proxies = [i for i in stack.of_type(INTEGRATION) if i.inputs["type"] == "AWS_PROXY"]
    assert len(proxies) == 2
    for integration in proxies:
        assert integration.inputs["integrationHttpMethod"] == "POST"
        assert integration.inputs["uri"] == function.outputs["invokeArn"]


def test_cors_preflight_answers_from_a_mock_with_the_allow_headers(stack):
    options = [m for m in stack.of_type(METHOD) if m.inputs["httpMethod"] == "OPTIONS"]
    assert len(options) == 2
    mocks = [i for i in stack.of_type(INTEGRATION) if i.inputs["type"] == "MOCK"]
    assert len(mocks) == 2
    for response in stack.of_type("aws:apigateway/methodResponse:MethodResponse"):
        assert set(response.inputs["responseParameters"]) == {
            f"method.response.header.{header}" for header in CORS_HEADERS
        }
    for response in stack.of_type("aws:apigateway/integrationResponse:IntegrationResponse"):
        parameters = response.inputs["responseParameters"]
        assert parameters["method.response.header.Access-Control-Allow-Origin"] == "'*'"
        assert "OPTIONS" in parameters["method.response.header.Access-Control-Allow-Methods"]


def test_the_stage_is_named_after_the_suffix_and_access_logged(stack):
    stage = stack.one("aws:apigateway/stage:Stage")
    assert stage.inputs["stageName"] == "dev"
    access_logs = stack.one("aws:cloudwatch/logGroup:LogGroup", "access-logs")
    assert stage.inputs["accessLogSettings"]["destinationArn"] == access_logs.outputs["arn"]
    assert json.loads(stage.inputs["accessLogSettings"]["format"]) == json.loads(ACCESS_LOG_FORMAT)
    assert (
        stage.inputs["deployment"]
        == stack.one("aws:apigateway/deployment:Deployment").outputs["id"]
    )


def test_stage_tracing_follows_the_setting(each_stack):
    stage = each_stack.one("aws:apigateway/stage:Stage")
    assert stage.inputs["xrayTracingEnabled"] is each_stack.args.enable_xray


@pytest.mark.parametrize(
    ("deployment", "tier"), [("stack", "dev"), ("prod_stack", "prod"), ("pr_stack", "pr")]
)
def test_every_method_is_throttled_and_measured_per_tier(request, deployment, tier):
    deployment = request.getfixturevalue(deployment)
    settings = deployment.one("aws:apigateway/methodSettings:MethodSettings").inputs
    tier = TIERS[tier]
    assert settings["methodPath"] == "*/*"
    assert settings["stageName"] == deployment.args.environment_suffix
    assert settings["settings"]["metricsEnabled"] is True
    assert settings["settings"]["dataTraceEnabled"] is False
    assert settings["settings"]["throttlingRateLimit"] == tier.throttle_rate_limit
    assert settings["settings"]["throttlingBurstLimit"] == tier.throttle_burst_limit


def test_execution_logs_have_a_retention_before_api_gateway_writes_them(stack):
    group = stack.one("aws:cloudwatch/logGroup:LogGroup", "execution-logs")
    api = stack.one("aws:apigateway/restApi:RestApi")
    assert group.inputs["name"] == f"API-Gateway-Execution-Logs_{api.outputs['id']}/dev"
    assert group.inputs["retentionInDays"] == TIERS["dev"].log_retention_days


def test_only_this_api_may_invoke_the_function(stack):
    permission = stack.one("aws:lambda/permission:Permission")
    api = stack.one("aws:apigateway/restApi:RestApi")
    assert permission.inputs["principal"] == "apigateway.amazonaws.com"
    assert permission.inputs["action"] == "lambda:InvokeFunction"
    assert permission.inputs["sourceArn"] == f"{api.outputs['executionArn']}/*/*"


def test_api_gateway_logs_through_a_role_limited_to_log_actions(stack):
    account = stack.one("aws:apigateway/account:Account")
    role = next(
        r
        for r in stack.of_type("aws:iam/role:Role")
        if r.outputs["arn"] == account.inputs["cloudwatchRoleArn"]
    )
    trust = role.json("assumeRolePolicy")["Statement"][0]
    assert trust["Principal"] == {"Service": "apigateway.amazonaws.com"}
    policy = next(
        p
        for p in stack.of_type("aws:iam/rolePolicy:RolePolicy")
        if p.inputs["role"] == role.outputs["id"]
    )
    (statement,) = policy.json("policy")["Statement"]
    assert all(action.startswith("logs:") for action in statement["Action"])
    assert statement["Resource"] == [f"arn:aws:logs:{DEFAULT_REGION}:123456789012:log-group:*"]
