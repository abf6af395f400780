"""The questions a user answers at the terminal: only those the chosen variant reads, the region
typed by name, and every answer still settable with --no-input key=value under its public name."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

import variant_manifest
from tests.conftest import BIN, check_keys
from tests.matrix import COOKIECUTTER_JSON, ROOT, VARIANTS

MANIFEST = variant_manifest.load()
PROMPTS = COOKIECUTTER_JSON["__prompts__"]
# cookiecutter numbers each question "  [n/total] "; "Choose from [1/2]" is not one.
NUMBER = re.compile(r"(?<=  )\[(\d+)/(\d+)\] ")


def question(key: str) -> str:
    """The question cookiecutter shows for ``key``."""
    label = PROMPTS[key]
    return label["__prompt__"] if isinstance(label, dict) else label


def answer_at_the_terminal(tmp_path: Path, lines: list[str]):
    """Run ``cookiecutter <template>`` as a user does, typing ``lines`` (one per question).

    A run that asks more questions than there are lines fails: the extra question reads the
    end of input. Returns the run and the answers cookiecutter recorded (its replay file).
    """
    output, replay = tmp_path / "out", tmp_path / "replay"
    output.mkdir()
    config = tmp_path / "config.yaml"
    config.write_text(f"replay_dir: {json.dumps(str(replay))}\n", encoding="utf-8")
    result = subprocess.run(
        [str(BIN / "cookiecutter"), "--config-file", str(config), str(ROOT), "-o", str(output)],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        cwd=output,
        # Wide enough that no question is wrapped.
        env={**os.environ, "COLUMNS": "500"},
        check=False,
    )
    recorded = [json.loads(path.read_text()) for path in replay.glob("*.json")]
    return result, recorded[0]["cookiecutter"] if recorded else None


def typed(variant: str, **answers: str) -> list[str]:
    """The lines a user types for ``variant``: the variant's number, no test run, ``answers``,
    Enter (the default) for every other question the variant asks, none for the rest."""
    lines = dict.fromkeys(MANIFEST.answers_of(variant), "")
    lines.update(stack_variant=str(VARIANTS.index(variant) + 1), run_unit_tests="no", **answers)
    return [lines[key] for key in COOKIECUTTER_JSON if key in lines]


def numbers(stdout: str) -> list[tuple[int, int]]:
    return [(int(n), int(total)) for n, total in NUMBER.findall(stdout)]


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_variant_is_asked_its_own_questions_and_no_other_variants(tmp_path, variant):
    result, recorded = answer_at_the_terminal(tmp_path, typed(variant, aws_region="eu-west-1"))
    assert result.returncode == 0, result.stdout + result.stderr
    reads = MANIFEST.answers_of(variant)
    others = {key for other in VARIANTS for key in MANIFEST.answers_of(other)} - set(reads)
    for key in others:
        assert question(key) not in result.stdout, key
        assert recorded[key] == COOKIECUTTER_JSON[key], key  # taken at the default, unasked
    for key in reads:
        assert question(key) in result.stdout, key
    # Numbered against the variant known so far: the default's count until one is chosen.
    before = len(MANIFEST.answers_of(COOKIECUTTER_JSON["stack_variant"]))
    chosen_at = MANIFEST.common_answers.index("stack_variant") + 1
    assert numbers(result.stdout) == [(n, before) for n in range(1, chosen_at + 1)] + [
        (n, len(reads)) for n in range(chosen_at + 1, len(reads) + 1)
    ]
    assert (recorded["stack_variant"], recorded["aws_region"]) == (variant, "eu-west-1")
    stack_file = (
        tmp_path / "out" / "tap-service" / f"Pulumi.TapStack{recorded['environment_suffix']}.yaml"
    )
    assert "  aws:region: eu-west-1\n" in stack_file.read_text()


def test_a_multi_env_ecs_user_is_asked_every_ecs_question(tmp_path):
    lines = typed("multi-env-ecs", az_count="3", container_port="8080")
    result, recorded = answer_at_the_terminal(tmp_path, lines)
    assert result.returncode == 0, result.stdout + result.stderr
    for key in MANIFEST.answers_of("multi-env-ecs"):
        assert question(key) in result.stdout, key
    # The zone count is typed: in a numbered list of numbers, choice 2 would be 3 zones.
    assert "2 zones" not in result.stdout
    assert (recorded["az_count"], recorded["container_port"]) == ("3", "8080")
    # Numbered against the variant known so far: the default's count until one is chosen.
    before = len(MANIFEST.answers_of(COOKIECUTTER_JSON["stack_variant"]))
    every = len(MANIFEST.answers_of("multi-env-ecs"))
    chosen_at = MANIFEST.common_answers.index("stack_variant") + 1
    assert numbers(result.stdout) == [(n, before) for n in range(1, chosen_at + 1)] + [
        (n, every) for n in range(chosen_at + 1, every + 1)
    ]


def test_the_variant_question_offers_each_variant_with_its_manifest_label(tmp_path):
    result, _ = answer_at_the_terminal(tmp_path, typed(VARIANTS[0]))
    assert result.returncode == 0, result.stdout + result.stderr
    for number, (name, variant) in enumerate(MANIFEST.variants.items(), 1):
        assert f"    {number} - {variant.title} - {variant.summary}\n" in result.stdout, name
    assert f"Choose from [{'/'.join(map(str, range(1, len(VARIANTS) + 1)))}] (1)" in result.stdout


def test_ci_is_a_labelled_choice_and_none_leaves_the_pipeline_out(tmp_path):
    choices = COOKIECUTTER_JSON["_choices"]["ci"]
    result, recorded = answer_at_the_terminal(
        tmp_path, typed(VARIANTS[0], ci=str(choices.index("none") + 1))
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for number, choice in enumerate(choices, 1):
        assert f"    {number} - {PROMPTS['ci'][choice]}\n" in result.stdout, choice
    assert recorded["ci"] == "none"
    project = tmp_path / "out" / "tap-service"
    assert (project / "tap.py").is_file()
    assert not (project / ".github").exists()


def test_a_bad_region_typed_at_the_prompt_is_refused_in_one_line(tmp_path):
    result, _ = answer_at_the_terminal(tmp_path, typed(VARIANTS[0], aws_region="mars-north-1"))
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.splitlines() == [
        "error: aws_region 'mars-north-1' must be an AWS region name such as us-east-1 or eu-west-1"
    ]
    assert list((tmp_path / "out").iterdir()) == []


# A valid answer to every question, none of them the default.
EVERY_ANSWER = {
    "project_name": "Orders API",
    "project_slug": "orders-svc",
    "description": "Orders, end to end",
    "owner": "team-orders",
    "aws_region": "eu-west-1",
    "environment_suffix": "pr7",
    "alarm_email": "oncall@example.com",
    "enable_xray": "no",
    "environments": "dev,prod",
    "vpc_cidr_base": "172.16.0.0/12",
    "az_count": "3",
    "container_image": "public.ecr.aws/docker/library/httpd:2.4",
    "container_port": "8080",
    "domain_name": "example.org",
    "api_auth": "cognito",
    "ci": "none",
    "run_unit_tests": "no",
}
AS_READ = {"enable_xray": False, "run_unit_tests": False}


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_answer_is_settable_by_its_public_name_without_prompting(cookies, variant):
    answers = {**EVERY_ANSWER, "stack_variant": variant}
    check_keys(answers)
    assert set(answers) == {key for key in COOKIECUTTER_JSON if not key.startswith("_")}
    result = cookies.bake(extra_context=answers, template=str(ROOT))
    assert result.exit_code == 0, result.exception
    for key, value in answers.items():
        assert result.context[key] == AS_READ.get(key, value), key
