"""Template updates with cruft: a project created with `cruft create` at one template commit takes
a later commit with `cruft update`, cleanly, while its own .venv stays as it was.

cruft renders the template again (hooks included) for `diff` and `update`, in a temporary folder;
the post-gen hook tells those renders apart (post_gen_project.rendered_for_cruft) and builds no
.venv and runs no tests there, and both hooks keep stdout free for the patch `cruft diff` prints.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import BIN, variant_paths
from tests.matrix import ROOT, VARIANTS

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}
NEW_RULE = " (the rule of the new template commit)"
NEW_LINE = "A line the new template commit adds."


def run(args: list[str], cwd: Path, temp: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **GIT_ENV, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    if temp:
        env["TMPDIR"] = str(temp)
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env, check=False)


def commit(folder: Path, message: str) -> None:
    for args in (["git", "add", "-A"], ["git", "commit", "-q", "-m", message]):
        assert run(args, folder).returncode == 0


def template_repo(destination: Path) -> Path:
    """A git repository holding this template as it is in the work tree."""
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], ROOT)
    for name in filter(None, listed.stdout.split("\0")):
        source = ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    assert run(["git", "init", "-q"], destination).returncode == 0
    commit(destination, "template")
    return destination


def change_template(repo: Path) -> None:
    """A later template commit: a new README line, and a stricter-worded private rule."""
    settings = repo / "cookiecutter.json"
    context = json.loads(settings.read_text())
    context["_suffix_rule"] += NEW_RULE
    settings.write_text(json.dumps(context, indent=2, ensure_ascii=False) + "\n")
    readme = repo / "{{cookiecutter.project_slug}}" / "README.md"
    readme.write_text(f"{readme.read_text()}\n{NEW_LINE}\n")
    commit(repo, "change")


def digest(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize("variant", VARIANTS)
def test_cruft_update_takes_a_template_change_and_leaves_the_venv_alone(tmp_path, variant):
    repo = template_repo(tmp_path / "template")
    (tmp_path / "work").mkdir()
    answers = json.dumps({"stack_variant": variant})
    created = run(
        [str(BIN / "cruft"), "create", "--no-input", "--extra-context", answers, str(repo)],
        tmp_path / "work",
    )
    assert created.returncode == 0, created.stdout + created.stderr
    assert "post-gen: unit tests: " in created.stdout, "cruft create is a first generation"
    project = tmp_path / "work" / "tap-service"
    assert run(["git", "init", "-q"], project).returncode == 0
    commit(project, "generated")
    # The project's own environment (ignored by git): an update must leave it byte for byte.
    (project / ".venv" / "bin").mkdir(parents=True)
    (project / ".venv" / "bin" / "python").write_text("#!/bin/sh\n# the project's interpreter\n")
    venv_before = digest(project / ".venv")

    check = run([str(BIN / "cruft"), "check"], project)
    assert check.returncode == 0, check.stdout + check.stderr
    untouched = run([str(BIN / "cruft"), "diff"], project)
    assert untouched.returncode == 0, untouched.stderr
    assert untouched.stdout == "", "cruft diff of an untouched project prints nothing"

    change_template(repo)
    assert run([str(BIN / "cruft"), "check"], project).returncode == 1, "now out of date"
    temp = tmp_path / "temp"  # cruft's renders, and the hooks rendered for them, go here
    temp.mkdir()
    started = time.perf_counter()
    updated = run([str(BIN / "cruft"), "update", "-y"], project, temp)
    print(f"cruft update -y ({variant}): {time.perf_counter() - started:.1f} s")
    output = updated.stdout + updated.stderr
    assert updated.returncode == 0, output
    # Both renders (the recorded commit and the new one) said what they skipped, and did it.
    assert output.count("rendered by cruft for a diff or an update: no .venv, no test run") == 2
    assert "post-gen: running the unit tests" not in output
    assert "installing into .venv" not in output

    assert NEW_LINE in (project / "README.md").read_text()
    # cruft passes the recorded answers but not the private keys: the new commit's rules apply.
    assert NEW_RULE in (project / "lib" / "naming.py").read_text()
    assert not list(project.rglob("*.rej")), "every change applied cleanly"
    for path, keepers in variant_paths().items():
        assert (project / path).exists() is (variant in keepers), path
    assert digest(project / ".venv") == venv_before
    assert not list(temp.iterdir()), "no rendered hook (it holds every answer) is left behind"
    assert run([str(BIN / "cruft"), "check"], project).returncode == 0
