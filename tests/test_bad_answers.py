"""Every bad answer is refused with one line naming the answer, the value and the rule,
exit status 1 and nothing left on disk."""

from __future__ import annotations

import pytest
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter

import variant_manifest
from tests.conftest import check_keys, cookiecutter_cli
from tests.matrix import ROOT

BAD_ANSWERS = [
    ("project_name", "", "must not be empty"),
    ("project_name", "   ", "must not be empty"),
    ("project_name", "N" * 81, "must be a single line of at most 80 printable characters"),
    ("project_name", "two\nlines", "must be a single line"),
    ("project_slug", "Bad_Slug", "3-30 lowercase letters"),
    ("project_slug", "1st-service", "3-30 lowercase letters"),
    ("project_slug", "ab", "3-30 lowercase letters"),
    ("project_slug", "double--hyphen", "3-30 lowercase letters"),
    ("project_slug", "trailing-", "3-30 lowercase letters"),
    ("project_slug", "s" * 31, "3-30 lowercase letters"),
    ("project_slug", "sg-service", "a letter first (not sg-)"),
    ("description", "D" * 257, "a single line of at most 256 printable characters"),
    ("owner", "team'quote", "(it becomes the Owner tag)"),
    ("owner", "o" * 65, "(it becomes the Owner tag)"),
    ("owner", "   ", "must not be empty"),
    (
        "environment_suffix",
        "Prod!",
        "must be 1-12 lowercase letters or digits, starting with a letter",
    ),
    ("environment_suffix", "1dev", "must be 1-12 lowercase letters or digits"),
    ("environment_suffix", "dev-1", "must be 1-12 lowercase letters or digits"),
    ("environment_suffix", "abcdefghijklm", "must be 1-12 lowercase letters or digits"),
    ("environment_suffix", "", "must not be empty"),
    ("alarm_email", "not-an-email", "must be an e-mail address"),
    ("alarm_email", "a@b", "must be an e-mail address"),
    ("alarm_email", "a b@example.com", "must be an e-mail address"),
    ("alarm_email", "a" * 250 + "@example.com", "of at most 254 characters"),
    ("environments", "dev,qa", "of dev, staging and prod, each at most once (unknown: 'qa';"),
    ("environments", "dev;prod", "(unknown: 'dev;prod';"),
    ("environments", "dev,,prod", "(unknown: '';"),
    ("environments", "", "(unknown: '';"),
    ("environments", "pr12", "pull-request stacks pr<N> need no stack file"),
    ("environments", "dev,prod,dev", "each at most once (a name repeated;"),
    ("vpc_cidr_base", "10.0.0.0/16", "must be a private IPv4 network from /8 to /12"),
    ("vpc_cidr_base", "10.0.0.0/13", "from /8 to /12"),
    ("vpc_cidr_base", "8.0.0.0/8", "must be a private IPv4 network"),
    ("vpc_cidr_base", "10.0.0.1/8", "with no host bits set"),
    ("vpc_cidr_base", "10.0.0.0", "from /8 to /12"),
    ("vpc_cidr_base", "ten.0.0.0/8", "such as 10.0.0.0/8"),
    ("container_image", "nginx latest", "must be an image reference such as"),
    ("container_image", "Nginx/Web:1", "public.ecr.aws/nginx/nginx:stable"),
    ("container_image", "nginx:", "an image reference"),
    ("container_image", "nginx;touch pwned", "an image reference"),
    ("container_image", "a" * 256, "at most 255 characters"),
    ("container_image", "", "must not be empty"),
    ("container_port", "0", "must be a whole number from 1 to 65535"),
    ("container_port", "65536", "from 1 to 65535"),
    ("container_port", "080", "a whole number"),
    ("container_port", "80a", "a whole number"),
    ("container_port", "", "a whole number"),
    ("domain_name", "Example.com", "must be a lowercase DNS name such as example.com"),
    ("domain_name", "example", "a lowercase DNS name"),
    ("domain_name", "-bad.example.com", "a lowercase DNS name"),
    ("domain_name", "exa mple.com", "a lowercase DNS name"),
    ("domain_name", "a" * 64 + ".com", "a lowercase DNS name"),
    ("domain_name", "   ", "a lowercase DNS name"),
    ("stack_variant", "lambda", "must be one of serverless-api, stream-pipeline, multi-env-ecs"),
    ("stack_variant", "", "must be one of"),
    ("az_count", "4", "must be one of 2, 3"),
    ("az_count", "two", "must be one of 2, 3"),
    ("api_auth", "public", "must be one of iam, cognito, none"),
    ("api_auth", "", "must be one of iam, cognito, none"),
    ("ci", "gitlab", "must be one of github, none"),
    ("ci", "GitHub", "must be one of github, none"),
    ("aws_region", "mars-north-1", "must be an AWS region name such as us-east-1 or eu-west-1"),
    ("aws_region", "EU-WEST-1", "an AWS region name"),
    ("aws_region", "eu-west", "an AWS region name"),
    ("aws_region", "eu-west-1 ", "an AWS region name"),
    ("aws_region", "eu-west-1;ls", "an AWS region name"),
    ("aws_region", "", "must not be empty"),
]
# Answers only some variants read and check, with a variant (the manifest's first) that reads each.
MANIFEST = variant_manifest.load()
VARIANT_FOR_FIELD = {
    field: next(name for name, variant in MANIFEST.variants.items() if field in variant.answers)
    for field in {field for variant in MANIFEST.variants.values() for field in variant.answers}
}


