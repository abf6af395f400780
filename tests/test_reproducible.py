"""Same answers, same project: baking twice gives byte-identical trees, each dependency is
declared once and locked, and metadata.json holds what the project's owner can use."""

import hashlib
import json
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import check_keys
from tests.matrix import VARIANTS
from tests.test_lock import read_lock


def tree(project):
    return {
        path.relative_to(project).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(project.rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize("variant", VARIANTS)
def test_baking_twice_gives_identical_trees(cookies, variant):
    answers = {"stack_variant": variant, "run_unit_tests": "no"}
    check_keys(answers)
    first, second = cookies.bake(extra_context=answers), cookies.bake(extra_context=answers)
    assert first.exit_code == second.exit_code == 0
    assert first.project_path != second.project_path
    assert tree(first.project_path) == tree(second.project_path)


# The files other Python tools take dependencies from: a project has none of them, so
# requirements-dev.txt (with the files it includes) and its lock are the one list.
OTHER_DEPENDENCY_FILES = (
    "Pipfile", "Pipfile.lock", "setup.py", "setup.cfg", "poetry.lock", "uv.lock", "pdm.lock",
    "environment.yml", "requirements-dev.in",
)  # fmt: skip


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_dependency_is_named_in_one_file_and_locked(bake, variant):
    project = bake(f"{variant}-defaults").project_path
    assert not [name for name in OTHER_DEPENDENCY_FILES if (project / name).exists()]
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert not {"dependencies", "optional-dependencies"} & set(pyproject["project"])
    named: dict[str, list[str]] = {}
    for path in sorted(project.rglob("requirements*.txt")):
        for line in path.read_text().splitlines():
            if line.strip() and not line.startswith(("#", "-r ")):
                name = canonicalize_name(Requirement(line).name)
                named.setdefault(name, []).append(path.relative_to(project).as_posix())
    # Two files naming one package could disagree on its range; the others include what they need.
    assert {name: files for name, files in named.items() if len(files) > 1} == {}
    lock = read_lock(project / "requirements-dev.lock")
    assert {"pulumi", "pulumi-aws", "pulumi-policy"} <= set(named) <= set(lock)


@pytest.mark.parametrize("variant", VARIANTS)
def test_metadata_says_what_the_project_is_and_nothing_else(bake, variant):
    result = bake(f"{variant}-defaults")
    metadata = json.loads((result.project_path / "metadata.json").read_text())
    assert set(metadata) == {"platform", "language", "template", "variant", "team", "aws_services"}
    assert (metadata["platform"], metadata["language"]) == ("pulumi", "py")
    assert (metadata["template"], metadata["variant"]) == ("tap-template", variant)
    assert metadata["team"] == result.context["owner"]
    assert metadata["aws_services"] and len(set(metadata["aws_services"])) == len(
        metadata["aws_services"]
    )
