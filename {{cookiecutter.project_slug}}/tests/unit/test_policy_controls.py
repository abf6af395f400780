"""The Security Hub controls table (policy/controls.py): every control the project keeps is met by
a rule or test that exists, or waived with its reason, and the README shows the files as they
are; the pack cites the controls its rules enforce."""

import ast
import re

import pytest

from policy.controls import (
    Control,
    ControlError,
    cited,
    control_files,
    controls_by_rule,
    load_controls,
    parse_controls,
)
from policy.pack import policies
from policy.rules import DISABLED, RULES
from tests.unit.mocks import TAP_PROGRAM

PROJECT_DIR = TAP_PROGRAM.parent
CONTROLS = load_controls()
RULE = {rule.name: rule for rule in RULES}


def test_the_project_states_its_controls_in_the_shared_file_and_its_folders():
    sources = {control.source for control in CONTROLS}
    assert "policy/controls.toml" in sources
    assert any(source.startswith("lib/") for source in sources), sources


@pytest.mark.parametrize("control", [c for c in CONTROLS if c.rule], ids=lambda c: c.id)
def test_a_control_met_by_a_rule_names_a_rule_the_pack_runs(control):
    assert control.rule in RULE, f"{control.source}: {control.id} names no rule of RULES"
    assert RULE[control.rule].level != DISABLED or control.test, (
        f"{control.id} is met by {control.rule}, which is disabled: name a test, or waive it"
    )


def defined_tests(path):
    """The test functions a test module defines at its top level."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


@pytest.mark.parametrize("control", [c for c in CONTROLS if c.test], ids=lambda c: c.id)
def test_a_control_met_by_a_test_names_a_test_that_exists(control):
    path, name = control.test.split("::")
    assert (PROJECT_DIR / path).is_file(), f"{control.source}: {control.id} names {path}"
    assert name in defined_tests(PROJECT_DIR / path), f"{path} defines no {name}"


def readme_row(control: Control) -> str:
    """The control's row in the README's table, as the README's template renders it."""
    status, what = "met", control.how
    if control.status == "met in prod":
        status = f"met in prod; other tiers waived: {control.waived_for}"
        what = f"{control.how}; other tiers: {control.reason}"
    elif not control.met:
        status, what = f"waived: {control.waived_for}", control.reason
    checked = [f"rule `{control.rule}`"] if control.rule else []
    checked += [f"`{control.test}`"] if control.test else []
    return f"| `{control.id}` | {control.title} | {status} | {what} | {', '.join(checked)} |"


def readme_tables() -> dict[str, list[str]]:
    """The README's controls tables: each file named, with its rows."""
    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Security Hub controls\n", 1)[1].split("\n## ", 1)[0]
    tables = re.findall(r"^`([^`]+/controls\.toml)`:\n\n((?:\|.*\|\n)+)", section, re.MULTILINE)
    return {source: rows.splitlines()[2:] for source, rows in tables}


def test_the_readme_shows_each_controls_file_as_its_table():
    files = [path.relative_to(PROJECT_DIR).as_posix() for path in control_files()]
    expected = {
        source: [readme_row(control) for control in CONTROLS if control.source == source]
        for source in files
    }
    assert readme_tables() == {source: rows for source, rows in expected.items() if rows}


def test_the_pack_names_in_each_rule_the_controls_it_enforces():
    by_rule = controls_by_rule(CONTROLS)
    assert by_rule, "some control is met by a rule"
    for policy in policies((), CONTROLS):
        ids = by_rule.get(policy.name, ())
        assert policy.description == cited(RULE[policy.name].description, ids)
        assert all(control_id in policy.description for control_id in ids)


def test_a_violation_cites_the_controls_of_its_rule():
    assert cited("x breaks (rule r). Fix: y", ("S3.5", "S3.8")) == (
        "x breaks (rule r). Fix: y (Security Hub S3.5, S3.8)"
    )
    assert cited("x breaks", ()) == "x breaks"


