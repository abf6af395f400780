"""The generated GitHub Actions workflows, for every variant: valid against GitHub's schema,
clean under zizmor, pinned, least-privileged, and calling only what the project has; with
`ci=none` there are none. The deploy scripts' pipeline options run against stand-ins."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import BIN, check_keys, run_tool
from tests.matrix import COOKIECUTTER_JSON, MANIFEST, ROOT, VARIANTS
from tests.test_deploy_scripts import stand_in_env

COMBOS = [f"{variant}-defaults" for variant in VARIANTS]
# An action pinned as GitHub's hardening guide asks: owner/repo[/path]@<full commit SHA> with
# the release it is in a comment, so a reader (and Dependabot) can tell which one it is.
PINNED = re.compile(
    r"^(?P<action>[\w.-]+/[\w.-]+(?:/[\w./-]+)?)@(?P<sha>[0-9a-f]{40}) # v\d+\.\d+\.\d+$"
)
# This repository's own actions and reusable workflows, by GitHub's self-repository syntax.
SELF = re.compile(r"^\$/\.github/(?:actions/[\w-]+|workflows/[\w-]+\.yml)$")
ASSUME_ROLE = "aws-actions/configure-aws-credentials"
# The Makefile targets the task-runner contract promises (COMMON brief: lock-precommit), read
# only while a baked project has no Makefile yet; the Makefile's own targets decide otherwise.
CONTRACT_TARGETS = frozenset(
    {
        "install", "lint", "format", "test-py-unit", "test-py-integration", "pulumi-login",
        "pulumi-create-stack", "pulumi-deploy", "pulumi-destroy", "pulumi-remove-stack",
    }
)  # fmt: skip
MAKE_TARGET = re.compile(r"^(?P<target>[A-Za-z0-9][A-Za-z0-9_.-]*)\s*:(?!=)", re.MULTILINE)
# zizmor's auditor persona (false positives allowed) flags a secret used by a job without a
# GitHub environment. The pull-request jobs cannot have one: a job under an environment gets
# the OIDC subject repo:<owner>/<repo>:environment:<name>, and the deploy role trusts pull
# requests by repo:<owner>/<repo>:pull_request (the account program's trust policy).
AUDITOR_ALLOWED = {
    ("secrets-outside-env", "checks.yml"),
    ("secrets-outside-env", "pr-environment.yml"),
}


def github_files(project: Path) -> list[Path]:
    """Every workflow and action file of a baked project."""
    return sorted((project / ".github").rglob("*.yml"))


def load(path: Path) -> dict:
    """A workflow or action as data; YAML 1.1 reads the key `on` as True, so it is renamed."""
    data = yaml.safe_load(path.read_text())
    if True in data:
        data["on"] = data.pop(True)
    return data


def workflows(project: Path) -> dict[str, dict]:
    """The project's workflows by file name."""
    return {path.name: load(path) for path in sorted((project / ".github/workflows").glob("*.yml"))}


def steps_of(project: Path) -> list[dict]:
    """Every step of every job and composite action."""
    steps = [
        step
        for workflow in workflows(project).values()
        for job in workflow["jobs"].values()
        for step in job.get("steps", ())
    ]
    for action in (project / ".github/actions").glob("*/action.yml"):
        steps += load(action)["runs"]["steps"]
    return steps


def assumes_a_role(job: dict, project: Path) -> bool:
    """Whether ``job`` assumes an AWS role itself, or calls a reusable workflow that does."""
    if "uses" in job:
        called = load(project / job["uses"].removeprefix("$/"))
        return any(assumes_a_role(inner, project) for inner in called["jobs"].values())
    return any(step.get("uses", "").startswith(f"{ASSUME_ROLE}@") for step in job["steps"])


def make_targets(project: Path) -> frozenset[str]:
    """The targets of the project's Makefile (the contract's until it has one)."""
    makefile = project / "Makefile"
    if not makefile.is_file():
        return CONTRACT_TARGETS
    return frozenset(MAKE_TARGET.findall(makefile.read_text())) - {".PHONY"}


