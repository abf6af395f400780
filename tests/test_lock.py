"""The locks, offline: the template's requirements-dev.lock and each variant's generated one pin
every requirement of their inputs (and what those need, here), each with hashes; a generated
lock pins what the template's does wherever both pin a package, so the post-gen fast path (the
template's .venv) tests a project with the versions the project installs.

`python3 scripts/dev.py lock` rewrites them; these tests say when it must run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.matrix import ROOT, VARIANTS

TEMPLATE_LOCK = ROOT / "requirements-dev.lock"
# The four releases the generated program, its policy pack and its functions are built on.
PLATFORM = ("pulumi", "pulumi-aws", "pulumi-policy", "aws-lambda-powertools")


@dataclass(frozen=True)
class Pin:
    """One entry of a lock: ``name==version ; marker``, its hashes and where it comes from."""

    requirement: Requirement
    hashes: tuple[str, ...]
    via: tuple[str, ...]

    @property
    def version(self) -> str:
        (specifier,) = self.requirement.specifier
        assert specifier.operator == "==", self.requirement
        return specifier.version

    def applies_here(self) -> bool:
        marker = self.requirement.marker
        return marker is None or marker.evaluate()


def read_lock(path: Path) -> dict[str, Pin]:
    """The pins of a lock that ``uv pip compile --generate-hashes`` wrote, by canonical name."""
    pins: dict[str, Pin] = {}
    # Each entry: the requirement and its hashes (joined by backslash continuations), then its
    # "# via" comment lines.
    entries = re.split(r"\n(?=[^\s#])", path.read_text().split("\n", 2)[2].strip())
    for entry in entries:
        code = "\n".join(line for line in entry.splitlines() if not line.strip().startswith("#"))
        requirement, *hashes = code.replace("\\\n", " ").split(" --hash=")
        # "# via pytest", or "# via" over lines of "#   -r requirements.txt", "#   pulumi-aws".
        comments = [line.strip()[1:].strip() for line in entry.splitlines() if "#" in line]
        via = [re.sub(r"^via\b\s*", "", comment) for comment in comments]
        via = [source for source in via if source]
        hashes = tuple(digest.strip() for digest in hashes)
        pin = Pin(Requirement(requirement.strip()), hashes, tuple(via))
        pins[canonicalize_name(pin.requirement.name)] = pin
    return pins


def read_requirements(path: Path) -> list[Requirement]:
    """The requirements of a requirements file and of the files it includes (``-r``)."""
    requirements = []
    for line in path.read_text().splitlines():
        line = line.split(" #")[0].strip()
        if line.startswith("-r "):
            requirements += read_requirements(path.parent / line[3:].strip())
        elif line and not line.startswith("#"):
            requirements.append(Requirement(line))
    return requirements


def needed_here(requirements: list[Requirement]) -> list[Requirement]:
    """``requirements`` and everything they need on this interpreter, with the extras asked,
    following each distribution's own metadata (the release installed here, which the template
    lock pins: test_the_template_venv_holds_the_template_lock)."""
    needed: list[Requirement] = []
    extras_of: dict[str, set[str]] = {}
    todo = list(requirements)
    while todo:
        requirement = todo.pop()
        needed.append(requirement)
        name = canonicalize_name(requirement.name)
        extras = set(requirement.extras)
        if name in extras_of and extras <= extras_of[name]:
            continue
        extras_of[name] = extras_of.get(name, set()) | extras
        asked = [{**default_environment(), "extra": extra} for extra in {"", *extras}]
        for line in metadata.distribution(name).requires or ():
            dependency = Requirement(line)
            if dependency.marker is None or any(map(dependency.marker.evaluate, asked)):
                todo.append(Requirement(str(dependency).split(";", 1)[0]))
    return needed


def assert_pins_everything(lock: dict[str, Pin], inputs: list[Requirement], source: str):
    """Each input, and each thing it needs here, is pinned at a version it accepts; every pin
    has hashes; the lock's direct requirements are exactly the inputs."""
    for requirement in needed_here(inputs):
        pin = lock.get(canonicalize_name(requirement.name))
        assert pin and pin.applies_here(), (
            f"{source}: {requirement} is not pinned here; run python3 scripts/dev.py lock"
        )
        assert requirement.specifier.contains(pin.version, prereleases=True), (
            f"{source}: {requirement} does not accept the pinned {pin.version}"
        )
    unhashed = [name for name, pin in lock.items() if not pin.hashes]
    assert not unhashed, f"{source}: pins without hashes: {unhashed}"
    hashes = [digest for pin in lock.values() for digest in pin.hashes]
    assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", digest) for digest in hashes)
    direct = {name for name, pin in lock.items() if any(v.startswith("-r ") for v in pin.via)}
    inputs_by_name = {canonicalize_name(requirement.name) for requirement in inputs}
    assert direct == inputs_by_name, f"{source}: the lock is stale; run python3 scripts/dev.py lock"


def installed(name: str) -> str | None:
    """The version of ``name`` this interpreter has, or None."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def test_the_template_lock_pins_its_requirements_and_what_they_need():
    lock = read_lock(TEMPLATE_LOCK)
    assert_pins_everything(lock, read_requirements(ROOT / "requirements-dev.txt"), "the template")


def test_the_template_venv_holds_the_template_lock():
    # The post-gen fast path and the generated tests' offline installs rely on it.
    wrong = {
        name: (pin.version, installed(name))
        for name, pin in read_lock(TEMPLATE_LOCK).items()
        if pin.applies_here() and installed(name) != pin.version
    }
    assert not wrong, f"locked vs installed: {wrong}; run python3 scripts/dev.py test once"


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_generated_lock_pins_the_generated_requirements_and_what_they_need(bake, variant):
    project = bake(f"{variant}-defaults").project_path
    lock = read_lock(project / "requirements-dev.lock")
    assert_pins_everything(lock, read_requirements(project / "requirements-dev.txt"), variant)
    # The header names the command a project re-locks with (the Makefile's).
    assert (project / "requirements-dev.lock").read_text().splitlines()[1] == "#    make lock"


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_generated_lock_pins_what_the_template_lock_pins(bake, variant):
    project_lock = read_lock(bake(f"{variant}-defaults").project_path / "requirements-dev.lock")
    template_lock = read_lock(TEMPLATE_LOCK)
    differ = {
        name: (pin.version, template_lock[name].version if name in template_lock else None)
        for name, pin in project_lock.items()
        if name not in template_lock or template_lock[name].version != pin.version
    }
    assert not differ, f"project vs template: {differ}; run python3 scripts/dev.py lock"
    # The releases the program, its policy pack and its functions are built on are the ones
    # the template's requirements-dev.txt names.
    named = {
        canonicalize_name(requirement.name): str(requirement.specifier)
        for requirement in read_requirements(ROOT / "requirements-dev.txt")
    }
    for name in PLATFORM:
        if name in project_lock:
            assert named[name] == f"=={project_lock[name].version}"
    assert {"pulumi", "pulumi-aws", "pulumi-policy"} <= set(project_lock)