MET = '[[control]]\nid = "S3.5"\ntitle = "t"\nstatus = "met"\nhow = "h"\nrule = "s3-tls-only"\n'
WAIVED = (
    '[[control]]\nid = "S3.9"\ntitle = "t"\nstatus = "waived"\nwaived_for = "cost"\nreason = "r"\n'
)
PROD_ONLY = MET.replace('"met"', '"met in prod"').replace(
    '"s3-tls-only"', '"prod-deletion-protection"'
) + ('waived_for = "not-applicable"\nreason = "r"\n')


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("[[control]\n", "lib/x/controls.toml is not valid TOML"),
        ("controls = []\n", "must hold only [[control]] tables"),
        (MET + 'owner = "o"\n', "control S3.5 has unknown fields ['owner']"),
        (MET.replace('"met"', '"done"'), "has status 'done'"),
        (MET.replace('how = "h"\n', ""), "is met but lacks ['how']"),
        (MET.replace('rule = "s3-tls-only"\n', ""), "names neither the rule"),
        (MET.replace('"s3-tls-only"', '"s3-tls"'), "names 's3-tls', which is no rule"),
        (MET + 'test = "tests/unit/test_x.py"\n', "tests/unit/<folder>/test_x.py::test_y"),
        (MET + 'reason = "r"\n', "is met and so holds no ['reason']"),
        (MET.replace('"S3.5"', '"S3-5"'), "'S3-5' is not a Security Hub control id"),
        (MET.replace('how = "h"', 'how = "a | b"'), "one line, without '|'"),
        (MET.replace('how = "h"', "how = 1"), "every field must be text"),
        (WAIVED.replace('"cost"', '"later"'), "waived for 'later'; say one of"),
        (WAIVED.replace('reason = "r"\n', ""), "is waived but lacks ['reason']"),
        (WAIVED + 'rule = "s3-tls-only"\n', "is waived and so holds no ['rule']"),
        (PROD_ONLY.replace('reason = "r"\n', ""), "is met in prod but lacks ['reason']"),
        (PROD_ONLY.replace('"not-applicable"', '"later"'), "waived for 'later'; say one of"),
        (
            MET.replace('"s3-tls-only"', '"prod-deletion-protection"'),
            "is met by 'prod-deletion-protection', which checks prod alone: state it 'met in prod'",
        ),
    ],
)
def test_a_control_the_table_cannot_state_is_refused_naming_its_file(text, refusal):
    with pytest.raises(ControlError, match=re.escape(refusal)):
        parse_controls(text, "lib/x/controls.toml")


def test_each_lib_folder_adds_its_controls_and_none_is_stated_twice(tmp_path):
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "controls.toml").write_text(WAIVED)
    (tmp_path / "lib" / "data").mkdir(parents=True)
    (tmp_path / "lib" / "data" / "controls.toml").write_text(MET)
    met, waived = sorted(load_controls(tmp_path), key=lambda c: c.status)
    assert (met.source, met.met) == ("lib/data/controls.toml", True)
    assert (waived.source, waived.met) == ("policy/controls.toml", False)
    (tmp_path / "lib" / "logs").mkdir()
    (tmp_path / "lib" / "logs" / "controls.toml").write_text(MET.replace("S3.5", "S3.9"))
    with pytest.raises(ControlError, match=re.escape("S3.9 in policy/controls.toml, lib/logs")):
        load_controls(tmp_path)


def test_controls_are_listed_in_security_hubs_order():
    controls = [Control(f"S3.{n}", "t", "met", how="h", test="t") for n in (10, 2, 9)]
    assert [c.id for c in sorted(controls, key=lambda c: c.sort_key)] == ["S3.2", "S3.9", "S3.10"]


def test_a_control_met_in_prod_is_met_and_says_why_the_other_tiers_go_without():
    (control,) = parse_controls(PROD_ONLY, "lib/x/controls.toml")
    assert control.met
    assert (control.waived_for, control.reason) == ("not-applicable", "r")
    assert controls_by_rule([control]) == {"prod-deletion-protection": ("S3.5",)}


@pytest.mark.parametrize("control", [c for c in CONTROLS if c.rule], ids=lambda c: c.id)
def test_a_control_enforced_by_a_prod_rule_is_stated_met_in_prod(control):
    # Security Hub checks every stack's resources; a rule that checks prod's alone cannot hold a
    # control on dev, staging or pr.
    assert control.rule.startswith("prod-") == (control.status == "met in prod"), control.id
