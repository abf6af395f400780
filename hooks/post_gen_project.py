"""Shape the new project for its variant, prove it works, and say what to do next.

1. Remove every path that variants.toml gives to a variant or part the chosen variant does not
   keep, and the folders that leaves empty; then the paths an answer leaves out (variants.toml
   [removed_by]: ci=none drops .github).
2. Run the generated unit tests: with this interpreter when it already has what they need,
   else in the project's own .venv (created the way `pulumi new` does). When nothing can be
   installed, keep the project and print what to run later. Failing tests fail generation.
3. Print the next steps (the generated README's first section, in the same order).

A render cruft makes for `cruft diff` or `cruft update` (rendered_for_cruft) stops after step 1.
Running it again on the same project is safe: removals skip what is gone, .venv is reused.
"""

import contextlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ANSWERS = json.loads(
    r"""{{ cookiecutter | tojson }}"""  # noqa: E501  # pylint: disable=line-too-long
)
VARIANT = ANSWERS["stack_variant"]
PROJECT = Path.cwd()
# The template's variant manifest, variants.toml (see ManifestGlobals in variant_manifest.py):
# what each variant and shared part owns and needs.
MANIFEST = json.loads(
    r"""{{ manifest_json }}"""  # noqa: E501  # pylint: disable=line-too-long
)
CHOSEN = MANIFEST["variants"][VARIANT]
# [shared] is what every variant keeps beyond its entries (it owns no path).
KEPT = [
    {"owns": [], **MANIFEST.get("shared", {})},
    CHOSEN,
    *(MANIFEST["parts"][name] for name in CHOSEN.get("parts", ())),
]
# Stacks are named TapStack<suffix> (the TAP convention), so stack TapStackdev reads
# Pulumi.TapStackdev.yaml; lib/environment.py and scripts/deploy.sh use the same prefix.
STACK_PREFIX = "TapStack"
# What every variant's unit tests import, and what the chosen variant's own need on top.
TEST_MODULES = (
    "pulumi",
    "pulumi_aws",
    "pulumi_policy",
    "pytest",
    *(module for entry in KEPT for module in entry.get("imports", ())),
)


def step(message):
    """One line of progress."""
    print(f"post-gen: {message}", flush=True)


def owned_elsewhere():
    """The paths owned by a variant or part the chosen variant does not keep."""
    kept = {path for entry in KEPT for path in entry["owns"]}
    entries = [*MANIFEST["variants"].values(), *MANIFEST["parts"].values()]
    return sorted({path for entry in entries for path in entry["owns"]} - kept)


def left_out_by_answers():
    """The paths the answers leave out, each with the answer that does (variants.toml
    [removed_by]: answer, then value, then paths)."""
    return {
        path: f"{answer}={ANSWERS[answer]}"
        for answer, by_value in MANIFEST.get("removed_by", {}).items()
        for path in by_value.get(str(ANSWERS[answer]), ())
    }


def remove(relative):
    """Remove ``relative`` (a file or a folder) and the folders that leaves empty; return
    whether there was anything to remove."""
    path = PROJECT / relative
    if not path.exists():
        return False
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()
    for folder in path.parents:
        if folder == PROJECT or any(folder.iterdir()):
            break
        folder.rmdir()
    return True


def prune():
    """Remove what the chosen variant does not keep, then what the answers leave out."""
    removed = sum(map(remove, owned_elsewhere()))
    step(f"kept the {VARIANT} files, removed {removed} paths of other variants")
    for relative, answer in left_out_by_answers().items():
        if remove(relative):
            step(f"left out {relative} ({answer})")


def write_stack_files():
    """multi-env-ecs: the config file of stack TapStack<env>, Pulumi.TapStack<env>.yaml, for each
    listed environment and the generated suffix, with the region and the environment's own VPC
    range from lib/multi_env_ecs/address_plan.py."""
    sys.dont_write_bytecode = True  # no __pycache__ left in the new project
    spec = importlib.util.spec_from_file_location(
        "address_plan", PROJECT / "lib/multi_env_ecs/address_plan.py"
    )
    plan = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plan)
    listed = [name.strip() for name in ANSWERS["environments"].split(",")]
    for suffix in dict.fromkeys([*listed, ANSWERS["environment_suffix"]]):
        (PROJECT / f"Pulumi.{STACK_PREFIX}{suffix}.yaml").write_text(
            "config:\n"
            f"  aws:region: {ANSWERS['aws_region']}\n"
            f"  TapStack:environmentSuffix: {suffix}\n"
            f"  TapStack:vpcCidr: {plan.vpc_cidr_for(suffix)}\n"
        )
    step(f"wrote the stack files of {', '.join(listed)}")


def has_modules(python, modules):
    """Whether ``python`` can import every module in ``modules``."""
    if python == sys.executable:
        return all(importlib.util.find_spec(module) for module in modules)
    probe = "import importlib.util as u,sys; sys.exit(not all(map(u.find_spec, sys.argv[1:])))"
    return subprocess.run([python, "-c", probe, *modules], check=False).returncode == 0