@pytest.mark.parametrize(("field", "value", "rule"), BAD_ANSWERS)
def test_a_bad_answer_is_refused_in_one_line_leaving_nothing(tmp_path, capfd, field, value, rule):
    answers = {field: value}
    if field == "project_name":
        # The slug derived from a bad name is checked on its own.
        answers["project_slug"] = "named-by-hand"
    if field in VARIANT_FOR_FIELD:
        answers["stack_variant"] = VARIANT_FOR_FIELD[field]
    check_keys(answers)
    with pytest.raises(FailedHookException):
        cookiecutter(str(ROOT), no_input=True, extra_context=answers, output_dir=str(tmp_path))
    errors = [line for line in capfd.readouterr().err.splitlines() if line.strip()]
    assert len(errors) == 1, errors
    # Long answers are shown cut short: the start of their repr, then how long they were.
    assert errors[0].startswith(f"error: {field} {repr(value)[:60]}")
    assert rule in errors[0]
    assert list(tmp_path.iterdir()) == []


def test_the_command_line_refusal_is_one_clear_line_and_exit_status_1(tmp_path):
    result = cookiecutter_cli(tmp_path, "environment_suffix=Prod!")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert (
        "error: environment_suffix 'Prod!' must be 1-12 lowercase letters or digits, "
        "starting with a letter"
    ) in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("answers", "line"),
    [
        (
            ("stack_variant=lambda",),
            "error: stack_variant 'lambda' must be one of serverless-api, stream-pipeline, "
            "multi-env-ecs",
        ),
        (("stack_variant=multi-env-ecs", "az_count=4"), "error: az_count '4' must be one of 2, 3"),
        (
            ("stack_variant=stream-pipeline", "api_auth=open"),
            "error: api_auth 'open' must be one of iam, cognito, none",
        ),
        (("ci=gitlab",), "error: ci 'gitlab' must be one of github, none"),
        (
            ("aws_region=mars-north-1",),
            "error: aws_region 'mars-north-1' must be an AWS region name such as us-east-1 or "
            "eu-west-1",
        ),
    ],
)
def test_a_choice_that_is_not_offered_is_refused_in_one_line_by_the_hook(tmp_path, answers, line):
    # Cookiecutter refuses a value its own choice list does not hold with a traceback before any
    # hook runs; these answers are text in cookiecutter.json, offered as choices when prompting.
    result = cookiecutter_cli(tmp_path, *answers)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.splitlines() == [line]
    assert list(tmp_path.iterdir()) == []
