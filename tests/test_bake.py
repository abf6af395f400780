"""Every supported combination bakes into a clean project whose own checks pass."""

from __future__ import annotations

import os
import re
import sys

import pytest

from tests.conftest import BIN, run_tool, variant_paths
from tests.matrix import MANIFEST, VARIANTS, combinations

COMBINATIONS = sorted(combinations())
# Jinja left unrendered; GitHub's own expressions in the workflows, ${{ ... }}, are meant to stay.
LEFTOVERS = re.compile(r"(?<!\$)\{\{|\{%|cookiecutter\.")
PYLINT_SCORE = re.compile(r"rated at (-?[0-9.]+)/10")

EACH_COMBINATION = pytest.mark.parametrize("combo", COMBINATIONS)


def generated_files(project):
    return [path for path in project.rglob("*") if path.is_file()]


@EACH_COMBINATION
def test_the_combination_bakes(bake, combo):
    result = bake(combo)
    assert result.exit_code == 0, result.exception
    assert result.exception is None
    assert (result.project_path / "tap.py").is_file()


@EACH_COMBINATION
def test_no_template_syntax_survives_in_any_path_or_file(bake, combo):
    project = bake(combo).project_path
    for path in project.rglob("*"):
        assert not LEFTOVERS.search(str(path.relative_to(project))), path
        if path.is_file():
            assert not LEFTOVERS.search(path.read_text(encoding="utf-8")), path


@EACH_COMBINATION
def test_only_the_chosen_variants_files_are_present(bake, combo):
    result = bake(combo)
    variant = result.context["stack_variant"]
    for relative, owners in variant_paths().items():
        exists = (result.project_path / relative).exists()
        assert exists is (variant in owners), f"{relative} (kept by {owners}) present: {exists}"


@EACH_COMBINATION
def test_ruff_finds_nothing(bake, combo):
    project = bake(combo).project_path
    check = run_tool([str(BIN / "ruff"), "check", "--no-cache", "."], project)
    assert check.returncode == 0, check.stdout
    formatting = run_tool([str(BIN / "ruff"), "format", "--check", "--no-cache", "."], project)
    assert formatting.returncode == 0, formatting.stdout


@EACH_COMBINATION
def test_pylint_scores_at_least_nine(bake, combo):
    result = bake(combo)
    project, variant = result.project_path, result.context["stack_variant"]
    # tap.py, the policy pack and what the variant's manifest entry adds (the account program).
    programs = ["tap.py", "policy", *MANIFEST.lint_of(variant)]
    result = run_tool([sys.executable, "-m", "pylint", "lib", *programs], project)
    score = float(PYLINT_SCORE.search(result.stdout).group(1))
    assert score >= 9.0, result.stdout


@EACH_COMBINATION
def test_the_generated_unit_tests_pass(bake, combo):
    project = bake(combo).project_path
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    result = run_tool([sys.executable, "-m", "pytest", "tests/unit", "-q"], project, env=env)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert re.search(r"^\d+ passed in ", result.stdout.splitlines()[-1]), result.stdout[-500:]


@EACH_COMBINATION
def test_every_path_stays_under_200_characters(bake, combo):
    project = bake(combo).project_path
    for path in project.rglob("*"):
        relative = path.relative_to(project.parent).as_posix()
        assert len(relative) < 200, relative


@EACH_COMBINATION
def test_every_file_uses_lf_and_ends_with_a_newline(bake, combo):
    project = bake(combo).project_path
    for path in generated_files(project):
        data = path.read_bytes()
        assert b"\r" not in data, path
        assert data.endswith(b"\n"), path


@pytest.mark.parametrize("combo", [f"{variant}-defaults" for variant in VARIANTS])
def test_the_generated_unit_tests_cover_nine_tenths_of_lib_branches(bake, combo):
    project = bake(combo).project_path
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    command = [sys.executable, "-m", "pytest", "tests/unit", "-q", "-p", "pytest_cov",
               "--cov=lib", "--cov-branch", "--cov-report=term", "--cov-fail-under=90"]  # fmt: skip
    result = run_tool(command, project, env=env)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Required test coverage of 90% reached" in result.stdout
