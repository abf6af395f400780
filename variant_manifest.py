"""The template's variant manifest (variants.toml), loaded into typed records.

Everything that differs between variants is declared once, in variants.toml. This module reads
it for the Jinja extension (local_extensions.py), the template's tests and scripts/bench.py.
The rendered hooks read the same file (its path is the context's ``_repo_dir``) with tomllib,
as they run as scripts outside this folder.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

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


@dataclass(frozen=True)
class Manifest:
    """Every variant and part, and the answers all variants read."""

    common_answers: tuple[str, ...]
    parts: dict[str, Part]
    variants: dict[str, Variant]

    def owners(self) -> dict[str, Part]:
        """Every manifest entry (part or variant) by name."""
        return {**self.parts, **self.variants}

    def kept_by(self, variant: str) -> tuple[Part, ...]:
        """The entries whose paths ``variant`` keeps: the variant itself and its parts."""
        chosen = self.variants[variant]
        return (chosen, *(self.parts[name] for name in chosen.parts))

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


def _tuples(entry: dict) -> dict:
    return {key: tuple(value) if isinstance(value, list) else value for key, value in entry.items()}


@cache
def load(path: Path = MANIFEST) -> Manifest:
    """The manifest at ``path``."""
    data = tomllib.loads(path.read_text())
    return Manifest(
        common_answers=tuple(data["answers"]["common"]),
        parts={name: Part(name=name, **_tuples(entry)) for name, entry in data["parts"].items()},
        variants={
            name: Variant(name=name, **_tuples(entry)) for name, entry in data["variants"].items()
        },
    )
