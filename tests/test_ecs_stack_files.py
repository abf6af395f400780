"""multi-env-ecs: the post-gen hook writes the config file of stack TapStack<env>,
Pulumi.TapStack<env>.yaml, for every listed environment and for the generated suffix, each with
the region, the suffix and that environment's own /16;
the other variants keep only the template's stack file of the generated suffix, and running the
hook again writes the same bytes."""

from __future__ import annotations

import ipaddress
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import check_keys, render_hook
from tests.matrix import COOKIECUTTER_JSON, ROOT, combinations

COMBINATIONS = combinations()
# The address plan as documented: slot 0 of the base stays free, dev, staging and prod own
# slots 1 to 3, pr<N> takes slot 4 + N mod (the slots left).
LONG_LIVED_SLOTS = {"dev": 1, "staging": 2, "prod": 3}
FIRST_EPHEMERAL_SLOT = 4


def answer(combo: dict[str, str], key: str) -> str:
    """The combination's answer to ``key``, or the default (a choice's first option)."""
    default = COOKIECUTTER_JSON[key]
    return combo.get(key, default[0] if isinstance(default, list) else default)


def slots(base: str) -> list[str]:
    return [str(network) for network in ipaddress.IPv4Network(base).subnets(new_prefix=16)]


def planned_cidr(base: str, suffix: str) -> str | None:
    """The /16 a suffix gets, or None for a suffix placed by a hash of its name."""
    if suffix in LONG_LIVED_SLOTS:
        return slots(base)[LONG_LIVED_SLOTS[suffix]]
    match = re.fullmatch(r"pr([0-9]+)", suffix)
    if match:
        free = len(slots(base)) - FIRST_EPHEMERAL_SLOT
        return slots(base)[FIRST_EPHEMERAL_SLOT + int(match[1]) % free]
    return None


def stack_files(project: Path) -> dict[str, str]:
    """Every Pulumi.<stack>.yaml of the project, byte for byte (no newline translation)."""
    return {
        path.name: path.read_bytes().decode("utf-8")
        for path in sorted(project.glob("Pulumi.*.yaml"))
    }


def stack_file(region: str, suffix: str, cidr: str | None) -> str:
    text = f"config:\n  aws:region: {region}\n  TapStack:environmentSuffix: {suffix}\n"
    return text + (f"  TapStack:vpcCidr: {cidr}\n" if cidr else "")


def run_post_gen(project: Path, answers: dict) -> subprocess.CompletedProcess:
    """The rendered post-gen hook, run again in ``project`` without the unit tests."""
    hook = project.parent / "post_gen_project.py"
    hook.write_text(render_hook("post_gen_project", {**answers, "run_unit_tests": False}))
    return subprocess.run(
        [sys.executable, str(hook)], cwd=project, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize("combo_id", sorted(COMBINATIONS))
def test_each_listed_environment_and_the_suffix_get_a_stack_file(bake, combo_id):
    combo = COMBINATIONS[combo_id]
    files = stack_files(bake(combo_id).project_path)
    region, base = answer(combo, "aws_region"), answer(combo, "vpc_cidr_base")
    suffix = answer(combo, "environment_suffix")
    if combo["stack_variant"] != "multi-env-ecs":
        # Only the generated suffix's stack file, as the template holds it: no VPC range.
        assert files == {f"Pulumi.TapStack{suffix}.yaml": stack_file(region, suffix, None)}
        return
    listed = answer(combo, "environments").split(",")
    assert sorted(files) == sorted({f"Pulumi.TapStack{name}.yaml" for name in [*listed, suffix]})
    cidrs = {}
    for name in {*listed, suffix}:
        cidrs[name] = planned_cidr(base, name)
        if cidrs[name] is None:  # any other suffix: one of the slots left to pr<N> and others
            (cidrs[name],) = re.findall(r"vpcCidr: (\S+)\n", files[f"Pulumi.TapStack{name}.yaml"])
            assert cidrs[name] in slots(base)[FIRST_EPHEMERAL_SLOT:]
        assert files[f"Pulumi.TapStack{name}.yaml"] == stack_file(region, name, cidrs[name])
    assert len(set(cidrs.values())) == len(cidrs), cidrs


def test_the_answers_choose_the_files_the_region_and_the_ranges(cookies):
    answers = {
        "stack_variant": "multi-env-ecs",
        "aws_region": "eu-west-1",
        "environment_suffix": "pr7",
        "environments": "prod, staging",
        "vpc_cidr_base": "172.16.0.0/12",
        "run_unit_tests": "no",
    }
    check_keys(answers)
    result = cookies.bake(extra_context=answers, template=str(ROOT))
    assert result.exit_code == 0, result.exception
    assert stack_files(result.project_path) == {
        # pr7 takes slot 4 + 7 % 12
        "Pulumi.TapStackpr7.yaml": stack_file("eu-west-1", "pr7", "172.27.0.0/16"),
        "Pulumi.TapStackprod.yaml": stack_file("eu-west-1", "prod", "172.19.0.0/16"),
        "Pulumi.TapStackstaging.yaml": stack_file("eu-west-1", "staging", "172.18.0.0/16"),
    }


def test_running_the_hook_again_writes_the_same_bytes(project_copy, bake):
    project = project_copy("multi-env-ecs-shape1")
    answers = bake("multi-env-ecs-shape1").context
    written = stack_files(project)
    assert sorted(written) == ["Pulumi.TapStackdev.yaml"]
    for path in project.glob("Pulumi.*.yaml"):
        path.unlink()
    for _ in range(2):
        result = run_post_gen(project, answers)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "post-gen: wrote the stack files of dev" in result.stdout
        assert stack_files(project) == written
