"""The variant manifest (variants.toml) and the project tree agree: every file is shared or kept
by exactly one entry, folders say their owner, and shared code names no variant."""

from __future__ import annotations

import re

import pytest

from tests.matrix import MANIFEST, ROOT

TREE = ROOT / "{{cookiecutter.project_slug}}"
OWNERS = MANIFEST.owners()
# The folders whose sub-packages are split by owner (the TAP layout keeps lib/tap_stack.py).
SPLIT_BY_OWNER = ("lib", "tests/unit")


def project_files() -> list[str]:
    """Every file of the template's project tree, relative to it."""
    return sorted(
        path.relative_to(TREE).as_posix()
        for path in TREE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )


def owners_of(relative: str) -> list[str]:
    """The manifest entries whose ``owns`` covers ``relative``."""
    return [
        name
        for name, entry in OWNERS.items()
        if any(relative == owned or relative.startswith(f"{owned}/") for owned in entry.owns)
    ]


def package_of(entry_name: str) -> str:
    """The Python package name of an entry's folders (lib/<package>, tests/unit/<package>)."""
    entry = OWNERS[entry_name]
    return getattr(entry, "package", "") or entry_name


def test_every_file_is_shared_or_kept_by_exactly_one_entry():
    several = {path: owners_of(path) for path in project_files() if len(owners_of(path)) > 1}
    assert not several


@pytest.mark.parametrize("entry", sorted(OWNERS))
def test_every_owned_path_exists(entry):
    missing = [path for path in OWNERS[entry].owns if not (TREE / path).exists()]
    assert not missing, f"{entry} owns paths the project tree does not have: {missing}"


@pytest.mark.parametrize("folder", SPLIT_BY_OWNER)
def test_each_sub_package_belongs_to_one_entry_named_like_it(folder):
    for package in sorted(p for p in (TREE / folder).iterdir() if p.is_dir()):
        relative = package.relative_to(TREE).as_posix()
        (owner,) = owners_of(relative) or [None]
        assert owner is not None, f"{relative} is a sub-package no manifest entry owns"
        assert package_of(owner) == package.name, f"{relative} is owned by {owner}"


def test_every_variant_and_part_has_its_own_lib_package():
    for name in OWNERS:
        assert (TREE / "lib" / package_of(name) / "__init__.py").is_file(), name


def test_every_part_is_used_by_two_variants_and_exists():
    for name in MANIFEST.parts:
        users = [v for v, entry in MANIFEST.variants.items() if name in entry.parts]
        assert len(users) >= 2, f"part {name} is used by {users}: fold it into its variant"
    for variant, entry in MANIFEST.variants.items():
        assert set(entry.parts) <= set(MANIFEST.parts), variant


VARIANT_BRANCH = re.compile(r"\{%-?\s*(?:el)?if\b[^%]*\bstack_variant\b")
IMPORT = re.compile(r"^\s*(?:from|import)\s+(lib|tests\.unit)\.(\w+)", re.MULTILINE)


@pytest.mark.parametrize("relative", project_files())
def test_no_file_branches_on_the_variant(relative):
    text = (TREE / relative).read_text(encoding="utf-8")
    assert not VARIANT_BRANCH.search(text), "say what differs in variants.toml instead"


@pytest.mark.parametrize("relative", [p for p in project_files() if p.endswith(".py")])
def test_code_imports_only_what_every_variant_keeping_it_has(relative):
    """Shared code imports no variant's or part's package (lib/tap_stack.py names the chosen
    one through the manifest); a part imports no other entry's; a variant only its parts'."""
    owner = (owners_of(relative) or [None])[0]
    allowed = {package_of(owner)} if owner else set()
    if owner in MANIFEST.variants:
        allowed |= {package_of(part) for part in MANIFEST.variants[owner].parts}
    packages = {package_of(name) for name in OWNERS}
    imported = {match[1] for match in IMPORT.findall((TREE / relative).read_text(encoding="utf-8"))}
    assert not (imported & packages) - allowed, f"{relative} ({owner or 'shared'}) imports them"


def test_the_readme_lists_the_variants_as_the_manifest_declares_them():
    readme = (ROOT / "README.md").read_text()
    expected = MANIFEST.readme_table()
    assert expected in readme, f"README.md should hold this table:\n{expected}"
