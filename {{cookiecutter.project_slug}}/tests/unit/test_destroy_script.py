"""scripts/destroy.sh, run with a stand-in ``pulumi`` on PATH that answers ``stack export`` with
the state of a deployment declared under mocks: a stack that a destroy could not finish is
refused before anything is deleted, with one message; any other is destroyed completely."""

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from scripts import destroy_guard

PROJECT = Path(__file__).resolve().parents[2]
# Answers `stack export` with $STATE_FILE, refuses `stack select` as Pulumi does a stack it
# does not know when $NO_STACK is set, and notes every call in $CALLS_FILE.
STAND_IN_PULUMI = """#!/usr/bin/env bash
echo "$*" >> "$CALLS_FILE"
if [ "$1 $2" = "stack export" ]; then cat "$STATE_FILE"; fi
if [ "$1 $2" = "stack select" ] && [ -n "${NO_STACK:-}" ]; then
  echo "error: no stack named '$3' found" >&2
  exit 255
fi
"""


def exported_state(deployment) -> dict:
    """What `pulumi stack export` prints for ``deployment``: each resource with its outputs."""
    return {
        "version": 3,
        "deployment": {
            "resources": [
                {
                    "urn": f"urn:pulumi:stack::TapStack::{r.type}::{r.name}",
                    "type": r.type,
                    "custom": not r.type.startswith("tap:"),
                    "protect": r.options.get("protect", False),
                    "outputs": r.outputs,
                }
                for r in deployment.resources
            ]
        },
    }


