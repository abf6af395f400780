"""The generated README's task guides: each first change an owner makes (a route or function, an
environment, a tier value, a rollback) has a guide, and every file and test a guide names exists
in the baked project."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.matrix import VARIANTS

GUIDES = ("Add a route", "Add an environment", "Change a tier value", "Roll back a bad deploy")
# A project path in backticks, optionally with ::test_name; placeholders (<name>) are not paths.
NAMED = re.compile(r"`((?:lib|tests|functions|scripts|account)/[^`\s<>]+?)(?:::(\w+))?`")


def task_guides(project: Path) -> str:
    """The README's "Task guides" section, the shared rollback guide included."""
    readme = (project / "README.md").read_text()
    start = readme.index("\n## Task guides\n")
    end = readme.index("\n## ", start + 1)
    return readme[start:end]


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_first_changes_each_have_a_guide(bake, variant):
    guides = task_guides(bake(f"{variant}-defaults").project_path)
    headings = re.findall(r"^### (.+)$", guides, re.M)
    for guide in GUIDES:
        assert any(heading.startswith(guide) for heading in headings), (guide, headings)


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_file_and_test_a_guide_names_exists(bake, variant):
    project = bake(f"{variant}-defaults").project_path
    named = NAMED.findall(task_guides(project))
    tests = {test for _, test in named if test}
    assert len(tests) >= 3, "the guides name the tests that prove them"
    for path, test in named:
        assert (project / path).exists(), f"{path} is not in the {variant} project"
        if test:
            source = (project / path).read_text()
            assert re.search(rf"^def {test}\(", source, re.M), f"{path} has no {test}"


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_guides_python_one_liners_run(bake, variant):
    project = bake(f"{variant}-defaults").project_path
    for command in re.findall(r'^python -c "(.+)"$', task_guides(project), re.M):
        result = subprocess.run(
            [sys.executable, "-c", command], cwd=project, capture_output=True, text=True,
            env={"PYTHONDONTWRITEBYTECODE": "1"}, check=False,
        )  # fmt: skip
        assert result.returncode == 0 and result.stdout.strip(), result.stderr
