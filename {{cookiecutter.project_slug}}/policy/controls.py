"""AWS Security Hub's Foundational Security Best Practices (FSBP) controls, met or waived, as data.

``policy/controls.toml`` holds the controls of the code every variant of the project shares (KMS,
SNS, CloudWatch, IAM, WAF); a folder of ``lib/`` holds, in its own ``controls.toml``, the
controls of the resources its code declares (found by folder, as waivers are:
policy/waivers.py). The README's "Security Hub controls" table is rendered from these files,
the pack cites in each violation the controls its rule enforces, and the unit tests keep the
README, the rules and the tests the files name equal to the files.

Each file holds only ``[[control]]`` tables, every field one line of text:

``id``
    The control's Security Hub id (``APIGateway.1``, ``S3.5``): once in what a project keeps.
``title``
    The control's title, as Security Hub words it.
``status``
    ``met``, ``met in prod`` (prod meets it and the other tiers waive it: Security Hub reports
    the control failed on their stacks) or ``waived``.
``how`` (met, met in prod)
    What meets it.
``rule`` and/or ``test`` (met, met in prod: at least one)
    The policy-pack rule of policy/rules.py that enforces it, and the unit test that proves it,
    as ``tests/unit/<folder>/test_x.py::test_y``. A rule named ``prod-...`` checks prod alone,
    so a control it enforces is met in prod only.
``waived_for`` (waived; met in prod, for the other tiers)
    ``cost``, ``not-applicable`` (the design has nothing the control checks, or needs the
    opposite: a stack outside prod must be destroyable) or ``team-decision`` (needs something
    the owners must decide).
``reason`` (waived; met in prod, for the other tiers)
    Why, in one line.

A control is stated once in what a project keeps, in the file of the code that declares what it
checks: ``lib/private_bucket/controls.toml`` states the public-access, TLS and ACL controls of
every bucket (S3.1, S3.2, S3.3, S3.5, S3.8, S3.12), so a variant's own folder states only what
its buckets add (their policies, logging and lifecycle: S3.6, S3.9, S3.13). A control that
holds only for some generation answers is met under a template condition on the answer and
waived under its other branch (``lib/lambda_api/controls.toml`` does so for X-Ray).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from lib.folder_files import check_text_fields, shared_then_folders, table_entries
from policy.rules import RULE_NAMES

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_FILE = "policy/controls.toml"
MET, MET_IN_PROD, WAIVED = "met", "met in prod", "waived"
WAIVED_FOR = ("cost", "not-applicable", "team-decision")
FIELDS = ("id", "title", "status", "how", "rule", "test", "waived_for", "reason")
# What each status needs, and what it must leave out (a waived control names no rule that would
# claim to enforce it; a met one gives no reason to skip it; one met in prod says both).
REQUIRED = {
    MET: ("id", "title", "how"),
    MET_IN_PROD: ("id", "title", "how", "waived_for", "reason"),
    WAIVED: ("id", "title", "waived_for", "reason"),
}
ALLOWED = {
    MET: ("id", "title", "status", "how", "rule", "test"),
    MET_IN_PROD: FIELDS,
    WAIVED: (*REQUIRED[WAIVED], "status"),
}
# The prefix of the rules that check prod's resources alone (prod-deletion-protection).
PROD_RULE_PREFIX = "prod-"
# Security Hub's control ids: the service's name as Security Hub spells it, a dot, a number.
CONTROL_ID = re.compile(r"[A-Z][A-Za-z0-9]*\.[1-9][0-9]*")
TEST_ID = re.compile(r"tests/unit/(?:[a-z0-9_]+/)*test_[a-z0-9_]+\.py::test_[a-z0-9_]+")


class ControlError(ValueError):
    """A controls file the pack cannot read, or a control it cannot state."""


@dataclass(frozen=True)
class Control:
    """One FSBP control: met (how, and the rule or test that holds it), met in prod only (and
    why the other tiers go without), or waived (why)."""

    id: str
    title: str
    status: str
    how: str = ""
    rule: str = ""
    test: str = ""
    waived_for: str = ""
    reason: str = ""
    source: str = ""  # the file, relative to the project

    @property
    def met(self) -> bool:
        """Whether the project meets the control, in every tier or in prod (else it waives it)."""
        return self.status in (MET, MET_IN_PROD)

    @property
    def sort_key(self) -> tuple[str, int]:
        """Security Hub's order: by service, then by number (S3.2 before S3.10)."""
        service, number = self.id.split(".")
        return service.lower(), int(number)


