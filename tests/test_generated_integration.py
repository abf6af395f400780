"""The generated integration tests run for real, unchanged, against emulated AWS.

For each variant: a moto server stands in for the account, the resources a deployment creates
are created there, a loopback HTTP server stands in for the API or load balancer, and the
outputs a deployment writes go to cfn-outputs/flat-outputs.json, in both forms the file takes
(every value a string, or JSON-typed values). A wrong output key or boto3 call turns them red.
"""

from __future__ import annotations

import json
import os
import re
import sys
import urllib.error
import urllib.request

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.conftest import run_tool
from tests.emulated import CREDENTIALS, EmulatedAws, api_gateway_auth, deployers, multi_env_ecs
from tests.matrix import COOKIECUTTER_JSON, MANIFEST

DEPLOYERS = deployers()
# The combinations that choose another api_auth mode than the default (tests/matrix.py), each
# deployed with its stand-in enforcing the mode (tests/emulated/api_gateway_auth.py).
AUTH_MODES = [
    (variant, f"{variant}-shape{index}", shape["api_auth"])
    for variant in sorted(DEPLOYERS)
    for index, shape in enumerate(MANIFEST.variants[variant].shapes)
    if "api_auth" in shape
]
COGNITO_COMBO = next(
    combo
    for variant, combo, mode in AUTH_MODES
    if variant == "serverless-api" and mode == "cognito"
)

REGION = "us-east-1"
BOTO3_CALL = re.compile(r'(aws\("[a-z0-9-]+"\)\.)([a-z_]+)\(')


@pytest.fixture(scope="module")
def aws():
    emulated = EmulatedAws(REGION)
    yield emulated
    emulated.stop()


@pytest.fixture
def deployed(aws, project_copy, bake, monkeypatch):
    """Deploy a variant's defaults into the emulated account; yield (project, outputs)."""
    servers = []

    def deploy(variant: str, deployer=None, combo: str = ""):
        aws.reset()
        for name, value in aws.env.items():
            monkeypatch.setenv(name, value)  # the stand-in servers call handlers in this process
        combo = combo or f"{variant}-defaults"
        project = project_copy(combo)
        deployer = deployer or DEPLOYERS[variant]
        outputs, started = deployer(project, aws, bake(combo).context)
        servers.extend(started)
        return project, outputs

    yield deploy
    for server in servers:
        server.stop()


def write_outputs(project, outputs: dict, form: str) -> None:
    folder = project / "cfn-outputs"
    folder.mkdir(exist_ok=True)
    if form == "strings":
        outputs = {k: v if isinstance(v, str) else json.dumps(v) for k, v in outputs.items()}
    (folder / "flat-outputs.json").write_text(json.dumps(outputs, indent=2))


def run_integration_tests(project, aws):
    env = {
        **os.environ,
        **aws.env,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }
    return run_tool(
        [sys.executable, "-m", "pytest", "tests/integration", "-q", "-rs"], project, env=env
    )


@pytest.mark.parametrize("form", ["strings", "typed"])
@pytest.mark.parametrize("variant", sorted(DEPLOYERS))
def test_the_generated_integration_tests_pass_against_the_emulated_deployment(
    deployed, aws, variant, form
):
    project, outputs = deployed(variant)
    write_outputs(project, outputs, form)
    result = run_integration_tests(project, aws)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    summary = result.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "skipped" not in summary and "failed" not in summary, summary


@pytest.mark.parametrize(
    ("variant", "combo", "mode"), AUTH_MODES, ids=[c for _, c, _ in AUTH_MODES]
)
def test_the_generated_integration_tests_pass_in_each_api_auth_mode(
    deployed, aws, variant, combo, mode
):
    project, outputs = deployed(variant, combo=combo)
    assert outputs["api_auth"] == mode
    write_outputs(project, outputs, "typed")
    result = run_integration_tests(project, aws)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    summary = result.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "skipped" not in summary and "failed" not in summary, summary


def test_a_stand_in_that_lets_every_call_through_turns_the_unsigned_call_test_red(
    deployed, aws, monkeypatch
):
    # The emulated API refuses unsigned calls as API Gateway does; without that, a generated
    # test fails, so the tests prove the mode is enforced rather than assume it.
    monkeypatch.setattr(api_gateway_auth.ApiGuard, "refusal", lambda *_: None)
    project, outputs = deployed("serverless-api")
    assert outputs["api_auth"] == COOKIECUTTER_JSON["api_auth"] == "iam"
    write_outputs(project, outputs, "typed")
    result = run_integration_tests(project, aws)
    assert result.returncode == 1, result.stdout[-3000:]
    assert "1 failed" in result.stdout.strip().splitlines()[-1], result.stdout[-3000:]
    assert "test_a_call_without_credentials_is_refused_unless_the_api_is_public" in result.stdout


