"""Every answer ends cleanly: refused in one line with nothing left behind, or baked into a
project that compiles and carries the answer as the text it is. No answer ever runs anything."""

from __future__ import annotations

import ast
import json
import sys
import tempfile
import tomllib
from pathlib import Path

import pytest
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import check_keys, run_tool
from tests.matrix import COOKIECUTTER_JSON, ROOT, VARIANTS

MARKER_DIR = Path(tempfile.mkdtemp(prefix="tap-injection-"))
MARKER = MARKER_DIR / "INJECTED"

# Fragments people type by accident or on purpose, and what an attacker would try.
NASTY = [
    "'", '"', '"""', "\\", "\\n", "\n", "\t", " ", "..", "../", "/", "\\\\", "a/b",
    "{{ 7 * 7 }}", "{{", "}}", "{%", "{% raw %}", "{# #}",
    f"$(touch {MARKER})", f"`touch {MARKER}`", f"; touch {MARKER}", f"| touch {MARKER}",
    f"'''); open('{MARKER}', 'w') #", f'"""); open("{MARKER}", "w") #',
    f"{{{{ cycler.__init__.__globals__.os.system('touch {MARKER}') }}}}",
    "é", "名前", "\u202e", "🙂", "x" * 300,
]  # fmt: skip
FREE_TEXT_FIELDS = [
    field
    for field in (
        "project_name",
        "project_slug",
        "description",
        "owner",
        "stack_variant",
        "aws_region",
        "environment_suffix",
        "alarm_email",
        "environments",
        "vpc_cidr_base",
        "az_count",
        "api_auth",
        "domain_name",
        "container_image",
    )  # fmt: skip
    if field in COOKIECUTTER_JSON
]
ANSWERS = st.one_of(
    st.sampled_from(NASTY),
    st.lists(st.sampled_from(NASTY + ["shop", "dev", "a", "-", "1", "@", "."]), max_size=5).map(
        "".join
    ),
    st.text(max_size=40),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=35),
)


def bake_answer(field: str, value: str, variant: str, output: Path):
    answers = {"stack_variant": variant, field: value, "run_unit_tests": "no"}
    if field == "project_name":
        answers["project_slug"] = "named-by-hand"  # keep the slug derived from the name apart
    check_keys(answers)
    return cookiecutter(str(ROOT), no_input=True, extra_context=answers, output_dir=str(output))


def assigned_constants(path: Path) -> dict[str, object]:
    """The module-level constants of a generated Python file, as values."""
    constants = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            try:
                constants[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return constants


def check_accepted_project(project: Path, field: str, value: str) -> None:
    """A project baked from ``value``: it compiles and holds the answer exactly as typed."""
    for source in project.rglob("*.py"):
        compile(source.read_text(), str(source), "exec")
    config = assigned_constants(project / "lib" / "config.py")
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    expected = {
        "project_slug": lambda: config["PROJECT"],
        "owner": lambda: config["DEFAULT_OWNER"],
        "environment_suffix": lambda: config["DEFAULT_ENVIRONMENT_SUFFIX"],
        "alarm_email": lambda: config["DEFAULT_ALARM_EMAIL"],
        "aws_region": lambda: assigned_constants(project / "tests/unit/mocks.py")["DEFAULT_REGION"],
        "description": lambda: pyproject["project"]["description"],
        "project_name": lambda: (project / "README.md").read_text().splitlines()[0][2:],
    }
    if field in expected:
        assert expected[field]() == value
    assert json.loads((project / "metadata.json").read_text())["team"] == config["DEFAULT_OWNER"]


@pytest.mark.parametrize("field", FREE_TEXT_FIELDS)
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(value=ANSWERS, variant=st.sampled_from(VARIANTS))
@example(value="", variant=VARIANTS[0])
@example(value="   ", variant=VARIANTS[0])
@example(value="x" * 5000, variant=VARIANTS[0])
def test_every_answer_is_refused_cleanly_or_baked_as_typed(capfd, field, value, variant):
    capfd.readouterr()
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "out"
        output.mkdir()
        try:
            project = Path(bake_answer(field, value, variant, output))
        except FailedHookException:
            errors = [line for line in capfd.readouterr().err.splitlines() if line.strip()]
            assert len(errors) == 1, errors
            assert errors[0].startswith("error: "), errors
            assert "Traceback" not in errors[0]
            assert list(output.iterdir()) == [], "a refused answer left files behind"
            assert not list(Path(folder).iterdir())[1:], "a refused answer left folders beside"
        else:
            check_accepted_project(project, field, value)
    assert not MARKER.exists(), f"the answer {value!r} to {field} ran code"


TRICKY_BUT_VALID = {
    "project_name": 'O\'Connor "quoted" \\ {{ 7 * 7 }} $(touch MARKER) 名前 🙂',
    "project_slug": "oconnor-quoted",
    "description": "Line with 'single', \"double\", \\back\\slashes\\ and {% raw %} {{ x }}",
    "owner": "team.a/b:c=d+e@f_g",
    "alarm_email": "o.connor+alerts@example.co.uk",
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_project_of_tricky_but_valid_answers_passes_its_own_tests(tmp_path, variant):
    answers = {**TRICKY_BUT_VALID, "stack_variant": variant, "run_unit_tests": "no"}
    check_keys(answers)
    project = Path(
        cookiecutter(str(ROOT), no_input=True, extra_context=answers, output_dir=str(tmp_path))
    )
    for field, value in TRICKY_BUT_VALID.items():
        check_accepted_project(project, field, value)
    env_args = {
        "env": {"PYTHONDONTWRITEBYTECODE": "1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PATH": ""}
    }
    result = run_tool([sys.executable, "-m", "pytest", "tests/unit", "-q"], project, **env_args)
    assert result.returncode == 0, result.stdout[-3000:]
    assert not (project / "MARKER").exists()
