"""The generated Makefile: the TAP task names as targets, each running its tools from the
project's virtualenv, and `make install` installing the lock with uv when uv is on PATH.

(The pip branch of `make install` runs in tests/test_first_five_minutes.py; the pulumi-*
targets' stacks in tests/test_deploy_scripts.py.)
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.matrix import MANIFEST, VARIANTS

# The targets every project has (COMMON contract; the TAP script names and the project's own).
TARGETS = (
    "install", "lock", "lint", "format", "test-py-unit", "test-py-integration", "pre-commit",
    "pre-commit-install", "pulumi-login", "pulumi-create-stack", "pulumi-deploy",
    "pulumi-destroy", "pulumi-remove-stack",
)  # fmt: skip
# The targets that run a tool of the project's own: from $(VENV)/bin, never from PATH.
VENV_TOOLS = (
    "lock", "lint", "format", "test-py-unit", "test-py-integration", "pre-commit",
    "pre-commit-install",
)  # fmt: skip
STAND_IN_UV = """#!{python}
import json, os, sys
with open(os.environ["STAND_IN_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
"""


def make(project: Path, *args: str, **environ: str) -> subprocess.CompletedProcess:
    """``make <args>`` in ``project``, with ``environ`` on top of this environment."""
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, **environ},
        check=False,
    )


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_task_is_a_target_and_listed_by_help(bake, variant):
    project = bake(f"{variant}-defaults").project_path
    parts = MANIFEST.scripts_of(variant)
    listed = make(project).stdout  # the default goal is help
    for target in (*TARGETS, *parts):
        assert f"  make {target} " in listed, target
        result = make(project, "-n", target)
        assert result.returncode == 0, result.stderr
    for target, command in parts.items():
        assert make(project, "-n", target).stdout.splitlines() == [command]


@pytest.mark.parametrize("target", VENV_TOOLS)
def test_the_project_tools_run_from_the_venv(bake, target, tmp_path):
    project = bake("serverless-api-defaults").project_path
    venv = tmp_path / "elsewhere"
    commands = make(project, "-n", target, f"VENV={venv}").stdout.splitlines()
    assert commands
    # Continuation lines of one command start with whitespace; each command with the venv.
    assert all(line.startswith(f"{venv}/bin/") for line in commands if line[:1].strip()), commands


def test_lint_covers_the_variants_lint_targets_and_the_format(bake):
    project = bake("serverless-api-defaults").project_path
    commands = make(project, "-n", "lint").stdout.splitlines()
    assert commands == [
        ".venv/bin/ruff check .",
        ".venv/bin/ruff format --check .",
        " ".join([".venv/bin/pylint lib tap.py policy", *MANIFEST.lint_of("serverless-api")]),
    ]


def test_install_uses_uv_from_path_creates_the_venv_once_and_requires_hashes(project_copy):
    project = project_copy("serverless-api-defaults")
    tools = project.parent / "stand-ins"
    tools.mkdir()
    (tools / "uv").write_text(STAND_IN_UV.format(python=sys.executable))
    (tools / "uv").chmod(0o755)
    log = project.parent / "uv-calls.jsonl"
    environ = {"PATH": f"{tools}{os.pathsep}{os.environ['PATH']}", "STAND_IN_LOG": str(log)}
    install = ["pip", "install", "--require-hashes", "--python", ".venv/bin/python"]
    install += ["-r", "requirements-dev.lock"]

    result = make(project, "install", **environ)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"make install: with uv ({tools / 'uv'}), from requirements-dev.lock" in result.stdout
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert calls == [["venv", "--seed", "--python", "python3", ".venv"], install]

    python = project / ".venv" / "bin" / "python"  # what `uv venv` would have made
    python.parent.mkdir(parents=True)
    python.symlink_to(sys.executable)
    log.unlink()
    assert make(project, "install", **environ).returncode == 0
    assert [json.loads(line) for line in log.read_text().splitlines()] == [install]


def test_install_without_uv_uses_pip_and_requires_hashes(bake):
    project = bake("serverless-api-defaults").project_path
    commands = make(project, "-n", "install", "UV=").stdout.splitlines()
    assert commands[1:] == [
        "test -x .venv/bin/python || python3 -m venv .venv",
        ".venv/bin/python -m pip install --require-hashes --progress-bar on "
        "-r requirements-dev.lock",
    ]


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_readme_names_every_task_and_no_other(bake, variant):
    project = bake(f"{variant}-defaults").project_path
    listed = set(re.findall(r"^  make (\S+) ", make(project).stdout, re.M))
    named = set(re.findall(r"`make ([a-z0-9-]+)", (project / "README.md").read_text()))
    assert named == listed
