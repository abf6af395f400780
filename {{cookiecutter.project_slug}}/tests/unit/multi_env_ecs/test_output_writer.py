"""The output writer: cfn-outputs/flat-outputs.json after a deployment, never in a preview and
never when skipFileWrite is set."""

import json

import pulumi
import pytest

from lib.multi_env_ecs.output_writer import (
    DEFAULT_OUTPUTS_FILE,
    OUTPUTS_FILE_VARIABLE,
    flatten,
    outputs_file,
    write_flat_outputs,
)
from tests.unit.mocks import DEFAULT_REGION, deploy
from tests.unit.multi_env_ecs.fixtures import STAGING_OUTPUTS_FILE
from tests.unit.multi_env_ecs.test_tap_stack import EXPECTED_OUTPUTS


def run_writer(*, skip: bool, preview: bool):
    """Declare one output and the writer, as the stack does, and return what the writer gave."""
    written = {}

    def program():
        written["result"] = write_flat_outputs(
            {"url": pulumi.Output.from_input("https://x"), "ids": ["a", "b"]}, skip=skip
        )

    deploy(program, region=DEFAULT_REGION, preview=preview)
    return written["result"]


def test_values_are_written_flat_strings_as_they_are_the_rest_as_json():
    assert flatten({"url": "https://x", "ids": ["a", "b"], "count": 2, "none": None}) == {
        "url": "https://x",
        "ids": '["a", "b"]',
        "count": "2",
        "none": "null",
    }


def test_the_file_is_cfn_outputs_unless_the_environment_names_another(monkeypatch, tmp_path):
    monkeypatch.delenv(OUTPUTS_FILE_VARIABLE, raising=False)
    assert str(outputs_file()) == DEFAULT_OUTPUTS_FILE == "cfn-outputs/flat-outputs.json"
    monkeypatch.setenv(OUTPUTS_FILE_VARIABLE, str(tmp_path / "out.json"))
    assert outputs_file() == tmp_path / "out.json"


def test_a_deployment_writes_the_file_creating_its_folder(monkeypatch, tmp_path):
    target = tmp_path / "cfn-outputs" / "flat-outputs.json"
    monkeypatch.setenv(OUTPUTS_FILE_VARIABLE, str(target))
    assert run_writer(skip=False, preview=False) is not None
    assert json.loads(target.read_text()) == {"url": "https://x", "ids": '["a", "b"]'}


@pytest.mark.parametrize(("skip", "preview"), [(True, False), (False, True)])
def test_a_preview_or_skip_file_write_leaves_no_file(monkeypatch, tmp_path, skip, preview):
    target = tmp_path / "flat-outputs.json"
    monkeypatch.setenv(OUTPUTS_FILE_VARIABLE, str(target))
    assert run_writer(skip=skip, preview=preview) is None
    assert not target.exists()


def test_the_stack_writes_every_output_after_its_deployment(stack, flat_outputs_file):
    written = json.loads(flat_outputs_file.read_text())
    assert set(written) == set(EXPECTED_OUTPUTS) == set(stack.outputs)
    assert all(isinstance(value, str) for value in written.values())


def test_a_stack_with_skip_file_write_writes_nothing(staging_stack, flat_outputs_file):
    assert staging_stack.args.skip_file_write is True
    assert not flat_outputs_file.with_name(STAGING_OUTPUTS_FILE).exists()
