"""The output collector writes the flat file the integration tests read."""

import json
import subprocess
from types import SimpleNamespace

from scripts import collect_outputs
from tests.integration.conftest import decode


def test_outputs_are_flattened_to_strings_and_read_back_as_values():
    flat = collect_outputs.flatten({"url": "https://x", "ids": ["a", "b"], "count": 2})
    assert flat == {"url": "https://x", "ids": '["a", "b"]', "count": "2"}
    assert decode(flat["ids"]) == ["a", "b"]
    assert decode(["a"]) == ["a"]
    assert decode("{not json") == "{not json"


def test_main_writes_the_flat_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    calls = []

    def fake_run(command, **_):
        calls.append(command)
        stdout = '{"api_url": "https://x", "ids": [1]}'
        return SimpleNamespace(returncode=0, stdout=stdout, stderr="")

    monkeypatch.setattr(subprocess, "run", fake_run)
    assert collect_outputs.main("TapStackdev") == 0
    assert calls[0][-2:] == ["--stack", "TapStackdev"]
    written = json.loads((tmp_path / "cfn-outputs" / "flat-outputs.json").read_text())
    assert written == {"api_url": "https://x", "ids": "[1]"}


def test_main_reports_a_failed_pulumi_call(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(
        subprocess,
        "run",
        lambda command, **_: SimpleNamespace(returncode=255, stdout="", stderr="no stack"),
    )
    assert collect_outputs.main() == 1
    assert "no stack" in capsys.readouterr().err
    assert not (tmp_path / "cfn-outputs").exists()


def test_main_says_in_one_line_that_the_pulumi_cli_is_missing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))  # no pulumi anywhere on it
    assert collect_outputs.main("TapStackdev") == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "Pulumi CLI (pulumi) is not on PATH" in error
    assert not (tmp_path / "cfn-outputs").exists()