# What a script makes and runs: `make <target> ...` and any path under scripts/.
MAKE = re.compile(r"\bmake((?:\s+[A-Za-z0-9][A-Za-z0-9_.-]*)+)")
SCRIPT = re.compile(r"(?<![\w/.-])scripts/[\w./-]+")


def called(script: str) -> tuple[set[str], set[str]]:
    """The make targets and the scripts/ paths a `run:` script names, comments left out."""
    lines = [
        line.split(" #")[0] for line in script.splitlines() if not line.strip().startswith("#")
    ]
    text = "\n".join(lines)
    targets = {target for match in MAKE.finditer(text) for target in match[1].split()}
    return targets, set(SCRIPT.findall(text))


@pytest.fixture(scope="module")
def without_ci(cookies_session):
    """A project generated with ci=none."""
    answers = {"stack_variant": VARIANTS[0], "ci": "none", "run_unit_tests": "no"}
    check_keys(answers)
    return cookies_session.bake(extra_context=answers, template=str(ROOT))


def test_ci_none_generates_no_github_folder(without_ci, bake):
    assert without_ci.exit_code == 0, without_ci.exception
    assert not (without_ci.project_path / ".github").exists()
    # Nor the workflows' comment script and its test.
    for path in ("scripts/pr_comment.py", "tests/unit/test_pr_comment.py"):
        assert not (without_ci.project_path / path).exists(), path
        assert (bake(COMBOS[0]).project_path / path).is_file(), path
    assert (without_ci.project_path / "scripts/deploy.sh").is_file()
    # The default generates it: the removal above is the answer's doing.
    assert COOKIECUTTER_JSON["ci"] == "github"
    assert (bake(COMBOS[0]).project_path / ".github/workflows/checks.yml").is_file()


