"""Who may call the API, in each mode of ``api_auth``: every method authorized as the mode says
but the CORS preflight and ``GET /health``; with cognito, a user pool only an administrator adds
users to and a public app client; and the outputs a caller needs."""

import pytest

from lib.environment import tier_of
from lib.lambda_api.api_auth import (
    CLIENT_AUTH_FLOWS,
    COGNITO,
    DEFAULT_API_AUTH,
    IAM,
    MODES,
    NONE,
    PASSWORD_POLICY,
)
from tests.unit.mocks import deploy_program
from tests.unit.test_destroy_script import destroy, exported_state

METHOD = "aws:apigateway/method:Method"
AUTHORIZER = "aws:apigateway/authorizer:Authorizer"
USER_POOL = "aws:cognito/userPool:UserPool"
CLIENT = "aws:cognito/userPoolClient:UserPoolClient"
DEPLOYMENT = "aws:apigateway/deployment:Deployment"
EXPECTED_TYPE = {IAM: "AWS_IAM", COGNITO: "COGNITO_USER_POOLS", NONE: "NONE"}


def routes(deployment):
    """Every method as (method record, HTTP method, its resource's path part; "" for the root)."""
    paths = {
        r.outputs["id"]: r.inputs["pathPart"]
        for r in deployment.of_type("aws:apigateway/resource:Resource")
    }
    return [
        (m, m.inputs["httpMethod"], paths.get(m.inputs["resourceId"], ""))
        for m in deployment.of_type(METHOD)
    ]


@pytest.fixture(scope="module")
def cognito_prod_stack(prod_stack):
    """The prod stack with config apiAuth cognito: ``prod_stack`` itself when cognito is the
    generated answer."""
    if DEFAULT_API_AUTH == COGNITO:
        return prod_stack
    return deploy_program(stack="TapStackprod", config={"TapStack:apiAuth": COGNITO})


def test_the_default_mode_is_the_generated_answer_and_one_of_the_three(stack):
    assert DEFAULT_API_AUTH in MODES == (IAM, COGNITO, NONE)
    assert stack.args.api_auth == DEFAULT_API_AUTH
    assert stack.outputs["api_auth"] == DEFAULT_API_AUTH


def test_every_method_but_the_preflight_and_health_is_authorized_as_the_mode_says(auth_stack):
    mode, deployment = auth_stack
    assert deployment.args.api_auth == mode
    declared = routes(deployment)
    assert {method for _, method, _ in declared} >= {"OPTIONS", "GET"}
    for record, method, path in declared:
        if method == "OPTIONS" or (method, path) == ("GET", "health"):
            assert record.inputs["authorization"] == "NONE", record.name
            assert "authorizerId" not in record.inputs, record.name
        else:
            assert record.inputs["authorization"] == EXPECTED_TYPE[mode], record.name


def test_only_cognito_has_an_authorizer_and_each_guarded_method_names_it(auth_stack):
    mode, deployment = auth_stack
    guarded = [m for m, _, _ in routes(deployment) if m.inputs["authorization"] != "NONE"]
    if mode != COGNITO:
        assert deployment.of_type(AUTHORIZER) == []
        assert deployment.of_type(USER_POOL) == []
        assert all("authorizerId" not in m.inputs for m in guarded)
        return
    authorizer = deployment.one(AUTHORIZER)
    pool = deployment.one(USER_POOL)
    assert authorizer.inputs["type"] == "COGNITO_USER_POOLS"
    assert authorizer.inputs["providerArns"] == [pool.outputs["arn"]]
    assert authorizer.inputs["identitySource"] == "method.request.header.Authorization"
    assert (
        authorizer.inputs["restApi"]
        == deployment.one("aws:apigateway/restApi:RestApi").outputs["id"]
    )
    assert guarded
    assert {m.inputs["authorizerId"] for m in guarded} == {authorizer.outputs["id"]}


def test_the_user_pool_takes_no_sign_ups_and_asks_for_a_strong_password(stacks_by_mode):
    deployment = stacks_by_mode[COGNITO]
    pool = deployment.one(USER_POOL)
    assert pool.inputs["adminCreateUserConfig"]["allowAdminCreateUserOnly"] is True
    policy = pool.inputs["passwordPolicy"]
    assert policy["minimumLength"] >= 14
    assert all(policy[key] for key in ("requireLowercase", "requireUppercase", "requireNumbers"))
    assert policy["requireSymbols"] is True
    assert (
        policy["temporaryPasswordValidityDays"]
        == PASSWORD_POLICY["temporary_password_validity_days"]
    )
    # Only prod keeps its users from a destroy (test_a_prod_user_pool_is_protected_from_deletion).
    suffix = deployment.args.environment_suffix
    assert pool.inputs["deletionProtection"] == (
        "ACTIVE" if tier_of(suffix) == "prod" else "INACTIVE"
    )
    assert pool.inputs["name"].endswith(f"-{deployment.args.environment_suffix}")
    assert pool.inputs["tags"]["Environment"] == deployment.args.environment_suffix