def control_files(root: Path = PROJECT_ROOT) -> list[Path]:
    """The shared controls file, then each lib/ folder's, by folder name."""
    return shared_then_folders(root / SHARED_FILE, "controls.toml", root / "lib")


def load_controls(
    root: Path = PROJECT_ROOT, rule_names: Sequence[str] = RULE_NAMES
) -> tuple[Control, ...]:
    """Every control of the project; ControlError names the file and the control that is
    wrong, or the files that state one control twice."""
    controls = tuple(
        control
        for path in control_files(root)
        for control in parse_controls(
            path.read_text(encoding="utf-8"), path.relative_to(root).as_posix(), rule_names
        )
    )
    sources: dict[str, list[str]] = defaultdict(list)
    for control in controls:
        sources[control.id].append(control.source)
    twice = {cid: files for cid, files in sources.items() if len(files) > 1}
    if twice:
        listed = "; ".join(f"{cid} in {', '.join(files)}" for cid, files in sorted(twice.items()))
        raise ControlError(
            f"controls stated more than once: {listed}. Each control is met or waived once, in "
            "the file of the code that declares what it checks"
        )
    return controls


def parse_controls(text: str, source: str, rule_names: Sequence[str] = RULE_NAMES) -> list[Control]:
    """The controls of one file's ``text``; ``source`` is the file, as messages name it."""
    return [
        _control(entry, f"{source}: control {entry.get('id') or number}", source, rule_names)
        for number, entry in enumerate(table_entries(text, source, "control", ControlError), 1)
    ]


def _control(entry: dict, where: str, source: str, rule_names: Sequence[str]) -> Control:
    check_text_fields(entry, where, "control", FIELDS, ControlError)
    # The README shows each field in one cell of a Markdown table.
    if any("\n" in value or "|" in value for value in entry.values()):
        raise ControlError(f"{where}: every field must be one line, without '|'")
    status = entry.get("status", "")
    if status not in REQUIRED:
        raise ControlError(
            f"{where} has status {status!r}: a control is {MET!r}, {MET_IN_PROD!r} or {WAIVED!r}"
        )
    missing = [field for field in REQUIRED[status] if not entry.get(field, "").strip()]
    if missing:
        raise ControlError(f"{where} is {status} but lacks {missing}")
    extra = sorted(set(entry) - set(ALLOWED[status]))
    if extra:
        raise ControlError(f"{where} is {status} and so holds no {extra}")
    if not CONTROL_ID.fullmatch(entry["id"]):
        raise ControlError(f"{where}: {entry['id']!r} is not a Security Hub control id (S3.5)")
    if status != WAIVED:
        _check_met(entry, where, rule_names)
    if status != MET and entry["waived_for"] not in WAIVED_FOR:
        raise ControlError(
            f"{where} is waived for {entry['waived_for']!r}; say one of {list(WAIVED_FOR)}"
        )
    return Control(source=source, **entry)


def _check_met(entry: Mapping[str, str], where: str, rule_names: Sequence[str]) -> None:
    rule, test = entry.get("rule", ""), entry.get("test", "")
    if not rule and not test:
        raise ControlError(
            f"{where} is {entry['status']} but names neither the rule that enforces it nor the "
            "test that proves it"
        )
    if rule and rule not in rule_names:
        raise ControlError(f"{where} names {rule!r}, which is no rule of policy/rules.py")
    if rule.startswith(PROD_RULE_PREFIX) and entry["status"] == MET:
        raise ControlError(
            f"{where} is met by {rule!r}, which checks prod alone: state it {MET_IN_PROD!r}, "
            "with waived_for and the reason the other tiers go without"
        )
    if test and not TEST_ID.fullmatch(test):
        raise ControlError(
            f"{where} names the test {test!r}; name it tests/unit/<folder>/test_x.py::test_y"
        )


def controls_by_rule(controls: Iterable[Control]) -> dict[str, tuple[str, ...]]:
    """The ids of the controls each rule enforces, by rule name, in Security Hub's order."""
    enforced: dict[str, list[Control]] = defaultdict(list)
    for control in controls:
        if control.met and control.rule:
            enforced[control.rule].append(control)
    return {
        rule: tuple(c.id for c in sorted(found, key=lambda c: c.sort_key))
        for rule, found in enforced.items()
    }


def cited(text: str, control_ids: Sequence[str]) -> str:
    """``text`` (a violation's message, a rule's description) naming the controls it keeps."""
    return f"{text} (Security Hub {', '.join(control_ids)})" if control_ids else text