@pytest.mark.parametrize("combo_id", COMBOS)
def test_every_workflow_and_action_matches_githubs_schema(bake, combo_id):
    project = bake(combo_id).project_path
    files = {
        "vendor.github-workflows": sorted((project / ".github/workflows").glob("*.yml")),
        "vendor.github-actions": sorted((project / ".github/actions").glob("*/action.yml")),
    }
    assert all(files.values()), files
    for schema, paths in files.items():
        result = run_tool(
            [str(BIN / "check-jsonschema"), "--builtin-schema", schema, *map(str, paths)],
            cwd=project,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def zizmor(project: Path, persona: str) -> list[dict]:
    """zizmor's findings on the project's workflows and actions, offline, with no config file."""
    result = run_tool(
        [str(BIN / "zizmor"), "--offline", "--no-config", "--persona", persona,
         "--format", "json", "."],
        cwd=project,
    )  # fmt: skip
    assert result.stdout.strip().startswith("["), result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("combo_id", COMBOS)
def test_zizmor_finds_nothing_even_pedantic(bake, combo_id):
    project = bake(combo_id).project_path
    findings = zizmor(project, "pedantic")
    assert [(found["ident"], found["desc"]) for found in findings] == []


@pytest.mark.parametrize("combo_id", COMBOS)
def test_zizmor_as_auditor_finds_only_the_secrets_pull_request_jobs_must_use(bake, combo_id):
    project = bake(combo_id).project_path
    found = {
        (finding["ident"], Path(location["symbolic"]["key"]["Local"]["verbatim_path"]).name)
        for finding in zizmor(project, "auditor")
        for location in finding["locations"][:1]
    }
    assert found <= AUDITOR_ALLOWED, found


@pytest.mark.parametrize("combo_id", COMBOS)
def test_every_action_is_pinned_to_a_full_commit_with_its_version(bake, combo_id):
    project = bake(combo_id).project_path
    pins: dict[str, set[str]] = {}
    for path in github_files(project):
        for line in path.read_text().splitlines():
            if not (match := re.match(r"\s*(?:- )?uses: (.*)$", line)):
                continue
            uses = match[1]
            if SELF.match(uses):
                assert (project / uses.removeprefix("$/")).exists(), uses
                continue
            pinned = PINNED.match(uses)
            assert pinned, f"{path.name}: {uses}"
            pins.setdefault(pinned["action"], set()).add(uses)
    # One release of each action across the files.
    assert {action: len(uses) for action, uses in pins.items()} == dict.fromkeys(pins, 1)
    assert {"actions/checkout", "actions/setup-python", ASSUME_ROLE, "pulumi/actions"} <= set(pins)


@pytest.mark.parametrize("combo_id", COMBOS)
def test_permissions_are_empty_by_default_and_id_token_only_where_a_role_is_assumed(
    bake, combo_id
):  # fmt: skip
    project = bake(combo_id).project_path
    for name, workflow in workflows(project).items():
        assert workflow["permissions"] == {}, name
        for job_id, job in workflow["jobs"].items():
            granted = job["permissions"]
            writes = {scope for scope, level in granted.items() if level == "write"}
            assert writes <= {"id-token", "pull-requests"}, (name, job_id, granted)
            assert ("id-token" in writes) == assumes_a_role(job, project), (name, job_id)


@pytest.mark.parametrize("combo_id", COMBOS)
def test_aws_credentials_come_only_from_the_deploy_role_by_oidc(bake, combo_id):
    project = bake(combo_id).project_path
    assumed = [step for step in steps_of(project) if step.get("uses", "").startswith(ASSUME_ROLE)]
    assert assumed
    for step in assumed:
        assert step["with"] == {
            "role-to-assume": "${{ vars.AWS_DEPLOY_ROLE_ARN }}",
            "aws-region": "${{ env.AWS_REGION }}",
        }
    text = "\n".join(path.read_text() for path in github_files(project))
    assert "AWS_SECRET_ACCESS_KEY" not in text and "aws-access-key-id" not in text


@pytest.mark.parametrize("combo_id", COMBOS)
def test_no_checkout_keeps_its_token_on_disk(bake, combo_id):
    project = bake(combo_id).project_path
    checkouts = [s for s in steps_of(project) if s.get("uses", "").startswith("actions/checkout@")]
    assert checkouts
    assert all(step["with"]["persist-credentials"] is False for step in checkouts)


@pytest.mark.parametrize("combo_id", COMBOS)
def test_no_run_step_expands_an_expression(bake, combo_id):
    # Template injection: ${{ }} in a script is pasted in before the shell parses it, so a pull
    # request title or branch name would run as code. Scripts read values from env: instead.
    project = bake(combo_id).project_path
    scripts = [step["run"] for step in steps_of(project) if "run" in step]
    assert scripts
    assert [script for script in scripts if "${{" in script] == []


@pytest.mark.parametrize("combo_id", COMBOS)
def test_run_steps_call_only_scripts_and_make_targets_the_project_has(bake, combo_id):
    project = bake(combo_id).project_path
    targets = make_targets(project)
    made, ran = set(), set()
    for step in steps_of(project):
        step_targets, step_scripts = called(step.get("run", ""))
        made |= step_targets
        ran |= step_scripts
    assert made, "no run step calls make"
    assert made <= targets, sorted(made - targets)
    assert {"install", "lint", "test-py-unit", "test-py-integration"} <= made
    assert ran == {"scripts/deploy.sh", "scripts/destroy.sh", "scripts/pr_comment.py"}
    assert all((project / script).is_file() for script in ran), ran


@pytest.mark.parametrize("combo_id", COMBOS)
def test_nothing_of_the_template_survives_in_the_workflows(bake, combo_id):
    project = bake(combo_id).project_path
    for path in github_files(project):
        text = path.read_text()
        assert "cookiecutter" not in text, path.name
        assert "{%" not in text and "%}" not in text, path.name
        # Every expression left is GitHub's own, ${{ ... }}.
        assert text.count("{{") == text.count("${{"), path.name


def test_the_region_default_is_the_generated_one(bake):
    project = bake(f"{VARIANTS[0]}-af-south-1-pr12345").project_path
    for name, workflow in workflows(project).items():
        if "env" in workflow:
            assert workflow["env"]["AWS_REGION"] == "${{ vars.AWS_REGION || 'af-south-1' }}", name


@pytest.mark.parametrize("combo_id", COMBOS)
def test_pull_request_stacks_never_run_for_forks_nor_with_pull_request_target(bake, combo_id):
    project = bake(combo_id).project_path
    every = workflows(project)
    assert all("pull_request_target" not in workflow["on"] for workflow in every.values())
    same_repository = "github.event.pull_request.head.repo.full_name == github.repository"
    for job in every["pr-environment.yml"]["jobs"].values():
        assert same_repository in job["if"]
        # A repository not yet set up gets skipped jobs, not failed ones.
        assert "vars.AWS_DEPLOY_ROLE_ARN != ''" in job["if"]
    gate = every["checks.yml"]["jobs"]["preview"]["steps"][0]
    assert gate["env"]["SAME_REPOSITORY"] == "${{ " + same_repository + " }}"


@pytest.mark.parametrize("combo_id", COMBOS)
def test_every_job_that_changes_a_stack_waits_its_turn_on_that_stack(bake, combo_id):
    project = bake(combo_id).project_path
    for name, workflow in workflows(project).items():
        for job_id, job in workflow["jobs"].items():
            scripts = " ".join(step.get("run", "") for step in job.get("steps", ()))
            if "scripts/deploy.sh" in scripts or "scripts/destroy.sh" in scripts:
                assert job["concurrency"]["group"].startswith("TapStack"), (name, job_id)
                assert job["concurrency"]["cancel-in-progress"] is False, (name, job_id)
    # The preview and the pull request's deploy and destroy share one group: one at a time.
    groups = {
        job["concurrency"]["group"]
        for workflow in ("checks.yml", "pr-environment.yml")
        for job_id, job in workflows(project)[workflow]["jobs"].items()
        if job_id != "test"
    }
    assert groups == {"TapStackpr${{ github.event.pull_request.number }}"}


@pytest.mark.parametrize("combo_id", COMBOS)
def test_release_deploys_dev_then_staging_then_prod_each_under_its_environment(bake, combo_id):
    project = bake(combo_id).project_path
    every = workflows(project)
    release = every["release.yml"]
    assert release["on"] == {"push": {"branches": ["main"]}}
    assert list(release["jobs"]) == ["dev", "staging", "prod"]
    assert [job.get("needs") for job in release["jobs"].values()] == [None, "dev", "staging"]
    assert release["jobs"]["dev"]["if"] == "vars.AWS_DEPLOY_ROLE_ARN != ''"
    for stage, job in release["jobs"].items():
        assert job["uses"] == "$/.github/workflows/deploy-environment.yml"
        assert job["with"] == {"environment": stage}
    (deploy,) = every["deploy-environment.yml"]["jobs"].values()
    assert deploy["environment"] == "${{ inputs.environment }}"
    assert deploy["env"]["ENVIRONMENT_SUFFIX"] == "${{ inputs.environment }}"
    runs = [step["run"] for step in deploy["steps"] if "run" in step]
    assert runs == ["bash scripts/deploy.sh", "make test-py-integration"]


# A variant releases the environments its release_answer lists; the others release all three,
# whatever `environments` says (the pre-gen hook checks that answer for ECS only).
RELEASE_ANSWERS = [
    *[
        (variant, "dev", ["dev", "staging", "prod"])
        for variant, entry in MANIFEST.variants.items()
        if not entry.release_answer
    ],
    ("multi-env-ecs", "dev", ["dev"]),
    ("multi-env-ecs", "prod,dev", ["dev", "prod"]),
    ("multi-env-ecs", "staging, prod", ["staging", "prod"]),
]


@pytest.mark.parametrize(("variant", "environments", "released"), RELEASE_ANSWERS)
def test_release_deploys_the_listed_environments_in_release_order(
    cookies_session, variant, environments, released
):  # fmt: skip
    answers = {"stack_variant": variant, "environments": environments, "run_unit_tests": "no"}
    check_keys(answers)
    result = cookies_session.bake(extra_context=answers, template=str(ROOT))
    assert result.exit_code == 0, result.exception
    path = result.project_path / ".github/workflows/release.yml"
    jobs = load(path)["jobs"]
    assert list(jobs) == released
    # Each stage waits for the one before it; the first waits for the deploy role to be set.
    assert [job.get("needs") for job in jobs.values()] == [None, *released[:-1]]
    assert jobs[released[0]]["if"] == "vars.AWS_DEPLOY_ROLE_ARN != ''"
    assert [job["with"] for job in jobs.values()] == [{"environment": e} for e in released]
    checked = run_tool(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)],
        cwd=result.project_path,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize("combo_id", COMBOS)
