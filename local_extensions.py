"""Jinja extensions cookiecutter loads from this template (see "_extensions" in cookiecutter.json).

QuietHookFailures: when a hook refuses an answer it prints one line saying which answer, what
value and what rule, and exits 1. Cookiecutter 2.7 then logs its own traceback of that exit,
which says nothing more and buries the line that matters, so this drops the traceback and keeps
cookiecutter's one-line notice that generation stopped.
"""

from __future__ import annotations

import logging

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
