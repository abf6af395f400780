"""Jinja extensions cookiecutter loads from this template (see "_extensions" in cookiecutter.json).

AnswersAreData: cookiecutter renders every value it does not prompt for (`--no-input key=value`,
extra_context, a config file's defaults) as a Jinja template, so an answer such as
`{{ cycler.__init__.__globals__.os.system("...") }}` would run code, and `{{ oops` would crash
with a traceback. This renders only the template's own defaults from cookiecutter.json as
templates; every answer is taken as the text it is.

TextAsWritten: `|tojson` is how answers reach Python, TOML, YAML and JSON files. Jinja's default
escapes characters beyond the Basic Multilingual Plane as surrogate pairs (`\ud83d\ude42`),
which Python reads as two broken characters and TOML refuses; this writes them as UTF-8.

SafeProjectFolder: cookiecutter names the project folder `{{cookiecutter.project_slug}}` and
creates it before the pre-gen hook can refuse a bad slug. A slug such as `a/b` or `../x` would
create folders the refusal cannot take back. Wherever a template reads `cookiecutter.project_slug`,
this makes the value one safe path component; a slug that passes the pre-gen hook is unchanged
by it, and the hook itself reads the answers as given (`cookiecutter | tojson`), so it still
refuses the slug as typed.

QuietHookFailures: when a hook refuses an answer it prints one line saying which answer, what
value and what rule, and exits 1. Cookiecutter 2.7 then logs its own traceback of that exit,
which says nothing more and buries the line that matters, so this drops the traceback and keeps
cookiecutter's one-line notice that generation stopped.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from pathlib import Path

import cookiecutter.prompt
from jinja2.ext import Extension

_HOOK_LOGGER = logging.getLogger("cookiecutter.hooks")


def _without_traceback(record: logging.LogRecord) -> bool:
    if str(record.msg).startswith("Stopping generation because"):
        record.exc_info = None
        record.exc_text = None
    return True


class QuietHookFailures(Extension):
    """Keep a refused answer's one-line message free of cookiecutter's traceback."""

    def __init__(self, environment):
        super().__init__(environment)
        if _without_traceback not in _HOOK_LOGGER.filters:
            _HOOK_LOGGER.addFilter(_without_traceback)


_UNSAFE_IN_FOLDER_NAMES = re.compile(r"[^A-Za-z0-9_.-]")
_MAX_FOLDER_NAME = 100


def folder_name(slug: object) -> str:
    """``slug`` as one path component that any file system accepts."""
    name = _UNSAFE_IN_FOLDER_NAMES.sub("-", str(slug))[:_MAX_FOLDER_NAME]
    if not name.strip("."):  # "", "." and ".." name existing folders
        name = "-" + name.replace(".", "-")
    return name


class SafeProjectFolder(Extension):
    """Read ``cookiecutter.project_slug`` as a safe folder name (identical for valid slugs)."""

    def __init__(self, environment):
        super().__init__(environment)
        plain_getattr = environment.getattr

        def getattr_with_safe_slug(obj, attribute):
            value = plain_getattr(obj, attribute)
            if attribute == "project_slug" and isinstance(obj, Mapping):
                return folder_name(value)
            return value

        environment.getattr = getattr_with_safe_slug


def _template_defaults() -> frozenset[str]:
    """The values of this template's cookiecutter.json that are meant to be rendered."""
    context = json.loads((Path(__file__).resolve().parent / "cookiecutter.json").read_text())
    return frozenset(
        value
        for value in context.values()
        if isinstance(value, str) and ("{{" in value or "{%" in value)
    )


_TEMPLATE_DEFAULTS = _template_defaults()
_render_variable = cookiecutter.prompt.render_variable


def render_defaults_only(env, raw, cookiecutter_dict):
    """cookiecutter.prompt.render_variable, for this template's defaults only."""
    if isinstance(raw, str) and raw not in _TEMPLATE_DEFAULTS:
        return raw
    return _render_variable(env, raw, cookiecutter_dict)


class AnswersAreData(Extension):
    """Never evaluate an answer as a template."""

    def __init__(self, environment):
        super().__init__(environment)
        cookiecutter.prompt.render_variable = render_defaults_only


class TextAsWritten(Extension):
    """``|tojson`` writes non-ASCII text as UTF-8 rather than as escapes."""

    def __init__(self, environment):
        super().__init__(environment)
        environment.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
