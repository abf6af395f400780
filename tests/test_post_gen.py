"""The post-gen hook: prune, run the generated tests on the fast path or in .venv, fall back
cleanly when nothing can be installed, fail generation on failing tests, and be safe to re-run."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BIN, check_keys, cookiecutter_cli, render_hook
from tests.matrix import MANIFEST, VARIANTS


def run_post_gen(project: Path, answers: dict, python: list[str], env: dict | None = None):
    """Run the rendered post-gen hook in ``project`` with the interpreter command ``python``."""
    hook = project.parent / "post_gen_project.py"
    hook.write_text(render_hook("post_gen_project", answers))
    return subprocess.run(
        [*python, str(hook)],
        cwd=project,
        capture_output=True,
        text=True,
        env=env or dict(os.environ),
        check=False,
    )


def tree_digest(project: Path) -> dict[str, str]:
    """Every file of the project (the .venv aside) with a digest of its bytes."""
    return {
        str(path.relative_to(project)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(project.rglob("*"))
        if path.is_file() and ".venv" not in path.parts
    }


def env_without_uv() -> dict[str, str]:
    """This environment with no uv on PATH and no package index reachable."""
    entries = os.environ["PATH"].split(os.pathsep)
    path = os.pathsep.join(entry for entry in entries if not shutil.which("uv", path=entry))
    return {**os.environ, "PATH": path, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


@pytest.mark.parametrize("variant", VARIANTS)
def test_generation_runs_the_generated_tests_and_prints_next_steps(tmp_path, variant):
    check_keys({"stack_variant": variant})
    result = cookiecutter_cli(tmp_path, f"stack_variant={variant}")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "pre-gen: answers checked" in lines
    assert any(line.startswith(f"post-gen: kept the {variant} files") for line in lines)
    assert "post-gen: running the unit tests with this interpreter" in result.stdout
    assert any(
        line.startswith("post-gen: unit tests: ") and " passed in " in line for line in lines
    )
    assert "Next steps in tap-service/" in result.stdout
    assert "source .venv/bin/activate" in result.stdout
    assert re.search(r"^  bash scripts/deploy\.sh +# deploys TapStackdev,", result.stdout, re.M)
    # Every variant's once-only steps (the account program's among them), before the deploy.
    first_steps = [step["run"] for step in MANIFEST.first_steps_of(variant)]
    assert "bash scripts/deploy_account.sh" in first_steps
    deploy_at = result.stdout.index("bash scripts/deploy.sh")
    for run in first_steps:
        assert -1 < result.stdout.find(run) < deploy_at, run
    project = tmp_path / "tap-service"
    assert not list(project.rglob("__pycache__")), "the test run left bytecode behind"
    assert not (project / ".pytest_cache").exists()


def test_without_tests_nothing_is_run(project_copy, bake):
    project = project_copy("serverless-api-defaults")
    answers = {**bake("serverless-api-defaults").context, "run_unit_tests": False}
    result = run_post_gen(project, answers, [sys.executable])
    assert result.returncode == 0
    assert "post-gen: running" not in result.stdout
    assert "Next steps" in result.stdout


def test_running_the_hook_twice_changes_nothing(project_copy, bake):
    project = project_copy("serverless-api-defaults")
    answers = {**bake("serverless-api-defaults").context, "run_unit_tests": True}
    before = tree_digest(project)
    for _ in range(2):
        result = run_post_gen(project, answers, [sys.executable])
        assert result.returncode == 0, result.stdout + result.stderr
        assert tree_digest(project) == before


def test_failing_generated_tests_fail_generation_and_show_why(project_copy, bake):
    project = project_copy("serverless-api-defaults")
    (project / "tests" / "unit" / "test_broken.py").write_text(
        "def test_the_broken_feature():\n    assert 1 + 1 == 3, 'deliberately broken'\n"
    )
    answers = {**bake("serverless-api-defaults").context, "run_unit_tests": True}
    result = run_post_gen(project, answers, [sys.executable])
    assert result.returncode == 1
    assert "deliberately broken" in result.stderr
    assert "error: the generated unit tests failed" in result.stderr


def test_when_nothing_can_be_installed_the_project_is_kept_with_instructions(project_copy, bake):
    project = project_copy("serverless-api-defaults")
    answers = {**bake("serverless-api-defaults").context, "run_unit_tests": True}
    before = tree_digest(project)
    # -S: an interpreter without site-packages, so without pulumi: the hook must build .venv,
    # and with no index and no uv it cannot.
    result = run_post_gen(project, answers, [sys.executable, "-S"], env=env_without_uv())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "post-gen: installing into .venv with pip (uv is not on PATH" in result.stdout
    assert "post-gen: could not install (python failed, output above)" in result.stdout
    assert "post-gen: skipped the unit tests; once you have network access, run:" in result.stdout
    assert "    make install        # .venv from requirements-dev.lock" in result.stdout
    assert "    make test-py-unit   # " in result.stdout
    assert "Next steps" in result.stdout
    assert tree_digest(project) == before


def test_without_the_tools_the_tests_run_in_the_projects_own_venv(project_copy, bake):
    project = project_copy("serverless-api-defaults")
    answers = {**bake("serverless-api-defaults").context, "run_unit_tests": True}
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    assert shutil.which("uv", path=env["PATH"]), "uv is in the template's requirements-dev.lock"
    result = run_post_gen(project, answers, [sys.executable, "-S"], env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "post-gen: installing into .venv with uv (found on PATH)" in result.stdout
    # A line per step, then uv's own report (on stderr), instead of a silent minute.
    assert "post-gen: creating .venv: uv venv --seed" in result.stdout
    assert (
        "post-gen: installing requirements-dev.lock (about a minute): uv pip install --python "
        f"{project / '.venv/bin/python'} --require-hashes -r requirements-dev.lock"
    ) in result.stdout
    assert "Resolved " in result.stderr, result.stderr
    assert "post-gen: running the unit tests in .venv" in result.stdout
    assert "post-gen: unit tests: " in result.stdout
    assert (project / ".venv" / "bin" / "python").exists()
