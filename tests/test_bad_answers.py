"""Every bad answer is refused with one line naming the answer, the value and the rule,
exit status 1 and nothing left on disk."""

from __future__ import annotations

import pytest
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter

from tests.conftest import check_keys, cookiecutter_cli
from tests.matrix import ROOT

BAD_ANSWERS = [
    ("project_name", "", "must not be empty"),
    ("project_name", "   ", "must not be empty"),
    ("project_name", "N" * 81, "must be a single line of at most 80 characters"),
    ("project_name", "two\nlines", "must be a single line"),
    ("project_slug", "Bad_Slug", "3-30 lowercase letters"),
    ("project_slug", "1st-service", "3-30 lowercase letters"),
    ("project_slug", "ab", "3-30 lowercase letters"),
    ("project_slug", "double--hyphen", "3-30 lowercase letters"),
    ("project_slug", "trailing-", "3-30 lowercase letters"),
    ("project_slug", "s" * 31, "3-30 lowercase letters"),
    ("project_slug", "sg-service", "a letter first (not sg-)"),
    ("description", "D" * 257, "a single line of at most 256 characters"),
    ("owner", "team'quote", "(it becomes the Owner tag)"),
    ("owner", "o" * 65, "(it becomes the Owner tag)"),
    (
        "environment_suffix",
        "Prod!",
        "must be 1-12 lowercase letters or digits, starting with a letter",
    ),
    ("environment_suffix", "1dev", "must be 1-12 lowercase letters or digits"),
    ("environment_suffix", "dev-1", "must be 1-12 lowercase letters or digits"),
    ("environment_suffix", "abcdefghijklm", "must be 1-12 lowercase letters or digits"),
    ("environment_suffix", "", "must not be empty"),
    ("alarm_email", "not-an-email", "must be an e-mail address"),
    ("alarm_email", "a@b", "must be an e-mail address"),
    ("alarm_email", "a b@example.com", "must be an e-mail address"),
]


@pytest.mark.parametrize(("field", "value", "rule"), BAD_ANSWERS)
def test_a_bad_answer_is_refused_in_one_line_leaving_nothing(tmp_path, capfd, field, value, rule):
    answers = {field: value}
    if field == "project_name":
        # The slug derived from a bad name is checked on its own.
        answers["project_slug"] = "named-by-hand"
    check_keys(answers)
    with pytest.raises(FailedHookException):
        cookiecutter(str(ROOT), no_input=True, extra_context=answers, output_dir=str(tmp_path))
    errors = [line for line in capfd.readouterr().err.splitlines() if line.strip()]
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"error: {field} {value!r} ")
    assert rule in errors[0]
    assert list(tmp_path.iterdir()) == []


def test_the_command_line_refusal_is_one_clear_line_and_exit_status_1(tmp_path):
    result = cookiecutter_cli(tmp_path, "environment_suffix=Prod!")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert (
        "error: environment_suffix 'Prod!' must be 1-12 lowercase letters or digits, "
        "starting with a letter"
    ) in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_choice_that_is_not_offered_is_refused_by_cookiecutter(tmp_path):
    result = cookiecutter_cli(tmp_path, "aws_region=mars-north-1")
    assert result.returncode != 0
    assert list(tmp_path.iterdir()) == []
