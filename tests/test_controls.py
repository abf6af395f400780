"""The Security Hub controls table of each baked project: the README shows every controls file
the variant keeps and only those, the answers decide what is met, and the project's own test
of the table (tests/unit/test_policy_controls.py) passes there."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.matrix import VARIANTS

LAMBDA_VARIANTS = ("serverless-api", "stream-pipeline")


def kept_controls(project: Path) -> dict[str, list[dict]]:
    """Each controls file of the baked project, by its path, with its controls."""
    files = [project / "policy" / "controls.toml", *sorted(project.glob("lib/*/controls.toml"))]
    return {
        path.relative_to(project).as_posix(): tomllib.loads(path.read_text())["control"]
        for path in files
        if path.is_file()
    }


def readme_ids(project: Path) -> dict[str, list[str]]:
    """The control ids of each table of the README's "Security Hub controls", by file."""
    readme = (project / "README.md").read_text()
    section = readme.split("\n## Security Hub controls\n", 1)[1].split("\n## ", 1)[0]
    tables = re.findall(r"^`([^`]+/controls\.toml)`:\n\n((?:\|.*\|\n)+)", section, re.MULTILINE)
    return {
        source: re.findall(r"^\| `([A-Za-z0-9]+\.\d+)` \|", rows, re.MULTILINE)
        for source, rows in tables
    }


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_readme_tables_every_controls_file_the_variant_keeps(bake, variant):
    project = bake(f"{variant}-defaults").project_path
    kept = kept_controls(project)
    assert "policy/controls.toml" in kept
    assert readme_ids(project) == {
        source: [control["id"] for control in controls] for source, controls in kept.items()
    }
    ids = [control["id"] for controls in kept.values() for control in controls]
    assert len(ids) == len(set(ids)), "a control is stated once in what a project keeps"


def test_each_lambda_variant_states_its_api_and_function_controls(bake):
    for variant in LAMBDA_VARIANTS:
        ids = {
            i
            for found in readme_ids(bake(f"{variant}-defaults").project_path).values()
            for i in found
        }
        assert {"APIGateway.1", "APIGateway.4", "Lambda.1", "Lambda.2", "WAF.10"} <= ids, variant
    stream = readme_ids(bake("stream-pipeline-defaults").project_path)
    assert {"Kinesis.1", "Kinesis.3", "SQS.1", "SecretsManager.1", "S3.5"} <= {
        i for found in stream.values() for i in found
    }


@pytest.mark.parametrize("variant", LAMBDA_VARIANTS)
def test_xray_controls_are_met_with_tracing_and_waived_without(bake, variant):
    def statuses(combo: str) -> dict[str, str]:
        controls = kept_controls(bake(combo).project_path)["lib/lambda_api/controls.toml"]
        return {c["id"]: c["status"] for c in controls if c["id"] in ("APIGateway.3", "Lambda.7")}

    assert statuses(f"{variant}-defaults") == {"APIGateway.3": "met", "Lambda.7": "met"}
    assert statuses(f"{variant}-no-xray-with-email") == {
        "APIGateway.3": "waived",
        "Lambda.7": "waived",
    }


@pytest.mark.parametrize("combo", ["serverless-api-no-xray-with-email", "multi-env-ecs-defaults"])
def test_the_projects_own_check_of_the_table_passes(bake, combo):
    project = bake(combo).project_path
    command = [sys.executable, "-m", "pytest", "tests/unit/test_policy_controls.py", "-q"]
    result = subprocess.run(
        [*command, "-p", "no:cacheprovider"], cwd=project, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
