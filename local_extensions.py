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

PromptsFitTheVariant: cookiecutter asks every question in cookiecutter.json. Once `stack_variant`
is answered, this takes each answer the chosen variant does not read (variants.toml) at its
default without asking, and numbers the questions it does ask. It also asks `stack_variant`
(its labels from the manifest) and each answer whose `__prompts__` entry labels its choices
(`ci`) as a numbered choice, although cookiecutter.json holds them as text: a mistyped
`--no-input stack_variant=lambda` then reaches the pre-gen hook, which refuses it in one line,
where a cookiecutter choice list fails with a traceback before any hook runs. With `--no-input`
cookiecutter asks nothing, so this changes nothing there.

"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cookiecutter.prompt
from jinja2.ext import Extension

import variant_manifest

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


_CONTEXT = json.loads((Path(__file__).resolve().parent / "cookiecutter.json").read_text())


def _template_defaults() -> frozenset[str]:
    """The values of this template's cookiecutter.json that are meant to be rendered."""
    return frozenset(
        value
        for value in _CONTEXT.values()
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


_MANIFEST = variant_manifest.load()
_PROMPTS = _CONTEXT["__prompts__"]
# The answers each variant reads, and those that only some variants read.
_READS = {name: frozenset(_MANIFEST.answers_of(name)) for name in _MANIFEST.variants}
_VARIANT_ONLY = frozenset().union(*_READS.values()) - frozenset(_MANIFEST.common_answers)
_COUNTER = re.compile(r"\[\d+/\d+\]")


# The answers asked as numbered choices, each with its choices and their labels: the variant,
# labelled from the manifest, and each answer whose __prompts__ entry labels its `_choices`
# (ci). Others with a few values (az_count: 2 or 3) are typed: in a numbered list of numbers,
# choice 2 would be 3 zones.
_NUMBERED_CHOICES: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "stack_variant": (
        tuple(_MANIFEST.variants),
        {
            "__prompt__": _PROMPTS["stack_variant"],
            **{key: f"{each.title} - {each.summary}" for key, each in _MANIFEST.variants.items()},
        },
    ),
    **{
        name: (tuple(_CONTEXT["_choices"][name]), labels)
        for name, labels in _PROMPTS.items()
        if isinstance(labels, dict)
    },
}


@dataclass
class _Questions:
    """What cookiecutter has asked so far in this run, and the variant chosen."""

    variant: str | None = None
    asked: int = 0

    def skips(self, name: str) -> bool:
        """Whether ``name`` is an answer the chosen variant does not read."""
        return self.variant is not None and name in _VARIANT_ONLY - _READS[self.variant]

    def numbered(self, prefix: str) -> str:
        """Cookiecutter's ``[n/total]`` prefix, counting the questions the variant asks."""
        self.asked += 1
        total = len(_READS[self.variant or _CONTEXT["stack_variant"]])
        return _COUNTER.sub(f"[{self.asked}/{total}]", prefix, count=1)

    def answered(self, name: str, value: Any) -> None:
        if name == "stack_variant":
            self.variant = value


_QUESTIONS = _Questions()
_READERS = ("read_user_variable", "read_user_yes_no", "read_user_choice", "read_user_dict")
_ORIGINAL_READERS = {name: getattr(cookiecutter.prompt, name) for name in _READERS}


def _reader(name: str) -> Callable[..., Any]:
    """cookiecutter.prompt.<name>, asking only what the chosen variant reads."""
    original = _ORIGINAL_READERS[name]

    def read(var_name: str, default: Any, prompts: Any = None, prefix: str = "") -> Any:
        if prompts != _PROMPTS:  # another template's question, or cookiecutter's own
            return original(var_name, default, prompts, prefix)
        if _QUESTIONS.skips(var_name):
            return default[0] if name == "read_user_choice" else default
        prefix = _QUESTIONS.numbered(prefix)
        if name == "read_user_variable" and var_name in _NUMBERED_CHOICES:
            choices, labels = _NUMBERED_CHOICES[var_name]
            offered = sorted(choices, key=lambda choice: choice != default)  # default first
            ask = _ORIGINAL_READERS["read_user_choice"]
            value = ask(var_name, offered, {var_name: labels}, prefix)
        else:
            value = original(var_name, default, prompts, prefix)
        _QUESTIONS.answered(var_name, value)
        return value

    return read


class PromptsFitTheVariant(Extension):
    """Ask only what the chosen variant reads; ask choice answers as labelled choices."""

    def __init__(self, environment):
        super().__init__(environment)
        # Cookiecutter builds this environment as it starts asking: a new run of questions.
        _QUESTIONS.variant, _QUESTIONS.asked = None, 0
        for name in _READERS:
            if getattr(cookiecutter.prompt, name) is _ORIGINAL_READERS[name]:
                setattr(cookiecutter.prompt, name, _reader(name))
