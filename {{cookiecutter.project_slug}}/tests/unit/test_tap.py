"""The program itself: what tap.py exports, and how it refuses a bad environment."""

import pytest

from lib.config import DEFAULT_REGION
from tests.unit.mocks import RecordingMocks, deploy_program
from tests.unit.test_tap_stack import EXPECTED_OUTPUTS


def test_tap_declares_one_tap_stack(stack):
    assert [r.name for r in stack.of_type("tap:stack:TapStack")] == ["TapStack"]


def test_tap_exports_every_output_of_the_stack(stack):
    assert set(stack.exports) == set(EXPECTED_OUTPUTS)
    assert set(stack.outputs) == set(EXPECTED_OUTPUTS)


def test_the_environment_suffix_reaches_every_name(pr_stack):
    names = [r.inputs["name"] for r in pr_stack.resources if isinstance(r.inputs.get("name"), str)]
    assert names
    for name in names:
        assert "pr12345" in name


def test_a_bad_environment_suffix_stops_tap_before_any_resource():
    mocks = RecordingMocks(DEFAULT_REGION)
    with pytest.raises(SystemExit) as stopped:
        deploy_program(stack="TapStackdev", environ={"ENVIRONMENT_SUFFIX": "Bad!"}, mocks=mocks)
    assert str(stopped.value) == (
        "error: environment suffix from ENVIRONMENT_SUFFIX environment variable 'Bad!' "
        "must be 1-12 lowercase letters or digits, starting with a letter"
    )
    assert mocks.resources == []


def test_a_bad_config_value_stops_tap_before_any_resource():
    mocks = RecordingMocks(DEFAULT_REGION)
    with pytest.raises(SystemExit, match="error: config alarmEmail 'nobody'"):
        deploy_program(stack="TapStackdev", config={"TapStack:alarmEmail": "nobody"}, mocks=mocks)
    assert mocks.resources == []
