"""The tags every taggable resource of this project carries."""

from __future__ import annotations

import re
from collections.abc import Mapping

REQUIRED_TAG_KEYS = ("Environment", "Project", "Owner", "ManagedBy", "Region")

# Characters every AWS service accepts in tag keys and values (the rule generation checked the
# owner by; the template holds it once).
_TAG_TEXT = re.compile({{ cookiecutter._tag_text_pattern | tojson }})
_TAG_TEXT_RULE = {{ cookiecutter._tag_text_rule | tojson }}


class TaggingError(ValueError):
    """A tag key or value that AWS would refuse."""


def _check(kind: str, text: str, max_length: int) -> None:
    if not isinstance(text, str) or len(text) > max_length or not _TAG_TEXT.fullmatch(text):
        raise TaggingError(
            f"tag {kind} {text!r} must be at most {max_length} characters of {_TAG_TEXT_RULE}"
        )


def standard_tags(
    *,
    project: str,
    environment: str,
    owner: str,
    region: str,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The project's tags: the required ones, then the user's (which cannot override them)."""
    tags = {
        "Environment": environment,
        "Project": project,
        "Owner": owner,
        "ManagedBy": "Pulumi",
        "Region": region,
    }
    for key, value in (extra or {}).items():
        _check("key", key, 128)
        _check("value", value, 256)
        if not key or key.lower().startswith("aws:"):
            raise TaggingError(f"tag key {key!r} must not be empty or start with 'aws:'")
        if key in tags:
            raise TaggingError(f"tag key {key!r} is set by the project and cannot be overridden")
        tags[key] = value
    for value in tags.values():
        _check("value", value, 256)
    return tags


def with_name(tags: Mapping[str, str], name: str) -> dict[str, str]:
    """``tags`` plus a Name tag, for resources the console lists by Name (VPCs, subnets, ...)."""
    return {**tags, "Name": name}