def test_a_prod_user_pool_is_protected_from_deletion(cognito_prod_stack):
    # Cognito refuses DeleteUserPool while protection is ACTIVE; mocks do not show that refusal.
    assert cognito_prod_stack.one(USER_POOL).inputs["deletionProtection"] == "ACTIVE"


def test_allow_destroy_turns_the_prod_user_pools_deletion_protection_off(destroyable_prod_stack):
    assert destroyable_prod_stack.args.allow_destroy is True
    assert destroyable_prod_stack.one(USER_POOL).inputs["deletionProtection"] == "INACTIVE"


def test_the_destroy_script_refuses_prod_while_its_user_pool_is_protected(
    tmp_path, cognito_prod_stack
):
    # Cognito's DeleteUserPool fails (InvalidParameterException) while protection is ACTIVE,
    # after the destroy has deleted the rest: the script refuses prod before it starts.
    pool = cognito_prod_stack.one(USER_POOL)
    run, calls = destroy(tmp_path, exported_state(cognito_prod_stack), "prod")
    assert run.returncode == 1
    assert not [call for call in calls if call.startswith("destroy")]
    (message,) = run.stderr.strip().splitlines()
    assert f"deletion protection on the user pool {pool.inputs['name']}" in message
    assert "TapStack:allowDestroy true --stack TapStackprod" in message


def test_allow_destroy_lets_a_cognito_prod_stack_destroy_completely(
    tmp_path, destroyable_prod_stack
):
    run, calls = destroy(tmp_path, exported_state(destroyable_prod_stack), "prod")
    assert run.returncode == 0, run.stderr
    assert calls[-1] == "destroy --yes --stack TapStackprod"


def test_the_app_client_is_public_and_offers_the_password_and_srp_flows(cognito_prod_stack):
    client = cognito_prod_stack.one(CLIENT)
    pool = cognito_prod_stack.one(USER_POOL)
    assert client.inputs["userPoolId"] == pool.outputs["id"]
    assert client.inputs["generateSecret"] is False
    assert set(client.inputs["explicitAuthFlows"]) == set(CLIENT_AUTH_FLOWS)
    assert {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"} <= set(CLIENT_AUTH_FLOWS)
    assert client.inputs["preventUserExistenceErrors"] == "ENABLED"


def test_the_outputs_say_the_mode_and_what_a_caller_needs(auth_stack):
    mode, deployment = auth_stack
    outputs = deployment.outputs
    assert outputs["api_auth"] == mode  # a policy rule reads a public API's waiver here
    stage = deployment.one("aws:apigateway/stage:Stage")
    has = {"api_execute_arn", "user_pool_id", "user_pool_client_id"} & set(outputs)
    if mode == IAM:
        assert has == {"api_execute_arn"}
        # What a caller's IAM policy grants execute-api:Invoke on: every method of the stage.
        assert outputs["api_execute_arn"] == f"{stage.outputs['executionArn']}/*"
    elif mode == COGNITO:
        assert has == {"user_pool_id", "user_pool_client_id"}
        assert outputs["user_pool_id"] == deployment.one(USER_POOL).outputs["id"]
        assert outputs["user_pool_client_id"] == deployment.one(CLIENT).outputs["id"]
    else:
        assert has == set()


def test_the_stack_grants_no_caller_execute_api(auth_stack):
    _, deployment = auth_stack
    for resource in deployment.resources:
        for key in ("policy", "assumeRolePolicy"):
            assert "execute-api:Invoke" not in str(resource.inputs.get(key, "")), resource.name


def test_a_change_of_mode_redeploys_the_api(stacks_by_mode):
    triggers = {
        mode: deployment.one(DEPLOYMENT).inputs["triggers"]
        for mode, deployment in stacks_by_mode.items()
    }
    for mode, other in ((IAM, COGNITO), (COGNITO, NONE), (NONE, IAM)):
        changed = {
            name for name in triggers[mode] if triggers[other].get(name) != triggers[mode][name]
        }
        # Each guarded method redeploys, and so does the authorizer coming or going; no other part.
        guarded = {
            m.name
            for each in (mode, other)
            for m in stacks_by_mode[each].of_type(METHOD)
            if m.inputs["authorization"] != "NONE"
        }
        authorizers = {
            a.name for each in (mode, other) for a in stacks_by_mode[each].of_type(AUTHORIZER)
        }
        assert guarded
        assert guarded <= changed <= guarded | authorizers, changed


def test_the_authorizer_is_a_part_of_the_deployment_trigger(stacks_by_mode):
    deployment = stacks_by_mode[COGNITO]
    authorizer = deployment.one(AUTHORIZER)
    assert authorizer.name in deployment.one(DEPLOYMENT).inputs["triggers"]


def test_a_mode_that_is_not_offered_is_refused_in_one_line():
    with pytest.raises(SystemExit, match="error: config apiAuth 'public' must be one of iam, "):
        deploy_program(stack="TapStackdev", config={"TapStack:apiAuth": "public"})
