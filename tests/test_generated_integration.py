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

import pytest

from tests.conftest import run_tool
from tests.emulated import EmulatedAws, deployers, multi_env_ecs

DEPLOYERS = deployers()

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

    def deploy(variant: str, deployer=None):
        aws.reset()
        for name, value in aws.env.items():
            monkeypatch.setenv(name, value)  # the stand-in servers call handlers in this process
        project = project_copy(f"{variant}-defaults")
        deployer = deployer or DEPLOYERS[variant]
        outputs, started = deployer(project, aws, bake(f"{variant}-defaults").context)
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
