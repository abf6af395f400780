"""The generated deploy scripts, run with stand-ins for the pulumi and aws CLIs on PATH.

A stand-in records every call (tool, working directory, arguments) and answers the few
questions the scripts ask, so the tests read which stack each script selects and which stack
config file that stack reads: one convention, `TapStack<suffix>` and `Pulumi.TapStack<suffix>.yaml`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import variant_paths
from tests.matrix import COOKIECUTTER_JSON, VARIANTS, combinations

# Each variant with its generated answers, and with another region and suffix.
COMBOS = [f"{variant}-defaults" for variant in VARIANTS] + [
    f"{variant}-af-south-1-pr12345" for variant in VARIANTS
]

STAND_IN = """#!{python}
import json, os, sys
with open(os.environ["STAND_IN_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps({{"tool": {tool!r}, "cwd": os.getcwd(), "args": sys.argv[1:]}}) + "\\n")
{answers}
"""
PULUMI_ANSWERS = """
if sys.argv[1:3] == ["stack", "output"]:
    print("{}")
if sys.argv[1:3] == ["stack", "export"]:
    print(os.environ.get("STAND_IN_STATE", "{}"))
if sys.argv[1:3] == ["config", "get"]:  # the keys STAND_IN_CONFIG names are set
    sys.exit(0 if sys.argv[3] in os.environ.get("STAND_IN_CONFIG", "").split(",") else 1)
if sys.argv[1:2] == ["preview"]:
    sys.exit(int(os.environ.get("STAND_IN_PREVIEW_EXIT", "0")))
"""
AWS_ANSWERS = """
if sys.argv[1:3] == ["apigateway", "get-account"]:
    print(os.environ.get("STAND_IN_CLOUDWATCH_ROLE", "None"))
elif sys.argv[1:3] == ["sts", "get-caller-identity"]:
    print("123456789012")
elif sys.argv[1:3] == ["iam", "list-open-id-connect-providers"]:
    print(os.environ.get("STAND_IN_OIDC_PROVIDER", "None"))
"""
GITHUB_PROVIDER = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
# The variants whose deploy checks API Gateway's CloudWatch role first (the account program,
# shared by every variant, sets it where API Gateway is used).
LAMBDA_VARIANTS = variant_paths()["scripts/check_account.sh"]
CLOUDWATCH_ROLE = "arn:aws:iam::123456789012:role/tap-service-apigw-cloudwatch-us-east-1-account"


def stand_in_env(project: Path, **environ: str) -> tuple[dict[str, str], Path]:
    """An environment with the stand-ins first on PATH, and the file they log their calls to."""
    tools = project.parent / "stand-ins"
    tools.mkdir(exist_ok=True)
    for tool, answers in (("pulumi", PULUMI_ANSWERS), ("aws", AWS_ANSWERS)):
        path = tools / tool
        path.write_text(STAND_IN.format(python=sys.executable, tool=tool, answers=answers))
        path.chmod(0o755)
    log = project.parent / "calls.jsonl"
    log.unlink(missing_ok=True)
    log.touch()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("ENVIRONMENT_SUFFIX", "AWS_REGION", "AWS_DEFAULT_REGION")
    }
    path = os.pathsep.join([str(tools), str(Path(sys.executable).parent), env["PATH"]])
    env.update(PATH=path, STAND_IN_LOG=str(log), STAND_IN_CLOUDWATCH_ROLE=CLOUDWATCH_ROLE)
    env.update(environ)
    return env, log


def run_script(
    project: Path, script: str, **environ: str
) -> tuple[subprocess.CompletedProcess, list[dict]]:
    """Run ``scripts/<script>`` with the stand-ins first on PATH; return it and the calls."""
    env, log = stand_in_env(project, **environ)
    result = subprocess.run(
        ["bash", f"scripts/{script}"], cwd=project, capture_output=True, text=True, env=env,
        check=False,
    )  # fmt: skip
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    return result, calls


def stacks_used(calls: list) -> set[str]:
    """Every stack a pulumi call named, by `stack select <name>` or `--stack <name>`."""
    stacks = set()
    for call in calls:
        args = call["args"]
        if call["tool"] != "pulumi":
            continue
        if args[:2] == ["stack", "select"]:
            stacks.add(args[2])
        stacks.update(args[i + 1] for i, arg in enumerate(args[:-1]) if arg == "--stack")
    return stacks


def generated_suffixes(combo_id: str) -> list[str]:
    """The generated suffix, then (multi-env-ecs) every listed environment."""
    combo = {**COOKIECUTTER_JSON, **combinations()[combo_id]}
    suffix = combo["environment_suffix"]
    listed = combo["environments"].split(",") if combo["stack_variant"] == "multi-env-ecs" else []
    return list(dict.fromkeys([suffix, *listed]))


@pytest.mark.parametrize("combo_id", COMBOS)
def test_deploy_selects_the_stack_whose_config_generation_wrote(project_copy, combo_id):
    project = project_copy(combo_id)
    for index, suffix in enumerate(generated_suffixes(combo_id)):
        # The generated suffix is deploy.sh's default; the others come from ENVIRONMENT_SUFFIX.
        environ = {"ENVIRONMENT_SUFFIX": suffix} if index else {}
        result, calls = run_script(project, "deploy.sh", **environ)
        assert result.returncode == 0, result.stdout + result.stderr
        assert stacks_used(calls) == {f"TapStack{suffix}"}
        config = project / f"Pulumi.TapStack{suffix}.yaml"
        assert config.is_file(), sorted(path.name for path in project.glob("Pulumi.*.yaml"))
        assert f"  TapStack:environmentSuffix: {suffix}\n" in config.read_text()
        pulumi_calls = [call["args"] for call in calls if call["tool"] == "pulumi"]
        stack = ["--stack", f"TapStack{suffix}"]
        preview = ["preview", "--refresh", "--policy-pack", "policy", *stack]
        up = ["up", "--yes", "--refresh", "--skip-preview", "--policy-pack", "policy", *stack]
        # The policy pack previews first, so a broken rule stops the deployment before `up`.
        assert pulumi_calls.index(up) == pulumi_calls.index(preview) + 1


@pytest.mark.parametrize("combo_id", [f"{variant}-defaults" for variant in VARIANTS])
def test_destroy_names_the_same_stack_as_deploy(project_copy, combo_id):
    project = project_copy(combo_id)
    result, calls = run_script(project, "destroy.sh", ENVIRONMENT_SUFFIX="pr7")
    assert result.returncode == 0, result.stdout + result.stderr
    assert stacks_used(calls) == {"TapStackpr7"}


@pytest.mark.parametrize("combo_id", [f"{variant}-defaults" for variant in VARIANTS])
def test_no_stack_config_file_is_named_after_a_bare_suffix(bake, combo_id):
    names = sorted(path.name for path in bake(combo_id).project_path.glob("Pulumi.*.yaml"))
    assert names
    assert all(name.startswith("Pulumi.TapStack") for name in names), names


@pytest.mark.parametrize("target", ["pulumi-create-stack", "pulumi-remove-stack"])
@pytest.mark.parametrize("suffix", ["pr7", ""])
def test_the_makefile_targets_name_the_stack_deploy_selects(project_copy, target, suffix):
    project = project_copy("serverless-api-defaults")
    env, log = stand_in_env(project, ENVIRONMENT_SUFFIX=suffix, AWS_REGION="eu-west-1")
    result = subprocess.run(
        ["make", target], cwd=project, capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    removed = {call["args"][2] for call in calls if call["args"][:2] == ["stack", "rm"]}
    # An empty ENVIRONMENT_SUFFIX gets deploy.sh's default, the generated suffix.
    assert stacks_used(calls) | removed == {f"TapStack{suffix or 'dev'}"}
    if target == "pulumi-create-stack":
        assert calls[-1]["args"][:4] == ["config", "set", "aws:region", "eu-west-1"]


@pytest.mark.parametrize("variant", LAMBDA_VARIANTS)
def test_deploy_refuses_while_the_regions_api_gateway_has_no_cloudwatch_role(project_copy, variant):
    # API Gateway refuses a stage with access logs until the account settings name a role.
    project = project_copy(f"{variant}-defaults")
    result, calls = run_script(
        project, "deploy.sh", AWS_REGION="eu-west-1", STAND_IN_CLOUDWATCH_ROLE="None"
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: API Gateway in eu-west-1 has no CloudWatch role yet: run bash "
        "scripts/deploy_account.sh first (once per account and region)"
    ]
    assert [call["args"] for call in calls] == [
        ["apigateway", "get-account", "--region", "eu-west-1", "--query", "cloudwatchRoleArn",
         "--output", "text"]
    ]  # fmt: skip


def test_the_ecs_deploy_asks_nothing_of_api_gateway(project_copy):
    project = project_copy("multi-env-ecs-defaults")
    result, calls = run_script(project, "deploy.sh", STAND_IN_CLOUDWATCH_ROLE="None")
    assert result.returncode == 0, result.stdout + result.stderr
    assert [call for call in calls if call["tool"] == "aws"] == []
    assert not (project / "scripts" / "check_account.sh").exists()


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_deploy_account_deploys_one_stack_per_account_and_region(project_copy, variant, region):
    project = project_copy(f"{variant}-defaults")
    result, calls = run_script(project, "deploy_account.sh", AWS_REGION=region)
    assert result.returncode == 0, result.stdout + result.stderr
    stack = f"123456789012-{region}"
    assert stacks_used(calls) == {stack}
    pulumi_calls = [call for call in calls if call["tool"] == "pulumi"]
    assert {call["cwd"] for call in pulumi_calls} == {str((project / "account").resolve())}
    assert ["config", "set", "aws:region", region, "--stack", stack] in [
        call["args"] for call in pulumi_calls
    ]
    assert ["up", "--yes", "--refresh", "--stack", stack] == pulumi_calls[-1]["args"]


def config_sets(calls: list[dict]) -> dict[str, str]:
    """What the pulumi calls set in the stack's config, key to value."""
    return {
        call["args"][2]: call["args"][3]
        for call in calls
        if call["tool"] == "pulumi" and call["args"][:2] == ["config", "set"]
    }


def test_deploy_account_sets_the_repository_and_backend_it_is_given(project_copy):
    project = project_copy("multi-env-ecs-defaults")
    result, calls = run_script(
        project, "deploy_account.sh", GITHUB_REPOSITORY="octo-org/shop", SELF_MANAGED_BACKEND="true"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sets = config_sets(calls)
    assert sets["githubRepository"] == "octo-org/shop"
    assert sets["selfManagedBackend"] == "true"


@pytest.mark.parametrize(
    ("state", "config", "adopts"),
    [
        ("{}", "githubRepository", True),  # the account has GitHub's provider, this stack none
        ('{"t": "aws:iam/openIdConnectProvider:OpenIdConnectProvider"}', "githubRepository", False),
        ("{}", "githubRepository,githubOidcProviderArn", False),  # adopted already
        ("{}", "", False),  # no deploy roles wanted
    ],
)
def test_deploy_account_adopts_the_accounts_oidc_provider_only_when_it_would_collide(
    project_copy, state, config, adopts
):
    # IAM holds one provider per URL and account: creating a second one fails.
    project = project_copy("serverless-api-defaults")
    result, calls = run_script(
        project, "deploy_account.sh", STAND_IN_STATE=state, STAND_IN_CONFIG=config,
        STAND_IN_OIDC_PROVIDER=GITHUB_PROVIDER,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    adopted = config_sets(calls).get("githubOidcProviderArn")
    assert adopted == (GITHUB_PROVIDER if adopts else None)
    assert [call for call in calls if call["tool"] == "pulumi"][-1]["args"][0] == "up"


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_account_program_is_its_own_project_on_the_projects_virtualenv(bake, variant):
    project = bake(f"{variant}-defaults").project_path
    account = yaml.safe_load((project / "account" / "Pulumi.yaml").read_text())
    root = yaml.safe_load((project / "Pulumi.yaml").read_text())
    assert account["name"] == "TapAccount" != root["name"]
    assert "main" not in account  # Pulumi runs the folder's __main__.py
    assert (project / "account" / "__main__.py").is_file()
    # Pulumi resolves runtime.options.virtualenv against the folder of Pulumi.yaml.
    virtualenv = project / "account" / account["runtime"]["options"]["virtualenv"]
    assert virtualenv.resolve() == (project / root["runtime"]["options"]["virtualenv"]).resolve()


# Runs account/ the way Pulumi's Python host does: runpy.run_path(".") with account/ as the
# working directory and no project root on sys.path, against minimal mocks.
RUN_LIKE_PULUMI = """
import os, runpy, sys
import pulumi

class Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args):
        arn = f"arn:aws:iam::123456789012:role/{args.name}"
        return f"{args.name}-id", {**args.inputs, "arn": arn}

    def call(self, args):  # getCallerIdentity, getRegion and getPartition
        return {
            "accountId": "123456789012", "arn": "arn:aws:iam::123456789012:user/t",
            "region": "us-east-1", "partition": "aws", "dnsSuffix": "amazonaws.com",
        }

root = os.path.dirname(os.getcwd())
assert all(os.path.abspath(entry or ".") != root for entry in sys.path), sys.path
pulumi.runtime.set_all_config({"aws:region": "us-east-1"})
pulumi.runtime.set_mocks(Mocks(), project="TapAccount", stack="123456789012-us-east-1")
program = runpy.run_path(".", run_name="__main__")
print(type(program["stack"]).__name__, sys.modules["lib"].__file__)
"""


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_account_program_imports_lib_when_pulumi_runs_it_from_its_folder(project_copy, variant):
    project = project_copy(f"{variant}-defaults")
    driver = project.parent / "run_like_pulumi.py"
    driver.write_text(RUN_LIKE_PULUMI)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPATH", None)
    result = subprocess.run(
        [sys.executable, str(driver)], cwd=project / "account", capture_output=True, text=True,
        env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split() == ["AccountStack", str(project / "lib" / "__init__.py")]


def test_deploy_stops_before_up_when_the_policy_pack_refuses_the_preview(project_copy):
    # A mandatory violation makes `pulumi preview` exit non-zero.
    project = project_copy("serverless-api-defaults")
    result, calls = run_script(project, "deploy.sh", STAND_IN_PREVIEW_EXIT="255")
    assert result.returncode == 255
    assert [call["args"][0] for call in calls if call["tool"] == "pulumi"][-1] == "preview"
    assert not (project / "cfn-outputs").exists()


# Runs policy/ the way Pulumi's Python host runs a policy pack: the folder's __main__.py with
# policy/ as the working directory and no project root on sys.path. A PolicyPack that records
# its arguments stands in for the real one, which serves the engine and never returns.
RUN_PACK_LIKE_PULUMI = """
import os, runpy, sys
import pulumi_policy

root = os.path.dirname(os.getcwd())
assert all(os.path.abspath(entry or ".") != root for entry in sys.path), sys.path
built = {}
pulumi_policy.PolicyPack = lambda **kwargs: built.update(kwargs)
runpy.run_path(".", run_name="__main__")
print(built["name"], built["enforcement_level"].value, len(built["policies"]))
print(sys.modules["policy"].__file__, sys.modules["lib"].__file__)
"""


@pytest.mark.parametrize("combo_id", [f"{variant}-defaults" for variant in VARIANTS])
def test_the_policy_pack_imports_its_rules_when_pulumi_runs_it_from_its_folder(
    project_copy, combo_id
):
    project = project_copy(combo_id)
    driver = project.parent / "run_pack_like_pulumi.py"
    driver.write_text(RUN_PACK_LIKE_PULUMI)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPATH", None)
    result = subprocess.run(
        [sys.executable, str(driver)], cwd=project / "policy", capture_output=True, text=True,
        env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    name, level, count = result.stdout.splitlines()[0].split()
    assert (name, level) == ("tap-service-guardrails", "mandatory")
    assert int(count) > 0
    assert result.stdout.splitlines()[1].split() == [
        str(project / "policy" / "__init__.py"),
        str(project / "lib" / "__init__.py"),
    ]
