"""Generation leaves no rendered hook behind: each holds every answer, the e-mail included."""

from __future__ import annotations

import os

import pytest

from tests.conftest import check_keys, cookiecutter_cli


@pytest.mark.parametrize(
    ("answers", "succeeds"),
    [
        (("run_unit_tests=no", "alarm_email=oncall@example.com"), True),
        (("run_unit_tests=no", "environment_suffix=Prod!"), False),
    ],
    ids=["generated", "refused"],
)
def test_generation_leaves_the_temp_folder_as_it_found_it(tmp_path, answers, succeeds):
    check_keys(dict(answer.split("=", 1) for answer in answers))
    temp = tmp_path / "tmp"
    temp.mkdir()
    output = tmp_path / "out"
    output.mkdir()
    # Cookiecutter renders each hook to a file in the temp folder and never deletes it.
    result = cookiecutter_cli(output, *answers, env={**os.environ, "TMPDIR": str(temp)})
    assert (result.returncode == 0) is succeeds, result.stdout + result.stderr
    assert sorted(path.name for path in temp.iterdir()) == []