def test_each_workflow_keeps_its_own_comment_on_the_pull_request(bake, combo_id):
    project = bake(combo_id).project_path
    every = workflows(project)
    commenting = {}
    for name, workflow in every.items():
        for job_id, job in workflow["jobs"].items():
            steps = [step for step in job.get("steps", ()) if "run" in step]
            runs = [step["run"] for step in steps]
            comments = [
                (line.split()[2:4], step)
                for step in steps
                for line in step["run"].splitlines()
                if line.strip().startswith("python scripts/pr_comment.py")
            ]
            # gh pr comment --edit-last edits the last comment of the token's login, whichever
            # workflow wrote it.
            assert not [run for run in runs if "gh pr comment" in run], (name, job_id)
            granted = job["permissions"].get("pull-requests")
            assert (granted == "write") == bool(comments), (name, job_id)
            if comments:
                (((purpose, number), step),) = comments
                assert number == '"$PULL_REQUEST"'
                assert step["env"]["GH_TOKEN"] == "${{ github.token }}"
                commenting[purpose] = (name, job_id)
    assert commenting == {
        "preview": ("checks.yml", "preview"),
        "outputs": ("pr-environment.yml", "deploy"),
    }
    summary = every["checks.yml"]["jobs"]["preview"]["steps"][-1]
    # The step summary is kept beside the comment, and the output's tail is capped.
    assert '>> "$GITHUB_STEP_SUMMARY"' in summary["run"]
    assert "<details>" in summary["run"] and "tail -c 40000" in summary["run"]
    assert {"COMMIT", "OUTCOME", "PULL_REQUEST"} <= set(summary["env"])


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_deploy_jobs_pass_the_variants_stack_settings(bake, variant):
    project = bake(f"{variant}-defaults").project_path
    settings = MANIFEST.variants[variant].pipeline_settings
    package = project / "lib" / MANIFEST.variants[variant].package
    program = "\n".join(path.read_text() for path in package.rglob("*.py"))
    for key in settings:
        # The key is one the program reads, so the setting reaches the stack.
        assert f'config.get("{key}")' in program, key
    every = workflows(project)
    jobs = [
        every["checks.yml"]["jobs"]["preview"],
        every["pr-environment.yml"]["jobs"]["deploy"],
        every["deploy-environment.yml"]["jobs"]["deploy"],
    ]
    for job in jobs:
        passed = {name for name in job["env"] if name != "ENVIRONMENT_SUFFIX"}
        passed -= {"PULUMI_BACKEND_URL", "PULUMI_SECRETS_PROVIDER"}
        assert passed == set(settings.values()), job["name"]
        for variable in settings.values():
            assert job["env"][variable] == "${{ vars." + variable + " }}"


