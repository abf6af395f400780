"""Refuse any answer the generated project could not use, before a single file is written.

Each refusal is one line naming the answer, the value given and the rule, and exit status 1;
cookiecutter then removes the project folder.
"""

import ipaddress
import json
import re
import sys
import tempfile
from pathlib import Path

ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")

VARIANTS = ("serverless-api", "stream-pipeline", "multi-env-ecs")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# Letters, digits, spaces and the punctuation every AWS service accepts in a tag value.
TAG_VALUE = re.compile(r"[\w .:/=+@-]+", re.ASCII)
# multi-env-ecs: the environments that get stack files (pr<N> stacks come and go without one),
# and the private ranges a VPC base may come from.
LONG_LIVED_ENVIRONMENTS = ("dev", "staging", "prod")
PRIVATE_RANGES = tuple(map(ipaddress.IPv4Network, ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")))


def shown(value):
    """The answer as it appears in a refusal: quoted, escaped, and cut short when very long."""
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:60]}...{text[-10:]} ({len(value)} characters)"


def check_text(field, max_length, rule=None, pattern=None):
    """Return a refusal if the answer to ``field`` is blank, too long or breaks ``pattern``."""
    value = ANSWERS[field]
    if not isinstance(value, str) or not value.strip():
        return f"{field} {shown(value)} must not be empty"
    if pattern is None:
        rule = f"a single line of at most {max_length} printable characters"
        if len(value) > max_length or not value.isprintable():
            return f"{field} {shown(value)} must be {rule}"
        return None
    if len(value) > max_length or not pattern.fullmatch(value):
        return f"{field} {shown(value)} must be {rule}"
    return None


def check_email(field):
    """Return a refusal unless ``field`` is empty or an e-mail address."""
    value = ANSWERS[field]
    if value and (len(value) > 254 or not EMAIL.fullmatch(value)):
        return f"{field} {shown(value)} must be an e-mail address (name@example.com) or empty"
    return None


def check_choice(field, choices):
    """Return a refusal unless ``field`` is one of ``choices``."""
    value = ANSWERS[field]
    if value not in choices:
        return f"{field} {shown(value)} must be one of {', '.join(choices)}"
    return None


def check_boolean(field):
    """Return a refusal unless ``field`` is yes or no."""
    value = ANSWERS[field]
    if not isinstance(value, bool):
        return f"{field} {shown(value)} must be yes or no"
    return None


def check_environments(field):
    """Return a refusal unless ``field`` lists dev, staging or prod, comma-separated, each once."""
    value = ANSWERS[field]
    names = [name.strip() for name in str(value).split(",")]
    unknown = [name for name in names if name not in LONG_LIVED_ENVIRONMENTS]
    if unknown or len(set(names)) != len(names):
        problem = f"unknown: {', '.join(map(repr, unknown))}" if unknown else "a name repeated"
        return (
            f"{field} {shown(value)} must be a comma-separated list of dev, staging and prod, each at "
            f"most once ({problem}; pull-request stacks pr<N> need no stack file)"
        )
    return None


def check_cidr_base(field):
    """Return a refusal unless ``field`` is a private IPv4 network that holds every /16 VPC."""
    value = ANSWERS[field]
    try:
        network = ipaddress.IPv4Network(str(value))
        usable = 8 <= network.prefixlen <= 12 and any(map(network.subnet_of, PRIVATE_RANGES))
    except ValueError:
        usable = False
    if not usable:
        return (
            f"{field} {shown(value)} must be a private IPv4 network from /8 to /12 with no host bits "
            "set, such as 10.0.0.0/8 (room for a /16 per environment and for pull-request stacks)"
        )
    return None


def check_port(field):
    """Return a refusal unless ``field`` is a TCP port number."""
    value = ANSWERS[field]
    if not re.fullmatch(r"[1-9][0-9]{0,4}", str(value)) or int(value) > 65535:
        return f"{field} {shown(value)} must be a whole number from 1 to 65535"
    return None


def check_domain(field):
    """Return a refusal unless ``field`` is empty or a DNS name."""
    value = ANSWERS[field]
    if value and not re.fullmatch(ANSWERS["_domain_pattern"], str(value)):
        return f"{field} {shown(value)} must be {ANSWERS['_domain_rule']}"
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
    if ANSWERS["stack_variant"] == "multi-env-ecs":
        yield check_environments("environments")
        yield check_cidr_base("vpc_cidr_base")
        yield check_choice("az_count", ("2", "3"))
        yield check_text(
            "container_image", 255, ANSWERS["_image_rule"], re.compile(ANSWERS["_image_pattern"])
        )
        yield check_port("container_port")
        yield check_domain("domain_name")
    yield check_boolean("run_unit_tests")


def remove_rendered_copy():
    """Delete this rendered hook, which holds every answer, when it runs from the temp folder.

    Cookiecutter 2.7 renders each hook into a temporary file and never deletes it
    (cookiecutter.hooks.run_script_with_context); a test that imports the hook keeps its copy.
    """
    script = Path(__file__).resolve()
    if script.parent == Path(tempfile.gettempdir()).resolve():
        script.unlink(missing_ok=True)


def main():
    """Print the first refusal and fail, or pass silently."""
    for refusal in refusals():
        if refusal:
            print(f"error: {refusal}", file=sys.stderr)
            return 1
    print("pre-gen: answers checked")
    return 0


if __name__ == "__main__":
    remove_rendered_copy()
    sys.exit(main())
