"""The first five minutes: the generated README's first section and the post-gen next-steps
screen work as written, in order, in a baked project, with stand-ins for the pulumi and aws CLIs
on PATH (tests/test_deploy_scripts.py's).

The project's .venv stands for the one generation made (it says "installing into .venv"): a
virtualenv on this interpreter's packages, which hold every version the project's lock pins
(tests/test_lock.py), so `make install` runs pip in hash-checking mode on requirements-dev.lock
with nothing to fetch (no package index; uv, which would not see the borrowed packages, is
turned off with `UV=`; tests/test_makefile.py runs the uv branch). `python -m pytest
tests/integration` needs a deployed stack: the emulated deployments
(tests/test_generated_integration.py) run it; here it is the one step not run.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import render_hook
from tests.matrix import MANIFEST, VARIANTS
from tests.test_deploy_scripts import stand_in_env

NOT_RUN_HERE = {"python -m pytest tests/integration"}


def readme_first_steps(project: Path) -> list[str]:
    """The commands of the README's first section, which must be "The first five minutes"."""
    readme = (project / "README.md").read_text()
    first = readme.split("\n## ", 2)[1]
    assert first.startswith("The first five minutes\n"), "the README's first section"
    block = re.search(r"```bash\n(.*?)```", first, re.S).group(1)
    return [re.split(r"\s+#\s", line, maxsplit=1)[0] for line in block.splitlines()]


def next_steps_screen(project: Path, answers: dict) -> list[str]:
    """The commands of the next-steps screen the post-gen hook prints for this project."""
    hook = project.parent / "post_gen_project.py"
    hook.write_text(render_hook("post_gen_project", {**answers, "run_unit_tests": False}))
    printed = subprocess.run(
        [sys.executable, str(hook)], cwd=project, capture_output=True, text=True, check=True
    ).stdout
    screen = printed.split("Next steps in ", 1)[1].splitlines()[1:]
    return [re.split(r"\s+#\s", line.strip(), maxsplit=1)[0] for line in screen]


def run_in_order(project: Path, commands: list[str]) -> tuple[subprocess.CompletedProcess, list]:
    """Run ``commands`` in one bash session, stopping at the first that fails; return the
    session and the stand-ins' calls. Each command announces itself first."""
    env, log = stand_in_env(project, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", UV="")
    script = "set -euo pipefail\n" + "".join(
        f"echo {json.dumps('>>> ' + command)}\n{command}\n" for command in commands
    )
    result = subprocess.run(
        ["bash", "-c", script], cwd=project, capture_output=True, text=True, env=env, check=False
    )
    return result, [json.loads(line) for line in log.read_text().splitlines()]


def made_by_generation(project: Path, with_pip: bool = True) -> None:
    """The .venv generation makes, seeing this interpreter's packages (nothing to download)."""
    venv = project / ".venv"
    pip = [] if with_pip else ["--without-pip"]
    subprocess.run([sys.executable, "-m", "venv", *pip, str(venv)], check=True)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    (venv / "lib" / version / "site-packages" / "tests_base.pth").write_text(
        sysconfig.get_path("purelib") + "\n"
    )


def order_of_calls(calls: list[dict]) -> list[str]:
    """Each stand-in call as ``tool arg arg`` (its first two arguments)."""
    return [" ".join([call["tool"], *call["args"][:2]]) for call in calls]


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_readmes_first_section_works_as_written_in_order(project_copy, bake, variant):
    project = project_copy(f"{variant}-defaults")
    made_by_generation(project)
    commands = readme_first_steps(project)
    account = [step["run"] for step in MANIFEST.first_steps_of(variant)]
    setup = ["make install", "source .venv/bin/activate"]
    assert commands[:2] == setup, "install the lock into the project's .venv, activate it"
    prerequisites = ["pulumi version", "aws sts get-caller-identity", "pulumi login"]
    assert commands[2:] == [*prerequisites, *account, "bash scripts/deploy.sh"]

    result, calls = run_in_order(project, commands)
    assert result.returncode == 0, result.stdout + result.stderr
    announced = [line[4:] for line in result.stdout.splitlines() if line.startswith(">>> ")]
    assert announced == commands, "every command ran"
    assert "-m pip install --require-hashes --progress-bar on -r requirements-dev.lock" in (
        result.stdout
    ), "make install installs the lock in hash-checking mode"
    order = order_of_calls(calls)
    assert order[:3] == ["pulumi version", "aws sts get-caller-identity", "pulumi login"]
    ups = [call for call in calls if call["tool"] == "pulumi" and call["args"][0] == "up"]
    # The account program's stack first, from account/ (Lambda variants), then the TapStack.
    assert [Path(call["cwd"]).name for call in ups] == [
        *(["account"] * len(account)),
        project.name,
    ]
    assert ups[-1]["args"][-2:] == ["--stack", "TapStackdev"]
    outputs = project / "cfn-outputs" / "flat-outputs.json"
    assert json.loads(outputs.read_text()) == {}, "the deploy wrote the outputs file"


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_next_steps_screen_works_as_printed_and_agrees_with_the_readme(
    project_copy, bake, variant
):
    project = project_copy(f"{variant}-defaults")
    made_by_generation(project, with_pip=False)  # the screen has no pip step once .venv is made
    screen = next_steps_screen(project, bake(f"{variant}-defaults").context)
    readme = readme_first_steps(project)
    # With .venv made, the screen skips `make install`; the rest is the README's.
    assert [step for step in readme if step not in screen] == ["make install"]
    assert [step for step in screen if step in readme] == readme[1:]

    result, calls = run_in_order(project, [step for step in screen if step not in NOT_RUN_HERE])
    assert result.returncode == 0, result.stdout + result.stderr
    order = order_of_calls(calls)
    assert order.index("pulumi up --yes") < order.index("pulumi destroy --yes")
    assert not (project / "cfn-outputs" / "flat-outputs.json").exists(), "destroyed again"
