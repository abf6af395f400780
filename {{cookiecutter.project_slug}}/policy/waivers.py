"""Exceptions to the rules, as data: which rule a resource may break, why, and who decides.

``policy/waivers.toml`` holds the waivers every variant of the project would need; a folder of
``lib/`` holds, in its own ``waivers.toml``, those its code needs (found by folder, so no shared
file names one). The pack and the unit tests read them all, and the README shows each file as it
is. Each ``[[waiver]]`` names the ``rule``, the resources it covers (a resource ``type`` token, a
logical ``name`` pattern where ``*`` is any text, or both), the ``reason`` and ``decided_by``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from lib.folder_files import check_text_fields, shared_then_folders, table_entries
from policy.model import Violation
from policy.rules import RULE_NAMES

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_FILE = "policy/waivers.toml"
REQUIRED = ("rule", "reason", "decided_by")
FIELDS = ("rule", "type", "name", "reason", "decided_by")


class WaiverError(ValueError):
    """A waivers file the pack cannot read, or a waiver it cannot apply."""


@dataclass(frozen=True)
class Waiver:
    """Resources that may break one rule, why, and who decides."""

    rule: str
    reason: str
    decided_by: str
    type: str = ""
    name: str = ""  # a pattern of logical names: * is any text
    source: str = ""  # the file, relative to the project

    def covers(self, violation: Violation) -> bool:
        """Whether this waiver lets ``violation`` pass."""
        resource = violation.resource
        return (
            violation.rule == self.rule
            and (not self.type or self.type == resource.type)
            and (not self.name or fnmatchcase(resource.name, self.name))
        )


def waiver_files(root: Path = PROJECT_ROOT) -> list[Path]:
    """The shared waivers file, then each lib/ folder's, by folder name."""
    return shared_then_folders(root / SHARED_FILE, "waivers.toml", root / "lib")


def load_waivers(
    root: Path = PROJECT_ROOT, rule_names: Sequence[str] = RULE_NAMES
) -> tuple[Waiver, ...]:
    """Every waiver of the project; WaiverError names the file and the waiver that is wrong."""
    return tuple(
        waiver
        for path in waiver_files(root)
        for waiver in parse_waivers(
            path.read_text(encoding="utf-8"), path.relative_to(root).as_posix(), rule_names
        )
    )


def parse_waivers(text: str, source: str, rule_names: Sequence[str] = RULE_NAMES) -> list[Waiver]:
    """The waivers of one file's ``text``; ``source`` is the file, as messages name it."""
    return [
        _waiver(entry, f"{source}: waiver {number}", source, rule_names)
        for number, entry in enumerate(table_entries(text, source, "waiver", WaiverError), 1)
    ]


def _waiver(entry: dict, where: str, source: str, rule_names: Sequence[str]) -> Waiver:
    check_text_fields(entry, where, "waiver", FIELDS, WaiverError)
    missing = [field for field in REQUIRED if not entry.get(field, "").strip()]
    if missing:
        raise WaiverError(f"{where} lacks {missing}: say which rule, why, and who decides")
    if entry["rule"] not in rule_names:
        raise WaiverError(f"{where} waives {entry['rule']!r}, which is no rule of policy/rules.py")
    if not entry.get("type") and not entry.get("name"):
        raise WaiverError(
            f"{where} names neither a resource type nor a name pattern, so it would waive "
            f"{entry['rule']} for every resource: change the rule's level instead"
        )
    return Waiver(source=source, **entry)


def waiver_for(violation: Violation, waivers: Iterable[Waiver]) -> Waiver | None:
    """The first waiver that covers ``violation``, if any."""
    return next((waiver for waiver in waivers if waiver.covers(violation)), None)


def unwaived(violations: Iterable[Violation], waivers: Sequence[Waiver]) -> list[Violation]:
    """The violations no waiver covers."""
    return [violation for violation in violations if waiver_for(violation, waivers) is None]
