"""Settings read from the stack's config: defaults from generation, every bad value refused."""

import pulumi
import pytest

from lib.config import (
    DEFAULT_ENABLE_XRAY,
    DEFAULT_ENVIRONMENT_SUFFIX,
    DEFAULT_OWNER,
    PROJECT,
)
from lib.environment import ConfigurationError
from lib.tap_stack import TapStackArgs
from tests.unit.mocks import DEFAULT_REGION, RecordingMocks


def read(config: dict[str, str], environ: dict[str, str] | None = None, stack: str = "dev"):
    """The args from ``config`` on top of what Pulumi.<suffix>.yaml sets (``aws:region``)."""
    pulumi.runtime.set_all_config({"aws:region": DEFAULT_REGION, **config})
    pulumi.runtime.set_mocks(RecordingMocks(), project="TapStack", stack=stack, preview=False)
    return TapStackArgs.from_config(environ=environ or {})


def test_without_config_the_generated_answers_apply():
    args = read({}, stack="TapStack" + DEFAULT_ENVIRONMENT_SUFFIX)
    assert args.environment_suffix == DEFAULT_ENVIRONMENT_SUFFIX
    assert args.region == DEFAULT_REGION
    assert args.owner == DEFAULT_OWNER
    assert args.enable_xray is DEFAULT_ENABLE_XRAY
    assert args.allow_destroy is False
    assert args.project == PROJECT


def test_config_overrides_the_generated_answers():
    args = read(
        {
            "aws:region": "eu-west-1",
            "TapStack:environmentSuffix": "pr7",
            "TapStack:owner": "team-b",
            "TapStack:alarmEmail": "oncall@example.com",
            "TapStack:enableXray": "false",
            "TapStack:tags": '{"CostCenter": "42"}',
            "TapStack:allowDestroy": "true",
        }
    )
    assert (args.environment_suffix, args.region, args.owner) == ("pr7", "eu-west-1", "team-b")
    assert args.alarm_email == "oncall@example.com"
    assert args.enable_xray is False
    assert args.allow_destroy is True
    assert args.resource_tags["CostCenter"] == "42"
    assert args.resource_tags["Environment"] == "pr7"


def test_the_environment_variable_beats_config():
    args = read({"TapStack:environmentSuffix": "staging"}, environ={"ENVIRONMENT_SUFFIX": "pr9"})
    assert args.environment_suffix == "pr9"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"TapStack:environmentSuffix": "Prod!"},
            "environment suffix from config environmentSuffix 'Prod!'",
        ),
        ({"aws:region": "mars-1"}, "aws:region 'mars-1'"),
        ({"TapStack:alarmEmail": "not-an-email"}, "alarmEmail 'not-an-email'"),
        ({"TapStack:enableXray": "maybe"}, "enableXray 'maybe'"),
        ({"TapStack:allowDestroy": "yes"}, "allowDestroy 'yes' must be true or false"),
        ({"TapStack:tags": '["a"]'}, "config tags"),
        ({"TapStack:tags": '{"Owner": "x"}'}, "cannot be overridden"),
        ({"TapStack:owner": "bad\\nowner"}, "tag value"),
    ],
)
def test_bad_values_stop_the_program_with_one_clear_message(config, message):
    with pytest.raises(ConfigurationError, match=message.replace("(", r"\(")):
        read(config)


def test_args_built_in_code_are_checked_too():
    with pytest.raises(ConfigurationError, match="1-12 lowercase letters or digits"):
        TapStackArgs(environment_suffix="Bad_Suffix")
