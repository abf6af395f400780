"""The generated .pre-commit-config.yaml: local hooks that run the locked tools (nothing is
cloned, so it works offline), every hook passes on a new project of each variant, and each
hook fails on the kind of file it exists to stop.

The hooks find their tools on PATH, as in a shell where the project's .venv is active; here
that is this interpreter's environment, which holds the versions the project's lock pins
(tests/test_lock.py).
"""

from __future__ import annotations

import os
import re
import subprocess
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.utils import canonicalize_name

from tests.conftest import BIN
from tests.matrix import VARIANTS
from tests.test_lock import read_lock

WORKFLOW_HOOKS = ("check-github-workflows", "zizmor")
# A workflow GitHub's schema refuses: a job needs runs-on, and steps are a list.
SCHEMA_BREAKING_WORKFLOW = "name: broken\non: push\njobs:\n  build:\n    steps: 3\n"
# A schema-valid workflow whose run step expands text an attacker writes (zizmor's
# template-injection): the commit message becomes shell code.
INJECTED_WORKFLOW = """name: injected
on: push
permissions: {}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ github.event.head_commit.message }}"
"""
# The same workflow written safely: the message reaches the shell as data, and the job may do
# nothing with the token.
CLEAN_WORKFLOW = """name: clean
on: push
permissions: {}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo "$MESSAGE"
        env:
          MESSAGE: ${{ github.event.head_commit.message }}
"""
# Split so that no scanner mistakes this test for a leaked key.
PRIVATE_KEY = "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIB\n-----END " + "RSA PRIVATE KEY-----\n"


def git_project(project: Path) -> Path:
    """``project`` as a git work tree with every file staged, as pre-commit needs it."""
    for args in (["init", "-q"], ["add", "-A"]):
        subprocess.run(["git", *args], cwd=project, check=True)
    return project


def pre_commit(project: Path, *args: str) -> subprocess.CompletedProcess:
    """``pre-commit run <args>`` in ``project``, the environment's tools first on PATH, with a
    private pre-commit home (no cache shared with other runs, nothing downloaded)."""
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "PRE_COMMIT_HOME": str(project.parent / "pre-commit-home"),
        "PRE_COMMIT_COLOR": "never",
    }
    return subprocess.run(
        [str(BIN / "pre-commit"), "run", *args],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def hooks_of(project: Path) -> list[dict]:
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    return [hook for repo in config["repos"] for hook in repo["hooks"]]


def distribution_of(executable: str) -> str:
    """The installed distribution that puts ``executable`` in this environment's bin folder."""
    for distribution in metadata.distributions():
        for file in distribution.files or ():
            if file.parts[-2:] == ("bin", executable):
                return canonicalize_name(distribution.metadata["Name"])
    raise AssertionError(f"no installed distribution provides {executable}")


def test_every_hook_is_local_and_runs_a_tool_the_lock_pins(bake):
    project = bake("serverless-api-defaults").project_path
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    # A remote hook repository would be cloned from GitHub, at a version the lock does not pin.
    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    lock = read_lock(project / "requirements-dev.lock")
    hooks = hooks_of(project)
    for hook in hooks:
        assert hook["language"] == "system", hook["id"]
        tool = distribution_of(hook["entry"].split()[0])
        assert tool in lock, f"{hook['id']} runs {tool}, which requirements-dev.lock lacks"
    ids = {hook["id"] for hook in hooks}
    hygiene = {
        "trailing-whitespace", "end-of-file-fixer", "check-yaml", "check-toml",
        "check-merge-conflict", "check-added-large-files", "detect-private-key",
    }  # fmt: skip
    assert {"ruff-check", "ruff-format", *WORKFLOW_HOOKS, *hygiene} <= ids


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_hook_passes_on_a_new_project(project_copy, variant):
    project = git_project(project_copy(f"{variant}-defaults"))
    result = pre_commit(project, "--all-files")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = dict(re.findall(r"^(.+?)\.{3,}.*?(Passed|Skipped|Failed)$", result.stdout, re.M))
    assert len(lines) == len(hooks_of(project))
    has_workflows = any((project / ".github" / "workflows").glob("*.y*ml"))
    for hook in hooks_of(project):
        # The workflow checks run when there are workflows (ci=github), else have nothing to do.
        expected = "Skipped" if hook["id"] in WORKFLOW_HOOKS and not has_workflows else "Passed"
        assert lines[hook["name"]] == expected, (hook["id"], result.stdout)


# A file each hook must refuse: (its path, its text, the hook).
BAD_FILES = [
    ("README.md", "A line that ends in spaces   \n", "trailing-whitespace"),
    ("lib/notes.py", '"""Notes."""\n\n\n', "end-of-file-fixer"),
    ("lib/unused.py", '"""Unused."""\n\nimport os\n', "ruff-check"),
    ("lib/unformatted.py", '"""Unformatted."""\n\nvalue = {"a":1}\n', "ruff-format"),
    ("Pulumi.TapStackbroken.yaml", "config:\n  key: [unclosed\n", "check-yaml"),
    ("policy/broken.toml", "[rule\nlevel = 1\n", "check-toml"),
    ("lib/merged.py", "<<<<<<< HEAD\nx = 1\n=======\nx = 2\n>>>>>>> b\n", "check-merge-conflict"),
    ("deploy-key.pem", PRIVATE_KEY, "detect-private-key"),
    (".github/workflows/broken.yml", SCHEMA_BREAKING_WORKFLOW, "check-github-workflows"),
    (".github/workflows/injected.yml", INJECTED_WORKFLOW, "zizmor"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "text", "hook"), BAD_FILES, ids=[bad[2] for bad in BAD_FILES])
def test_a_hook_fails_on_the_file_it_exists_to_stop(project_copy, path, text, hook):
    project = git_project(project_copy("serverless-api-defaults"))
    target = project / path
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a", encoding="utf-8") as file:
        file.write(text)
    subprocess.run(["git", "add", path], cwd=project, check=True)
    if hook == "check-merge-conflict":
        # The hook looks only while git merges or rebases (its is_in_merge): a rebase stopped on
        # a conflict leaves these two behind.
        (project / ".git" / "MERGE_MSG").write_text("Merge branch 'b'\n")
        (project / ".git" / "rebase-merge").mkdir()
    result = pre_commit(project, hook, "--files", path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"- hook id: {hook}" in result.stdout, result.stdout


def test_a_large_added_file_is_refused(project_copy):
    project = git_project(project_copy("serverless-api-defaults"))
    (project / "dump.bin").write_bytes(os.urandom(600 * 1024))  # the hook's limit is 500 KB
    subprocess.run(["git", "add", "dump.bin"], cwd=project, check=True)
    result = pre_commit(project, "check-added-large-files", "--files", "dump.bin")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "dump.bin (600 KB) exceeds 500 KB" in result.stdout, result.stdout


def test_the_workflow_hooks_pass_a_clean_workflow(project_copy):
    # The other side of the two workflow cases above: the hooks tell the broken from the sound.
    project = git_project(project_copy("serverless-api-defaults"))
    workflow = project / ".github" / "workflows" / "clean.yml"
    workflow.parent.mkdir(parents=True, exist_ok=True)
    workflow.write_text(CLEAN_WORKFLOW)
    subprocess.run(["git", "add", "-A"], cwd=project, check=True)
    for hook in WORKFLOW_HOOKS:
        result = pre_commit(project, hook, "--files", ".github/workflows/clean.yml")
        assert result.returncode == 0, result.stdout + result.stderr
