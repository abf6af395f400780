"""Refuse any answer the generated project could not use, before a single file is written.

Each refusal is one line naming the answer, the value given and the rule, and exit status 1;
cookiecutter then removes the project folder. Every answer has one check in CHECKS; which ones
run comes from the variant manifest (variants.toml: the answers every variant reads, then those
the chosen variant adds), and the patterns and rules come from cookiecutter.json, which the
generated project's own checks are rendered from too.
"""

import ipaddress
import json
import re
import sys
import tempfile
from pathlib import Path

ANSWERS = json.loads(
    r"""{{ cookiecutter | tojson }}"""  # noqa: E501  # pylint: disable=line-too-long
)
# The template's variant manifest, variants.toml (see ManifestGlobals in variant_manifest.py).
MANIFEST = json.loads(
    r"""{{ manifest_json }}"""  # noqa: E501  # pylint: disable=line-too-long
)
VARIANTS = tuple(MANIFEST["variants"])
# multi-env-ecs: the environments that get stack files (pr<N> stacks come and go without one),
# and the private ranges a VPC base may come from.
LONG_LIVED_ENVIRONMENTS = tuple(MANIFEST["release"]["environments"])
PRIVATE_RANGES = tuple(
    map(ipaddress.IPv4Network, ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
)


def shown(value):
    """The answer as it appears in a refusal: quoted, escaped, and cut short when very long."""
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:60]}...{text[-10:]} ({len(value)} characters)"


def refusal(field, value, rule):
    """The one line that refuses ``value`` as the answer to ``field``."""
    return f"{field} {shown(value)} must be {rule}"


def blank(field, value):
    """A refusal if ``value`` is not text or only spaces, else None."""
    if not isinstance(value, str) or not value.strip():
        return f"{field} {shown(value)} must not be empty"
    return None


def free_text(max_length):
    """A check: one line of at most ``max_length`` printable characters."""

    def check(field, value):
        if empty := blank(field, value):
            return empty
        if len(value) > max_length or not value.isprintable():
            rule = f"a single line of at most {max_length} printable characters"
            return refusal(field, value, rule)
        return None

    return check


def matching(name, max_length=None, rule=None, optional=False):
    """A check: text matching cookiecutter.json's ``_<name>_pattern`` (which bounds its length,
    unless ``max_length`` does).

    The refusal states ``_<name>_rule``, or ``rule`` when given; an ``optional`` answer may also
    be empty.
    """
    pattern = re.compile(ANSWERS[f"_{name}_pattern"])
    rule = rule or ANSWERS[f"_{name}_rule"]

    def check(field, value):
        if optional and value == "":
            return None
        if not optional and (empty := blank(field, value)):
            return empty
        fits = isinstance(value, str) and len(value) <= (max_length or len(value))
        if not (fits and pattern.fullmatch(value)):
            return refusal(field, value, rule)
        return None

    return check


def one_of(choices):
    """A check: exactly one of ``choices``."""

    def check(field, value):
        if value not in choices:
            return refusal(field, value, f"one of {', '.join(choices)}")
        return None

    return check


def yes_or_no(field, value):
    """Refuse anything but a boolean (cookiecutter turns yes, no, true, off, ... into one)."""
    if not isinstance(value, bool):
        return refusal(field, value, "yes or no")
    return None


def environments(field, value):
    """Refuse anything but dev, staging or prod, comma-separated, each at most once."""
    names = [name.strip() for name in str(value).split(",")]
    unknown = [name for name in names if name not in LONG_LIVED_ENVIRONMENTS]
    if unknown or len(set(names)) != len(names):
        problem = f"unknown: {', '.join(map(repr, unknown))}" if unknown else "a name repeated"
        rule = (
            "a comma-separated list of dev, staging and prod, each at most once "
            f"({problem}; pull-request stacks pr<N> need no stack file)"
        )
        return refusal(field, value, rule)
    return None


def cidr_base(field, value):
    """Refuse anything but a private IPv4 network that holds a /16 VPC per environment."""
    try:
        network = ipaddress.IPv4Network(str(value))
        usable = 8 <= network.prefixlen <= 12 and any(map(network.subnet_of, PRIVATE_RANGES))
    except ValueError:
        usable = False
    if not usable:
        rule = (
            "a private IPv4 network from /8 to /12 with no host bits set, such as 10.0.0.0/8 "
            "(room for a /16 per environment and for pull-request stacks)"
        )
        return refusal(field, value, rule)
    return None


def port(field, value):
    """Refuse anything but a TCP port number, written without leading zeros."""
    if not re.fullmatch(r"[1-9][0-9]{0,4}", str(value)) or int(value) > 65535:
        return refusal(field, value, "a whole number from 1 to 65535")
    return None


# One check per answer a variant can read. Each takes the answer's name and value and returns
# None or the one-line refusal.
CHECKS = {
    "project_name": free_text(80),
    "project_slug": matching("slug"),
    "description": free_text(256),
    "owner": matching(
        "tag_text",
        64,
        f"at most 64 characters of {ANSWERS['_tag_text_rule']} (it becomes the Owner tag)",
    ),
    "stack_variant": one_of(VARIANTS),
    "aws_region": matching("region"),
    "environment_suffix": matching("suffix"),
    "alarm_email": matching("email", optional=True),
    "enable_xray": yes_or_no,
    "run_unit_tests": yes_or_no,
    "environments": environments,
    "vpc_cidr_base": cidr_base,
    "az_count": one_of(ANSWERS["_choices"]["az_count"]),
    "container_image": matching("image", 255),
    "container_port": port,
    "domain_name": matching("domain", optional=True),
    "api_auth": one_of(ANSWERS["_choices"]["api_auth"]),
    "ci": one_of(ANSWERS["_choices"]["ci"]),
}


def answers_read(variant):
    """The answers ``variant`` reads, in the manifest's order; the common ones for no variant."""
    common = MANIFEST["answers"]["common"]
    return [*common, *MANIFEST["variants"][variant]["answers"]] if variant in VARIANTS else common


def refusals(answers):
    """Each answer's check, for the answers the chosen variant reads; None or a refusal each."""
    for field in answers_read(answers["stack_variant"]):
        yield CHECKS[field](field, answers[field])


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
    for found in refusals(ANSWERS):
        if found:
            print(f"error: {found}", file=sys.stderr)
            return 1
    # Under cruft (its contexts carry _commit), progress goes to stderr: `cruft diff` writes a
    # patch on stdout, which a line of ours would spoil (cruft diff | git apply).
    print("pre-gen: answers checked", file=sys.stderr if "_commit" in ANSWERS else sys.stdout)
    return 0


if __name__ == "__main__":
    remove_rendered_copy()
    sys.exit(main())
