"""The post-gen hook's functions, imported from the hook as cookiecutter renders it (as
cookiecutter-pypackage tests its hooks), on a stand-in project tree."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import render_hook
from tests.matrix import COOKIECUTTER_JSON, MANIFEST, VARIANTS


def import_hook(tmp_path: Path, variant: str, monkeypatch) -> ModuleType:
    """The rendered post-gen hook of ``variant``, imported with a stand-in project as cwd."""
    answers = {**COOKIECUTTER_JSON, "project_slug": "shop", "stack_variant": variant}
    answers |= {"aws_region": "eu-west-1", "az_count": "2", "run_unit_tests": False}
    hook = tmp_path / f"post_gen_{variant.replace('-', '_')}.py"
    hook.write_text(render_hook("post_gen_project", answers))
    project = tmp_path / "shop"
    project.mkdir()
    monkeypatch.chdir(project)
    spec = importlib.util.spec_from_file_location(hook.stem, hook)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, hook.stem, module)
    spec.loader.exec_module(module)
    return module


def owned_by_every_entry() -> list[str]:
    return [path for entry in MANIFEST.owners().values() for path in entry.owns]


@pytest.mark.parametrize("variant", VARIANTS)
def test_what_is_removed_is_exactly_what_other_entries_own(tmp_path, monkeypatch, variant):
    hook = import_hook(tmp_path, variant, monkeypatch)
    kept = {path for entry in MANIFEST.kept_by(variant) for path in entry.owns}
    assert set(hook.owned_elsewhere()) == set(owned_by_every_entry()) - kept
    assert kept.isdisjoint(hook.owned_elsewhere())


@pytest.mark.parametrize("variant", VARIANTS)
def test_prune_keeps_shared_and_kept_paths_and_leaves_no_empty_folder(
    tmp_path, monkeypatch, variant, capsys
):
    hook = import_hook(tmp_path, variant, monkeypatch)
    project = Path.cwd()
    shared = ["tap.py", "lib/config.py", "tests/unit/mocks.py"]
    for relative in [*shared, *(f"{path}/x.py" for path in owned_by_every_entry())]:
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_text("")
    hook.prune()
    left = {path.relative_to(project).as_posix() for path in project.rglob("*") if path.is_file()}
    kept = {f"{path}/x.py" for entry in MANIFEST.kept_by(variant) for path in entry.owns}
    assert left == set(shared) | kept
    assert all(any(folder.iterdir()) for folder in project.rglob("*") if folder.is_dir())
    assert f"post-gen: kept the {variant} files" in capsys.readouterr().out


def test_prune_twice_changes_nothing_the_second_time(tmp_path, monkeypatch, capsys):
    hook = import_hook(tmp_path, "multi-env-ecs", monkeypatch)
    (Path.cwd() / "functions/api").mkdir(parents=True)
    hook.prune()
    hook.prune()
    assert capsys.readouterr().out.splitlines()[-1].endswith("removed 0 paths of other variants")


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_unit_tests_need_what_the_variant_and_its_parts_import(tmp_path, monkeypatch, variant):
    hook = import_hook(tmp_path, variant, monkeypatch)
    assert set(hook.TEST_MODULES) == {
        "pulumi",
        "pulumi_aws",
        "pulumi_policy",
        "pytest",
        *MANIFEST.imports_of(variant),
    }


def next_steps_of(hook: ModuleType, capsys) -> list[str]:
    """The commands of the hook's next-steps screen, in order."""
    hook.next_steps()
    return [line.split("#")[0].strip() for line in capsys.readouterr().out.splitlines()[2:]]


@pytest.mark.parametrize("variant", VARIANTS)
def test_next_steps_run_the_once_only_steps_right_before_the_first_deploy(
    tmp_path, monkeypatch, variant, capsys
):
    # The account program is shared: every variant deploys it once, right before its first
    # deploy (variants.toml [shared] first_steps, then each kept entry's).
    hook = import_hook(tmp_path, variant, monkeypatch)
    once = [step["run"] for step in MANIFEST.first_steps_of(variant)]
    assert "bash scripts/deploy_account.sh" in once
    steps = next_steps_of(hook, capsys)
    deploy = steps.index("bash scripts/deploy.sh")
    assert steps[deploy - len(once) - 1 : deploy] == ["pulumi login", *once]


def test_next_steps_create_the_venv_only_when_generation_did_not(tmp_path, monkeypatch, capsys):
    hook = import_hook(tmp_path, "serverless-api", monkeypatch)
    setup = ["make install", "source .venv/bin/activate"]
    assert next_steps_of(hook, capsys)[:3] == [*setup, "pulumi version"]
    (Path.cwd() / ".venv").mkdir()
    assert next_steps_of(hook, capsys)[:2] == ["source .venv/bin/activate", "pulumi version"]


def test_a_cruft_render_is_told_from_a_generation(tmp_path, monkeypatch):
    hook = import_hook(tmp_path, "serverless-api", monkeypatch)
    temp = tmp_path / "temp"
    (temp / "tmpab12cd" / "shop").mkdir(parents=True)
    monkeypatch.setattr(hook.tempfile, "tempdir", str(temp))
    assert not hook.rendered_for_cruft(), "cookiecutter's context has no _commit"
    monkeypatch.setitem(hook.ANSWERS, "_commit", "0" * 40)
    assert not hook.rendered_for_cruft(), "cruft create renders where the user asked"
    monkeypatch.setattr(hook, "PROJECT", temp / "tmpab12cd" / "shop")
    assert hook.rendered_for_cruft(), "cruft diff and update render into a TemporaryDirectory"
