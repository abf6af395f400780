"""Refuse any answer the generated project could not use, before a single file is written.

Each refusal is one line naming the answer, the value given and the rule, and exit status 1;
cookiecutter then removes the project folder.
"""

import json
import re
import sys

ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")

VARIANTS = ("serverless-api",)
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# Letters, digits, spaces and the punctuation every AWS service accepts in a tag value.
TAG_VALUE = re.compile(r"[\w .:/=+@-]+", re.ASCII)
SINGLE_LINE = re.compile(r"[^\x00-\x1f\x7f]*")


def check_text(field, max_length, rule=None, pattern=None):
    """Return a refusal if the answer to ``field`` is blank, too long or breaks ``pattern``."""
    value = ANSWERS[field]
    if not isinstance(value, str) or not value.strip():
        return f"{field} {value!r} must not be empty"
    if pattern is None:
        pattern, rule = SINGLE_LINE, f"a single line of at most {max_length} characters"
    if len(value) > max_length or not pattern.fullmatch(value):
        return f"{field} {value!r} must be {rule}"
    return None


def check_email(field):
    """Return a refusal unless ``field`` is empty or an e-mail address."""
    value = ANSWERS[field]
    if value and (len(value) > 254 or not EMAIL.fullmatch(value)):
        return f"{field} {value!r} must be an e-mail address (name@example.com) or empty"
    return None


def check_choice(field, choices):
    """Return a refusal unless ``field`` is one of ``choices``."""
    value = ANSWERS[field]
    if value not in choices:
        return f"{field} {value!r} must be one of {', '.join(choices)}"
    return None


def check_boolean(field):
    """Return a refusal unless ``field`` is yes or no."""
    value = ANSWERS[field]
    if not isinstance(value, bool):
        return f"{field} {value!r} must be yes or no"
    return None


def refusals():
    """Every check, in prompt order; each yields None or one refusal."""
    yield check_text("project_name", 80)
    yield check_text(
        "project_slug", 30, ANSWERS["_slug_rule"], re.compile(ANSWERS["_slug_pattern"])
    )
    yield check_text("description", 256)
    yield check_text(
        "owner",
        64,
        "at most 64 letters, digits, spaces or _ . : / = + - @ (it becomes the Owner tag)",
        TAG_VALUE,
    )
    yield check_choice("stack_variant", VARIANTS)
    yield check_text("environment_suffix", 12, ANSWERS["_suffix_rule"], re.compile(ANSWERS["_suffix_pattern"]))
    yield check_email("alarm_email")
    yield check_boolean("enable_xray")
    yield check_boolean("run_unit_tests")


def main():
    """Print the first refusal and fail, or pass silently."""
    for refusal in refusals():
        if refusal:
            print(f"error: {refusal}", file=sys.stderr)
            return 1
    print("pre-gen: answers checked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