def signed(url: str, body: bytes, region: str = REGION, service: str = "execute-api") -> dict:
    """The headers of a SigV4-signed POST of ``body`` to ``url`` with the emulated credentials."""
    request = AWSRequest(
        method="POST", url=url, data=body, headers={"Content-Type": "application/json"}
    )
    credentials = Credentials(
        *(CREDENTIALS[f"AWS_{n}"] for n in ("ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "SESSION_TOKEN"))
    )
    SigV4Auth(credentials, service, region).add_auth(request)
    return dict(request.headers.items())


def post(url: str, body: bytes, headers: dict) -> int:
    headers = {"Content-Type": "application/json", **headers}
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_emulated_iam_api_checks_the_signature_as_api_gateway_does(deployed):
    _, outputs = deployed("serverless-api")
    assert outputs["api_auth"] == "iam"
    url, body = f"{outputs['api_url']}/items", b'{"name": "x"}'
    assert post(url, body, signed(url, body)) == 201
    assert post(url, body, {}) == 403
    assert post(url, b'{"name": "y"}', signed(url, body)) == 403  # the body changed
    assert post(url, body, signed(url, body, region="eu-west-1")) == 403
    assert post(url, body, signed(url, body, service="lambda")) == 403
    assert post(f"{outputs['api_url']}/health", b"", {}) == 403  # only GET /health is open


def test_the_emulated_cognito_api_takes_only_a_token_of_its_pool(deployed, aws):
    _, outputs = deployed("serverless-api", combo=COGNITO_COMBO)
    url, body = f"{outputs['api_url']}/items", b'{"name": "x"}'
    cognito = aws.client("cognito-idp")
    pool, client = outputs["user_pool_id"], outputs["user_pool_client_id"]
    cognito.admin_create_user(UserPoolId=pool, Username="u1", MessageAction="SUPPRESS")
    cognito.admin_set_user_password(
        UserPoolId=pool, Username="u1", Password="Aa1!" * 4, Permanent=True
    )
    tokens = cognito.initiate_auth(
        ClientId=client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "u1", "PASSWORD": "Aa1!" * 4},
    )["AuthenticationResult"]
    assert post(url, body, {"Authorization": tokens["IdToken"]}) == 201
    assert post(url, body, {"Authorization": tokens["AccessToken"]}) == 401  # not an ID token
    assert post(url, body, {}) == 401
    assert post(url, body, {"Authorization": tokens["IdToken"][:-4] + "AAAA"}) == 401
    other = cognito.create_user_pool(PoolName="other")["UserPool"]["Id"]
    other_client = cognito.create_user_pool_client(UserPoolId=other, ClientName="c")[
        "UserPoolClient"
    ]["ClientId"]
    cognito.admin_create_user(UserPoolId=other, Username="u2", MessageAction="SUPPRESS")
    cognito.admin_set_user_password(
        UserPoolId=other, Username="u2", Password="Aa1!" * 4, Permanent=True
    )
    foreign = cognito.initiate_auth(
        ClientId=other_client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "u2", "PASSWORD": "Aa1!" * 4},
    )["AuthenticationResult"]["IdToken"]
    assert post(url, body, {"Authorization": foreign}) == 401


@pytest.mark.parametrize("variant", sorted(DEPLOYERS))
def test_a_wrong_output_turns_the_generated_integration_tests_red(deployed, aws, variant):
    project, outputs = deployed(variant)
    broken = dict(outputs)
    broken.pop(sorted(broken)[0])
    name_key = next(key for key in sorted(broken) if key.endswith("_name"))
    broken[name_key] = f"{broken[name_key]}-missing"
    write_outputs(project, broken, "typed")
    result = run_integration_tests(project, aws)
    assert result.returncode == 1, result.stdout[-3000:]
    assert "failed" in result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("variant", sorted(DEPLOYERS))
def test_a_wrong_boto3_call_turns_the_generated_integration_tests_red(deployed, aws, variant):
    project, outputs = deployed(variant)
    write_outputs(project, outputs, "typed")
    test_file = next((project / "tests" / "integration").glob("test_*.py"))
    source = test_file.read_text()
    broken, count = BOTO3_CALL.subn(r"\1\2_renamed(", source, count=1)
    assert count == 1, f"{test_file.name} makes no aws(...) call"
    test_file.write_text(broken)
    result = run_integration_tests(project, aws)
    assert result.returncode == 1, result.stdout[-3000:]
    assert "_renamed" in result.stdout


def test_without_outputs_every_generated_integration_test_is_skipped_with_a_reason(bake, aws):
    project = bake("serverless-api-defaults").project_path
    result = run_integration_tests(project, aws)
    assert result.returncode == 0
    assert "no deployment outputs: cfn-outputs/flat-outputs.json does not exist" in result.stdout
    assert " passed" not in result.stdout


def test_an_ecs_stack_without_peers_skips_only_its_peering_check(deployed, aws):
    project, outputs = deployed("multi-env-ecs", multi_env_ecs.deploy_without_peers)
    assert outputs["peering_connection_ids"] == []
    write_outputs(project, outputs, "strings")
    result = run_integration_tests(project, aws)
    assert result.returncode == 0, result.stdout[-4000:]
    summary = result.stdout.strip().splitlines()[-1]
    assert " passed, 1 skipped " in summary and "failed" not in summary, summary
    assert "test_ecs_service.py:" in result.stdout
    assert "this stack has no peerVpcs configured" in result.stdout
