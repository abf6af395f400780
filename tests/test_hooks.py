"""The hooks as cookiecutter runs them: rendered for each variant's default answers, linted like
the generated code, and the pre-gen hook's checks unit-tested by importing the rendered hook."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
from cookiecutter.generate import generate_context
from cookiecutter.prompt import prompt_for_config
from cookiecutter.utils import create_env_with_context

import variant_manifest
from tests.conftest import BIN, HOOKS, run_tool
from tests.matrix import ROOT, VARIANTS

MANIFEST = variant_manifest.load()
PYLINT_SCORE = re.compile(r"rated at (-?[0-9.]+)/10")
HOOK_NAMES = ["pre_gen_project", "post_gen_project"]


def hook_answers(variant: str) -> dict:
    """The answers cookiecutter hands the hooks for ``--no-input stack_variant=<variant>``."""
    context = generate_context(
        context_file=str(ROOT / "cookiecutter.json"), extra_context={"stack_variant": variant}
    )
    chosen = dict(prompt_for_config(context, no_input=True))
    # What cookiecutter.main adds once the questions are answered.
    added = {
        "_template": str(ROOT),
        "_output_dir": "/tmp",
        "_repo_dir": str(ROOT),
        "_checkout": None,
    }
    return {**chosen, **added}


def render(source: Path, answers: dict, target: Path) -> Path:
    """``source`` rendered as cookiecutter.hooks.run_script_with_context renders a hook."""
    context = {"cookiecutter": answers}
    template = create_env_with_context(context).from_string(source.read_text(encoding="utf-8"))
    target.write_text(template.render(**context), encoding="utf-8")
    return target


def import_hook(path: Path) -> ModuleType:
    """The rendered hook at ``path`` as a module (its ``__main__`` block does not run)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rendered_for_every_variant(name: str, folder: Path) -> list[Path]:
    """Hook ``name`` rendered for each variant's default answers, one file per variant."""
    return [
        render(
            HOOKS / f"{name}.py",
            hook_answers(variant),
            folder / f"{name}_{MANIFEST.variants[variant].package}.py",
        )
        for variant in VARIANTS
    ]


@pytest.fixture(scope="module")
def pre_gen(tmp_path_factory) -> ModuleType:
    """The pre-gen hook rendered for multi-env-ecs's default answers, imported."""
    folder = tmp_path_factory.mktemp("pre_gen")
    return import_hook(
        render(HOOKS / "pre_gen_project.py", hook_answers("multi-env-ecs"), folder / "hook.py")
    )


@pytest.mark.parametrize("name", HOOK_NAMES)
def test_every_rendered_hook_is_ruff_clean_and_formatted(tmp_path, name):
    files = [str(path) for path in rendered_for_every_variant(name, tmp_path)]
    config = ["--no-cache", "--config", str(ROOT / "pyproject.toml")]
    check = run_tool([str(BIN / "ruff"), "check", *config, *files], tmp_path)
    assert check.returncode == 0, check.stdout
    formatting = run_tool([str(BIN / "ruff"), "format", "--check", *config, *files], tmp_path)
    assert formatting.returncode == 0, formatting.stdout


@pytest.mark.parametrize("name", HOOK_NAMES)
def test_every_rendered_hook_scores_ten_with_the_generated_projects_pylint(tmp_path, name):
    files = [path.name for path in rendered_for_every_variant(name, tmp_path)]
    # The generated project's pylint settings (its gate is 9; the hooks meet 10).
    pyproject = ROOT / "{{cookiecutter.project_slug}}" / "pyproject.toml"
    render(pyproject, hook_answers(VARIANTS[0]), tmp_path / "pyproject.toml")
    result = run_tool([sys.executable, "-m", "pylint", *files], tmp_path)
    assert float(PYLINT_SCORE.search(result.stdout).group(1)) == 10.0, result.stdout


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_default_answers_of_every_variant_pass_every_check(tmp_path, variant):
    hook = import_hook(
        render(HOOKS / "pre_gen_project.py", hook_answers(variant), tmp_path / "h.py")
    )
    assert [found for found in hook.refusals(hook.ANSWERS) if found] == []
    assert hook.main() == 0


def test_the_variants_and_the_answers_each_reads_come_from_the_manifest(pre_gen):
    assert pre_gen.VARIANTS == VARIANTS
    every_answer = {answer for variant in VARIANTS for answer in MANIFEST.answers_of(variant)}
    assert set(pre_gen.CHECKS) == every_answer
    for variant in VARIANTS:
        assert tuple(pre_gen.answers_read(variant)) == MANIFEST.answers_of(variant)
    assert tuple(pre_gen.answers_read("lambda")) == MANIFEST.common_answers


@pytest.mark.parametrize("variant", VARIANTS)
def test_only_the_answers_the_chosen_variant_reads_are_checked(pre_gen, variant):
    for answer in {answer for other in VARIANTS for answer in MANIFEST.answers_of(other)}:
        answers = {**pre_gen.ANSWERS, "stack_variant": variant, answer: "\n"}
        found = [line for line in pre_gen.refusals(answers) if line]
        read = answer in MANIFEST.answers_of(variant)
        assert len(found) == read, (answer, found)


