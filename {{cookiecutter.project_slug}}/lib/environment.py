"""Which environment a deployment is for, and which tier of settings that environment gets."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from lib.naming import NamingError, validate_suffix

ENVIRONMENT_VARIABLE = "ENVIRONMENT_SUFFIX"
STACK_PREFIX = "TapStack"

# Every suffix maps to one of these tiers; each variant's tiers.py has one row per tier
# (lib/tiers.py's TierTable refuses any other table).
TIERS = ("dev", "staging", "prod", "pr")
_PULL_REQUEST = re.compile(r"pr[0-9]+")


class ConfigurationError(ValueError):
    """A setting that stops the program before any resource is declared."""


def suffix_from_stack_name(stack_name: str) -> str:
    """The suffix in a stack name: ``org/TapStackpr12`` gives ``pr12``, ``dev`` gives ``dev``."""
    segment = stack_name.rsplit("/", 1)[-1]
    if segment.startswith(STACK_PREFIX) and len(segment) > len(STACK_PREFIX):
        segment = segment[len(STACK_PREFIX) :]
    return segment


def resolve_environment_suffix(
    *,
    environ: Mapping[str, str] | None = None,
    config_value: str | None = None,
    stack_name: str | None = None,
    default: str,
) -> str:
    """The environment suffix, from the first source that sets one.

    ``ENVIRONMENT_SUFFIX``, then the stack config ``environmentSuffix``, then the last segment
    of the stack name, then ``default`` (the answer given when the project was generated).
    Whatever source wins must satisfy the naming rule, or ConfigurationError names that source.
    """
    environ = os.environ if environ is None else environ
    candidates = (
        (f"{ENVIRONMENT_VARIABLE} environment variable", environ.get(ENVIRONMENT_VARIABLE)),
        ("config environmentSuffix", config_value),
        ("stack name", suffix_from_stack_name(stack_name) if stack_name else None),
        ("generated default", default),
    )
    source, value = next((source, value) for source, value in candidates if value)
    try:
        return validate_suffix(value, f"environment suffix from {source}")
    except NamingError as error:
        raise ConfigurationError(str(error)) from None


def tier_of(suffix: str) -> str:
    """The tier of settings a suffix gets: prod, staging, pr (pull requests) or dev."""
    if suffix in ("prod", "staging"):
        return suffix
    if _PULL_REQUEST.fullmatch(suffix):
        return "pr"
    return "dev"
