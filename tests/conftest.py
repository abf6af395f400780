"""Shared helpers for the template's own tests: baking, rendering hooks, reading the tree."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cookiecutter.environment import StrictEnvironment

from tests.matrix import COOKIECUTTER_JSON, MANIFEST, ROOT, combinations

HOOKS = ROOT / "hooks"
BIN = Path(sys.executable).parent


def check_keys(extra_context: dict) -> None:
    """Cookiecutter silently ignores unknown extra_context keys; a test must never rely on one."""
    unknown = sorted(set(extra_context) - set(COOKIECUTTER_JSON))
    assert not unknown, f"not in cookiecutter.json: {unknown}"


def variant_paths() -> dict[str, tuple[str, ...]]:
    """Every path a manifest entry owns, with the variants that keep it (variants.toml)."""
    keepers: dict[str, list[str]] = {}
    for variant in MANIFEST.variants:
        for entry in MANIFEST.kept_by(variant):
            for path in entry.owns:
                keepers.setdefault(path, []).append(variant)
    return {path: tuple(variants) for path, variants in keepers.items()}


def render_hook(name: str, answers: dict) -> str:
    """A hook's source as cookiecutter would run it for ``answers``, with this template's
    extensions (the manifest among them)."""
    answers = {"_extensions": COOKIECUTTER_JSON["_extensions"], **answers}
    env = StrictEnvironment(context={"cookiecutter": answers})
    return env.from_string((HOOKS / f"{name}.py").read_text()).render(cookiecutter=answers)


def run_tool(args: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    """Run a tool of this environment (ruff, pylint, cookiecutter) and capture its output."""
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False, **kwargs)


def cookiecutter_cli(output_dir: Path, *answers: str, **kwargs) -> subprocess.CompletedProcess:
    """``cookiecutter --no-input <template> key=value ...`` as a user runs it."""
    return run_tool(
        [str(BIN / "cookiecutter"), "--no-input", str(ROOT), "-o", str(output_dir), *answers],
        cwd=output_dir,
        **kwargs,
    )


@pytest.fixture(scope="session")
def bake(cookies_session) -> Callable[[str], object]:
    """Bake a matrix combination once per session (without the post-gen test run) by id."""
    baked: dict[str, object] = {}

    def bake_combination(combo_id: str):
        if combo_id not in baked:
            extra_context = {**combinations()[combo_id], "run_unit_tests": "no"}
            check_keys(extra_context)
            baked[combo_id] = cookies_session.bake(extra_context=extra_context, template=str(ROOT))
        return baked[combo_id]

    return bake_combination


@pytest.fixture
def project_copy(tmp_path, bake) -> Callable[[str], Path]:
    """A private copy of a baked project that a test may change."""

    def copy(combo_id: str) -> Path:
        result = bake(combo_id)
        target = tmp_path / result.project_path.name
        shutil.copytree(result.project_path, target)
        return target

    return copy