def test_the_template_update_job_says_when_there_is_no_cruft_json(bake):
    project = bake(COMBOS[0]).project_path
    workflow = workflows(project)["template-update.yml"]
    assert set(workflow["on"]) == {"schedule", "workflow_dispatch"}
    (job,) = workflow["jobs"].values()
    script = job["steps"][-1]["run"]
    assert "if [ ! -f .cruft.json ]" in script and "cruft check" in script
    assert "This project has no .cruft.json" in script


def run_deploy(project: Path, *args: str, **environ: str) -> list[list[str]]:
    """Run scripts/deploy.sh ``args`` with the stand-ins, successfully; its pulumi calls."""
    env, log = stand_in_env(project, **environ)
    result = run_tool(["bash", "scripts/deploy.sh", *args], cwd=project, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    return [call["args"] for call in calls if call["tool"] == "pulumi"]


def test_deploy_preview_stops_before_the_update(project_copy):
    project = project_copy("multi-env-ecs-defaults")
    calls = run_deploy(project, "--preview", ENVIRONMENT_SUFFIX="pr9")
    preview = ["preview", "--refresh", "--policy-pack", "policy", "--stack", "TapStackpr9"]
    assert calls[-1] == preview
    assert not [call for call in calls if call[0] == "up"]
    assert not (project / "cfn-outputs").exists()


def test_deploy_creates_the_stack_with_the_given_secrets_provider(project_copy):
    project = project_copy("multi-env-ecs-defaults")
    provider = "awskms://alias/tap-state?region=us-east-1"
    calls = run_deploy(project, PULUMI_SECRETS_PROVIDER=provider, ENVIRONMENT_SUFFIX="pr9")
    select = ["stack", "select", "TapStackpr9", "--create"]
    assert calls[0] == [*select, "--secrets-provider", provider]
    calls = run_deploy(project, ENVIRONMENT_SUFFIX="pr9")
    assert calls[0] == select


def test_the_ecs_deploy_sets_the_image_the_pipeline_passes(project_copy):
    project = project_copy("multi-env-ecs-defaults")
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:" + "a" * 64
    calls = run_deploy(project, CONTAINER_IMAGE=image)
    setting = ["config", "set", "containerImage", image, "--stack", "TapStackdev"]
    assert setting in calls
    # Set before the preview, so the policy pack and the update see it.
    assert calls.index(setting) < next(i for i, call in enumerate(calls) if call[0] == "preview")
    calls = run_deploy(project)
    assert not [call for call in calls if call[:3] == ["config", "set", "containerImage"]]


def test_deploy_refuses_an_unknown_option(project_copy):
    project = project_copy("serverless-api-defaults")
    env, _ = stand_in_env(project)
    result = run_tool(["bash", "scripts/deploy.sh", "--yes"], cwd=project, env=env)
    assert result.returncode == 2
    assert result.stderr.strip() == "usage: bash scripts/deploy.sh [--preview]"


def read_pulumi_version(project: Path) -> tuple[subprocess.CompletedProcess, str]:
    """Run the setup action's step that reads the Pulumi version from the project's lock."""
    action = load(project / ".github/actions/setup-project/action.yml")
    (step,) = [step for step in action["runs"]["steps"] if step.get("id") == "pulumi-version"]
    output = project.parent / "github-output"
    output.write_text("")
    result = run_tool(
        ["bash", "-c", step["run"]], cwd=project, env={**os.environ, "GITHUB_OUTPUT": str(output)}
    )
    return result, output.read_text()


def test_the_pulumi_cli_installed_is_the_release_the_lock_pins(project_copy):
    project = project_copy(COMBOS[0])
    lock = project / "requirements-dev.lock"
    if lock.exists():  # the project's own lock, once generated projects carry one
        pinned = re.search(r"^pulumi==([0-9.]+) ", lock.read_text(), re.MULTILINE)[1]
        result, output = read_pulumi_version(project)
        assert (result.returncode, output) == (0, f"version={pinned}\n"), result.stdout
    # As pip-compile and uv write a hash-pinned lock: pulumi-aws's line must not count.
    lock.write_text(
        "pulumi-aws==7.51.1 \\\n    --hash=sha256:" + "1" * 64 + "\n"
        "pulumi==3.272.0 \\\n    --hash=sha256:" + "2" * 64 + "\n"
    )
    result, output = read_pulumi_version(project)
    assert (result.returncode, output) == (0, "version=3.272.0\n"), result.stdout
    lock.write_text("pulumi>=3\n")
    result, _ = read_pulumi_version(project)
    assert result.returncode == 1
    assert "requirements-dev.lock pins no pulumi==<version>" in result.stdout