def destroy(
    tmp_path, state: dict, suffix: str, *args: str, **environ: str
) -> tuple[subprocess.CompletedProcess, list[str]]:
    """Run scripts/destroy.sh ``args`` for ``suffix`` against ``state`` (``environ`` added to
    its environment); return the run and the pulumi commands it made."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    pulumi = bin_dir / "pulumi"
    pulumi.write_text(STAND_IN_PULUMI)
    pulumi.chmod(pulumi.stat().st_mode | stat.S_IEXEC)
    # This interpreter in its own environment: a symlink to a virtualenv's python, outside the
    # virtualenv, starts the base interpreter with that one's site-packages (slower to start).
    python = bin_dir / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(python.stat().st_mode | stat.S_IEXEC)
    # Assets and archives (Lambda code) are not JSON; the guard never reads them.
    (tmp_path / "state.json").write_text(json.dumps(state, default=str))
    calls = tmp_path / "calls.txt"
    calls.touch()
    env = {
        **os.environ,
        # The stand-ins, then the system's own tools; never a real pulumi from the caller's PATH.
        "PATH": f"{bin_dir}{os.pathsep}{os.defpath}",
        "STATE_FILE": str(tmp_path / "state.json"),
        "CALLS_FILE": str(calls),
        "ENVIRONMENT_SUFFIX": suffix,
        "PYTHONDONTWRITEBYTECODE": "1",
        **environ,
    }
    bash = shutil.which("bash", path=env["PATH"])
    assert bash, f"bash is not on {env['PATH']}"
    run = subprocess.run(
        [bash, str(PROJECT / "scripts" / "destroy.sh"), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return run, calls.read_text().splitlines()


def test_a_stack_without_protection_is_destroyed_completely(tmp_path, pr_stack):
    run, calls = destroy(tmp_path, exported_state(pr_stack), "pr12345")
    assert run.returncode == 0, run.stderr
    assert calls == [
        "stack select TapStackpr12345",
        "refresh --yes --stack TapStackpr12345",
        "stack export --stack TapStackpr12345",
        "destroy --yes --stack TapStackpr12345",
    ]


def test_a_closed_pull_requests_stack_is_destroyed_then_removed(tmp_path, pr_stack):
    run, calls = destroy(tmp_path, exported_state(pr_stack), "pr12345", "--remove-stack")
    assert run.returncode == 0, run.stderr
    assert calls[-2:] == [
        "destroy --yes --stack TapStackpr12345",
        "stack rm --yes --stack TapStackpr12345",
    ]


def test_a_stack_never_created_has_nothing_to_destroy(tmp_path):
    # A pull request closed before its first deploy: the pipeline still runs the destroy.
    run, calls = destroy(tmp_path, {}, "pr7", "--remove-stack", NO_STACK="1")
    assert run.returncode == 0, run.stderr
    assert calls == ["stack select TapStackpr7"]
    assert run.stdout.strip() == "destroy: there is no stack TapStackpr7, so nothing to destroy"


def test_a_protected_stack_is_refused_before_anything_is_deleted(tmp_path, pr_stack):
    state = exported_state(pr_stack)
    bucket = {"type": "aws:s3/bucket:Bucket", "outputs": {"bucket": "kept", "forceDestroy": False}}
    state["deployment"]["resources"].append(bucket)
    run, calls = destroy(tmp_path, state, "pr12345")
    assert run.returncode == 1
    assert not [call for call in calls if call.startswith("destroy")]
    (message,) = run.stderr.strip().splitlines()
    assert message.startswith("error: TapStackpr12345 is protected and was not destroyed:")
    assert "bucket kept keeps its objects" in message
    assert "To destroy it deliberately:" in message


def user_pool(name: str, deletion_protection: str) -> dict:
    """A Cognito user pool as `pulumi stack export` records it."""
    return {
        "urn": f"urn:pulumi:stack::TapStack::aws:cognito/userPool:UserPool::{name}",
        "type": "aws:cognito/userPool:UserPool",
        "outputs": {"name": name, "deletionProtection": deletion_protection},
    }


def test_a_user_pool_with_deletion_protection_is_refused(tmp_path, pr_stack):
    # Cognito's DeleteUserPool fails (InvalidParameterException) while DeletionProtection is
    # ACTIVE, after the destroy has deleted the rest; mocks do not show that refusal.
    state = exported_state(pr_stack)
    state["deployment"]["resources"].append(user_pool("users", "ACTIVE"))
    run, calls = destroy(tmp_path, state, "pr12345")
    assert run.returncode == 1
    assert not [call for call in calls if call.startswith("destroy")]
    (message,) = run.stderr.strip().splitlines()
    assert "deletion protection on the user pool users" in message
    assert "To destroy it deliberately:" in message


def test_a_user_pool_without_deletion_protection_is_destroyed(tmp_path, pr_stack):
    state = exported_state(pr_stack)
    state["deployment"]["resources"].append(user_pool("users", "INACTIVE"))
    run, calls = destroy(tmp_path, state, "pr12345")
    assert run.returncode == 0, run.stderr
    assert calls[-1] == "destroy --yes --stack TapStackpr12345"


def test_every_kind_of_protection_is_named():
    state = {
        "deployment": {
            "resources": [
                {
                    "type": "aws:lb/loadBalancer:LoadBalancer",
                    "outputs": {"name": "web", "enableDeletionProtection": True},
                },
                {
                    "type": "aws:rds/cluster:Cluster",
                    "outputs": {"clusterIdentifier": "db", "deletionProtection": True},
                },
                user_pool("users", "ACTIVE"),
                user_pool("gone-users", "INACTIVE"),
                {"type": "aws:s3/bucket:Bucket", "outputs": {"bucket": "logs"}},
                {"type": "aws:sns/topic:Topic", "urn": "urn:x::alarms", "protect": True},
                {
                    "type": "aws:s3/bucket:Bucket",
                    "outputs": {"bucket": "gone", "forceDestroy": True},
                },
            ]
        }
    }
    assert destroy_guard.protections(state) == [
        "deletion protection on the load balancer web",
        "deletion protection on the database cluster db",
        "deletion protection on the user pool users",
        "bucket logs keeps its objects (no force_destroy)",
        "Pulumi protects alarms (aws:sns/topic:Topic)",
    ]
    assert destroy_guard.protections({}) == []


def test_a_failed_export_stops_the_destroy(monkeypatch, capsys):
    def failed(command, **_):
        return subprocess.CompletedProcess(command, 255, "", "no stack named TapStackx")

    monkeypatch.setattr(subprocess, "run", failed)
    assert destroy_guard.main("TapStackx") == 1
    assert "no stack named TapStackx" in capsys.readouterr().err