def venv_python():
    """The project's own interpreter, ready with its locked requirements, or None if it cannot be.

    It installs requirements-dev.lock as `make install` does: every version exact, every file
    checked against its hash (--require-hashes). Each step prints one line first, then the
    installer's own progress (uv's or pip's), so the minute pulumi-aws takes is never silent.
    """
    python = PROJECT / ".venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    locked = ["--require-hashes", "-r", "requirements-dev.lock"]
    uv = shutil.which("uv")
    if uv:
        step("installing into .venv with uv (found on PATH)")
        create = [uv, "venv", "--seed", "--python", sys.executable, ".venv"]
        install = [uv, "pip", "install", "--python", str(python), *locked]
    else:
        step("installing into .venv with pip (uv is not on PATH; with uv this takes seconds)")
        create = [sys.executable, "-m", "venv", ".venv"]
        install = [str(python), "-m", "pip", "install", "--progress-bar", "on", *locked]
    steps = [] if python.exists() else [("creating .venv", create)]
    steps.append(("installing requirements-dev.lock (about a minute)", install))
    for label, command in steps:
        step(f"{label}: {' '.join([Path(command[0]).name, *command[1:]])}")
        if subprocess.run(command, check=False).returncode != 0:
            step(f"could not install ({Path(command[0]).name} failed, output above)")
            return None
    return str(python)


def run_unit_tests():
    """Run tests/unit; return False only when tests ran and failed."""
    modules = TEST_MODULES
    if has_modules(sys.executable, modules):
        python = sys.executable
        step(f"running the unit tests with this interpreter (it has {', '.join(modules)})")
    else:
        python = venv_python()
        if python is None or not has_modules(python, modules):
            step("skipped the unit tests; once you have network access, run:")
            print("    make install        # .venv from requirements-dev.lock")
            print("    make test-py-unit   # .venv/bin/python -m pytest tests/unit, with coverage")
            return True
        step("running the unit tests in .venv")
    result = subprocess.run(
        [python, "-m", "pytest", "tests/unit", "-q"],
        capture_output=True,
        text=True,
        # No bytecode in the new project; no third-party pytest plugins: the suite needs none.
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        check=False,
    )
    if result.returncode != 0:
        print(result.stdout[-6000:], result.stderr[-2000:], sep="\n", file=sys.stderr)
        print("error: the generated unit tests failed (output above)", file=sys.stderr)
        return False
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "no output"
    step(f"unit tests: {summary}")
    return True


def next_steps():
    """Tell the user how to go from here to a deployed stack, in the order the README's first
    section gives: the project's .venv, the prerequisites, the once-only steps, the deploy."""
    activate = r".venv\Scripts\activate" if os.name == "nt" else "source .venv/bin/activate"
    steps = []
    if not (PROJECT / ".venv").exists():
        steps.append(("make install", ".venv from requirements-dev.lock (uv on PATH: seconds)"))
    steps.append((activate, "in every new shell"))
    steps += [
        (
            "pulumi version",
            "needs the Pulumi CLI: https://www.pulumi.com/docs/iac/download-install/",
        ),
        ("aws sts get-caller-identity", "needs AWS credentials for the account to deploy to"),
        ("pulumi login", "the state backend: Pulumi Cloud, or pulumi login s3://<bucket>"),
        *((first["run"], first["why"]) for entry in KEPT for first in entry.get("first_steps", ())),
        (
            "bash scripts/deploy.sh",
            f"deploys {STACK_PREFIX}{ANSWERS['environment_suffix']}, "
            "writes cfn-outputs/flat-outputs.json",
        ),
        ("python -m pytest tests/integration", "against the deployed stack"),
        ("bash scripts/destroy.sh", "removes it again"),
    ]
    width = max(len(command) for command, _ in steps) + 2
    print(f"\nNext steps in {PROJECT.name}/ (the README's first section explains each):")
    for command, comment in steps:
        print(f"  {command.ljust(width)}# {comment}")


def rendered_for_cruft():
    """Whether cruft renders this template to compare with or update a project (cruft diff,
    cruft update), rather than anyone generating a project.

    Two signals, both from cruft 2.16's source: every context cruft renders with carries
    ``_commit`` (cruft/_commands/utils/cookiecutter.py, generate_cookiecutter_context), which
    cookiecutter itself never sets; and diff and update render into a fresh
    ``tempfile.TemporaryDirectory()`` (utils/generate.py _generate_output, through
    utils/iohelper.py AltTemporaryDirectory), so the project is ``<temp dir>/tmpXXXX/<slug>``.
    ``cruft create`` carries ``_commit`` too but renders where the user asked. Such a render is
    thrown away once compared, so it must not build .venv or run tests: their files would show
    up in the diff and be patched into the project's own .venv.
    """
    parent = PROJECT.resolve().parent
    in_cruft_temp = parent.parent == Path(tempfile.gettempdir()).resolve()
    return "_commit" in ANSWERS and in_cruft_temp and parent.name.startswith("tmp")


def remove_rendered_copy():
    """Delete this rendered hook, which holds every answer, when it runs from the temp folder.

    Cookiecutter 2.7 renders each hook into a temporary file and never deletes it
    (cookiecutter.hooks.run_script_with_context); a test that imports the hook keeps its copy.
    """
    script = Path(__file__).resolve()
    if script.parent == Path(tempfile.gettempdir()).resolve():
        script.unlink(missing_ok=True)


def shape():
    """Keep the chosen variant's files; write the stack files it needs."""
    prune()
    if CHOSEN.get("stack_file_per_environment"):
        write_stack_files()


def main():
    """Prune, test, guide."""
    if rendered_for_cruft():
        # `cruft diff` writes a patch on stdout (cruft diff | git apply): progress to stderr.
        with contextlib.redirect_stdout(sys.stderr):
            shape()
            step("rendered by cruft for a diff or an update: no .venv, no test run")
        return 0
    shape()
    if ANSWERS["run_unit_tests"] and not run_unit_tests():
        return 1
    next_steps()
    return 0


if __name__ == "__main__":
    remove_rendered_copy()
    sys.exit(main())