def test_a_variant_that_is_not_offered_is_refused_first_of_the_variants_answers(pre_gen):
    answers = {**pre_gen.ANSWERS, "stack_variant": "lambda", "container_port": "x"}
    assert [line for line in pre_gen.refusals(answers) if line] == [
        "stack_variant 'lambda' must be one of serverless-api, stream-pipeline, multi-env-ecs"
    ]


# Per answer: values its check accepts, and values it refuses with a piece of the rule.
GOOD_AND_BAD = {
    "project_name": (
        ["TAP Service", "O'Connor 名前 🙂", "N" * 80],
        [("", "must not be empty"), ("N" * 81, "at most 80 printable"), ("a\nb", "single line")],
    ),
    "project_slug": (
        ["tap-service", "l" + "o" * 28 + "g"],
        [("Bad_Slug", "3-30 lowercase letters"), ("sg-web", "(not sg-)"), ("", "not be empty")],
    ),
    "description": (["D" * 256], [("D" * 257, "at most 256 printable"), (" ", "not be empty")]),
    "owner": (
        ["platform-team", "team.a/b:c=d+e@f_g", "o" * 64],
        [
            (
                "team'quote",
                "letters, digits, spaces and _ . : / = + - @ (it becomes the Owner tag)",
            ),
            ("o" * 65, "at most 64 characters"),
            ("   ", "must not be empty"),
        ],
    ),
    "stack_variant": (
        list(VARIANTS),
        [("lambda", "one of serverless-api, stream-pipeline, multi-env-ecs"), ("", "one of")],
    ),
    "aws_region": (
        ["us-east-1", "eu-west-1", "ap-southeast-5", "us-gov-west-1", "cn-north-1"],
        [
            ("mars-north-1", "must be an AWS region name such as us-east-1 or eu-west-1"),
            ("eu-west-1 ", "an AWS region name"),
            ("eu-west", "an AWS region name"),
            ("", "must not be empty"),
        ],
    ),
    "environment_suffix": (
        ["dev", "pr12345", "abcdefghijkl"],
        [("Prod!", "1-12 lowercase letters or digits"), ("abcdefghijklm", "1-12 lowercase")],
    ),
    "alarm_email": (
        ["", "oncall@example.com", "o.connor+alerts@example.co.uk"],
        [
            ("a@b", "an e-mail address (name@example.com)"),
            ("a" * 250 + "@example.com", "of at most 254 characters"),
            ("   ", "an e-mail address"),
        ],
    ),
    "enable_xray": ([True, False], [("maybe", "yes or no")]),
    "run_unit_tests": ([True, False], [("yes", "yes or no")]),
    "environments": (
        ["dev,staging,prod", "prod", "dev, prod"],
        [("dev,qa", "(unknown: 'qa';"), ("dev,dev", "(a name repeated;"), ("", "(unknown: '';")],
    ),
    "vpc_cidr_base": (
        ["10.0.0.0/8", "172.16.0.0/12", "10.64.0.0/10"],
        [("10.0.0.0/16", "from /8 to /12"), ("8.0.0.0/8", "a private IPv4"), ("x", "such as")],
    ),
    "az_count": (["2", "3"], [("4", "one of 2, 3"), ("2 ", "one of 2, 3")]),
    "api_auth": (
        ["iam", "cognito", "none"],
        [("IAM", "one of iam, cognito, none"), ("public", "one of iam, cognito, none")],
    ),
    "ci": (["github", "none"], [("gitlab", "one of github, none"), ("", "one of github, none")]),
    "container_image": (
        ["public.ecr.aws/nginx/nginx:stable", "nginx", "registry:5000/team/app@sha256:" + "a" * 64],
        [("nginx latest", "an image reference such as"), ("a" * 256, "at most 255 characters")],
    ),
    "container_port": (["1", "80", "65535"], [("0", "from 1 to 65535"), ("080", "whole number")]),
    "domain_name": (
        ["", "example.com", "api.example.co.uk"],
        [("Example.com", "a lowercase DNS name such as example.com"), (" ", "lowercase DNS")],
    ),
}
GOOD = [(field, value) for field, (good, _) in GOOD_AND_BAD.items() for value in good]
BAD = [(field, value, rule) for field, (_, bad) in GOOD_AND_BAD.items() for value, rule in bad]


def test_every_check_is_exercised_here(pre_gen):
    assert set(GOOD_AND_BAD) == set(pre_gen.CHECKS)


@pytest.mark.parametrize(("field", "value"), GOOD)
def test_a_check_passes_a_good_answer(pre_gen, field, value):
    assert pre_gen.CHECKS[field](field, value) is None


@pytest.mark.parametrize(("field", "value", "rule"), BAD)
def test_a_check_refuses_a_bad_answer_in_one_line_naming_it(pre_gen, field, value, rule):
    refusal = pre_gen.CHECKS[field](field, value)
    assert refusal.startswith(f"{field} {repr(value)[:60]}"), refusal
    assert "\n" not in refusal
    assert rule in refusal
