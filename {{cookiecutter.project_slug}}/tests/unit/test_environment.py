"""Which suffix a deployment uses and which tier of settings it gets."""

import pytest

from lib.environment import (
    ConfigurationError,
    resolve_environment_suffix,
    suffix_from_stack_name,
    tier_of,
)


def test_the_environment_variable_wins_over_everything():
    suffix = resolve_environment_suffix(
        environ={"ENVIRONMENT_SUFFIX": "pr42"},
        config_value="staging",
        stack_name="TapStackdev",
        default="dev",
    )
    assert suffix == "pr42"


def test_config_comes_next():
    assert (
        resolve_environment_suffix(
            environ={}, config_value="staging", stack_name="TapStackdev", default="dev"
        )
        == "staging"
    )


def test_then_the_stack_name():
    assert (
        resolve_environment_suffix(
            environ={}, config_value=None, stack_name="org/proj/TapStackprod", default="dev"
        )
        == "prod"
    )


def test_then_the_generated_default():
    assert resolve_environment_suffix(environ={}, stack_name=None, default="qa") == "qa"


def test_an_empty_environment_variable_is_ignored():
    assert (
        resolve_environment_suffix(
            environ={"ENVIRONMENT_SUFFIX": ""}, config_value="staging", default="dev"
        )
        == "staging"
    )


@pytest.mark.parametrize(
    ("stack_name", "suffix"),
    [
        ("TapStackpr7", "pr7"),
        ("dev", "dev"),
        ("org/project/staging", "staging"),
        ("TapStack", "TapStack"),
    ],
)
def test_stack_names_give_their_last_segment_without_the_tapstack_prefix(stack_name, suffix):
    assert suffix_from_stack_name(stack_name) == suffix


def test_a_bad_suffix_names_its_source():
    with pytest.raises(ConfigurationError, match="ENVIRONMENT_SUFFIX environment variable 'Prod!'"):
        resolve_environment_suffix(environ={"ENVIRONMENT_SUFFIX": "Prod!"}, default="dev")


def test_a_stack_name_that_is_not_a_suffix_stops_the_program():
    with pytest.raises(ConfigurationError, match="from stack name 'feature-x'"):
        resolve_environment_suffix(environ={}, stack_name="feature-x", default="dev")


@pytest.mark.parametrize(
    ("suffix", "tier"),
    [
        ("prod", "prod"),
        ("staging", "staging"),
        ("dev", "dev"),
        ("pr1", "pr"),
        ("pr12345", "pr"),
        ("qa", "dev"),
        ("prx", "dev"),
        ("production", "dev"),
    ],
)
def test_each_suffix_gets_one_tier(suffix, tier):
    assert tier_of(suffix) == tier
