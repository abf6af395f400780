"""The template's variant manifest (variants.toml), loaded into typed records.

Everything that differs between variants is declared once, in variants.toml. This module reads
it for the generated files (the ``ManifestGlobals`` Jinja extension below), the template's
tests and scripts/bench.py.
The rendered hooks get the file's data through the same extension (``manifest_json``), as they
run as scripts in a temporary folder, where neither this module nor a path to the template
(the context's ``_repo_dir`` may be relative to a folder they do not know) is at hand.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from jinja2.ext import Extension

MANIFEST = Path(__file__).resolve().parent / "variants.toml"


@dataclass(frozen=True)
class Part:
    """Code some variants share: the paths it owns and what it adds to the dev environment."""

    name: str
    summary: str
    owns: tuple[str, ...]
    requirements: tuple[str, ...] = ()
    imports: tuple[str, ...] = ()
    lint: tuple[str, ...] = ()
    scripts: dict[str, str] = field(default_factory=dict)
    # What a new project runs once before its first deploy: {run, why} (README, next steps).
    first_steps: tuple[dict[str, str], ...] = ()


@dataclass(frozen=True)
class Variant(Part):
    """A stack the template offers: a part that is chosen by ``stack_variant``."""

    title: str = ""
    package: str = ""
    parts: tuple[str, ...] = ()
    answers: tuple[str, ...] = ()
    destroy_hint: str = ""
    bench_unit_seconds: float = 0.0
    emulation: str = ""
    stack_file_per_environment: bool = False
    shapes: tuple[dict[str, str], ...] = ()
    # Stack settings (TapStack config key: environment variable) that scripts/deploy.sh sets
    # from the environment, and the pipeline from the repository variable of that name.
    pipeline_settings: dict[str, str] = field(default_factory=dict)
    # The answer that lists the environments the release deploys ("" for all of them).
    release_answer: str = ""


@dataclass(frozen=True)
class Manifest:
    """Every variant and part, and the answers all variants read."""

    data: dict  # variants.toml as parsed, in its order: what the hooks receive
    common_answers: tuple[str, ...]
    parts: dict[str, Part]
    variants: dict[str, Variant]
    # The long-lived environments, in the order the release deploys them ([release]).
    release_order: tuple[str, ...]
    # What every variant keeps beyond its entries ([shared]: the account program's lint
    # target, task and first step); it owns no path.
    shared: Part = field(default_factory=lambda: Part(name="shared", summary="", owns=()))

    def owners(self) -> dict[str, Part]:
        """Every manifest entry (part or variant) by name."""
        return {**self.parts, **self.variants}

    def kept_by(self, variant: str) -> tuple[Part, ...]:
        """The entries whose paths ``variant`` keeps: the shared entry (no paths), the variant
        itself and its parts."""
        chosen = self.variants[variant]
        return (self.shared, chosen, *(self.parts[name] for name in chosen.parts))

    def answers_of(self, variant: str) -> tuple[str, ...]:
        """The answers ``variant`` reads."""
        return (*self.common_answers, *self.variants[variant].answers)

    def requirements_of(self, variant: str) -> tuple[str, ...]:
        """The dev requirements ``variant`` adds to the shared ones."""
        return tuple(line for entry in self.kept_by(variant) for line in entry.requirements)

    def imports_of(self, variant: str) -> tuple[str, ...]:
        """The modules ``variant``'s unit tests import beyond the shared ones."""
        return tuple(module for entry in self.kept_by(variant) for module in entry.imports)

    def lint_of(self, variant: str) -> tuple[str, ...]:
        """The files outside lib/ and tap.py that ``variant``'s lint covers."""
        return tuple(path for entry in self.kept_by(variant) for path in entry.lint)

    def scripts_of(self, variant: str) -> dict[str, str]:
        """The tasks ``variant`` adds to the shared ones: Makefile target to command."""
        return {name: run for entry in self.kept_by(variant) for name, run in entry.scripts.items()}

    def first_steps_of(self, variant: str) -> tuple[dict[str, str], ...]:
        """The commands ``variant`` runs once before its first deploy, each {run, why}."""
        return tuple(step for entry in self.kept_by(variant) for step in entry.first_steps)

    def release_of(self, variant: str, answers: dict) -> tuple[str, ...]:
        """The environments ``variant``'s release deploys, in release order: those its
        ``release_answer`` lists (comma-separated, in any order), or all of them."""
        answer = self.variants[variant].release_answer
        if not answer:
            return self.release_order
        listed = {name.strip() for name in str(answers[answer]).split(",")}
        return tuple(name for name in self.release_order if name in listed)

    def readme_table(self) -> str:
        """The README's table of variants, as Markdown (a template test keeps the two equal)."""
        rows = [
            "| Variant | Package (`lib/`, `tests/unit/`) | Shared parts | Its own questions "
            "| Unit suite target |",
            "|---|---|---|---|---|",
        ]
        for name, variant in self.variants.items():
            parts = ", ".join(f"`{part}`" for part in variant.parts) or "none"
            answers = ", ".join(f"`{answer}`" for answer in variant.answers) or "none"
            rows.append(
                f"| `{name}` | `{variant.package}` | {parts} | {answers} "
                f"| {variant.bench_unit_seconds:g} s |"
            )
        return "\n".join(rows)


def _tuples(entry: dict) -> dict:
    return {key: tuple(value) if isinstance(value, list) else value for key, value in entry.items()}


@cache
def load(path: Path = MANIFEST) -> Manifest:
    """The manifest at ``path``."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return Manifest(
        data=data,
        common_answers=tuple(data["answers"]["common"]),
        parts={name: Part(name=name, **_tuples(entry)) for name, entry in data["parts"].items()},
        variants={
            name: Variant(name=name, **_tuples(entry)) for name, entry in data["variants"].items()
        },
        shared=Part(name="shared", summary="", owns=(), **_tuples(data.get("shared", {}))),
        release_order=tuple(data["release"]["environments"]),
    )


class ManifestGlobals(Extension):
    """Give the generated files the manifest as ``manifest``, and the chosen variant's entry
    through ``manifest.variants[cookiecutter.stack_variant]``: shared files substitute what
    differs (a package name, a requirement line) instead of branching on the variant. The
    hooks read it as data, ``manifest_json`` (variants.toml as JSON text). The ``fromtoml``
    filter reads a rendered TOML file as data (the README's controls table reads each kept
    ``controls.toml``, so the table and the files the policy pack reads are one source)."""

    def __init__(self, environment):
        super().__init__(environment)
        environment.filters["fromtoml"] = tomllib.loads
        environment.globals["manifest"] = load()
        # JSON in the file's order (``|tojson`` would sort the keys, and so the variants).
        environment.globals["manifest_json"] = json.dumps(load().data, ensure_ascii=False)
