"""Shape the new project for its variant, prove it works, and say what to do next.

1. Remove every file that belongs to a variant other than the one chosen (one table below).
2. Run the generated unit tests: with this interpreter when it already has what they need,
   else in the project's own .venv (created the way `pulumi new` does). When nothing can be
   installed, keep the project and print what to run later. Failing tests fail generation.
3. Print the next steps.

Running it again on the same project is safe: removals skip what is gone, .venv is reused.
"""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")
VARIANT = ANSWERS["stack_variant"]
PROJECT = Path.cwd()

# Every file or folder that belongs to some variants only, with the variants that keep it.
VARIANT_PATHS = {
    "functions/api": ("serverless-api",),
    "lib/python_function.py": ("serverless-api",),
    "lib/rest_api.py": ("serverless-api",),
    "lib/api_monitoring.py": ("serverless-api",),
    "tests/unit/test_api_handler.py": ("serverless-api",),
    "tests/unit/test_python_function.py": ("serverless-api",),
    "tests/unit/test_rest_api.py": ("serverless-api",),
    "tests/unit/test_api_monitoring.py": ("serverless-api",),
    "tests/integration/test_serverless_api.py": ("serverless-api",),
}

# What the generated unit tests import, by variant.
TEST_MODULES = {
    "serverless-api": ("pulumi", "pulumi_aws", "pytest"),
}


def step(message):
    """One line of progress."""
    print(f"post-gen: {message}", flush=True)


def prune():
    """Remove what the chosen variant does not own."""
    removed = 0
    for relative, owners in VARIANT_PATHS.items():
        path = PROJECT / relative
        if VARIANT in owners or not path.exists():
            continue
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
        removed += 1
    step(f"kept the {VARIANT} files, removed {removed} paths of other variants")


def has_modules(python, modules):
    """Whether ``python`` can import every module in ``modules``."""
    if python == sys.executable:
        return all(importlib.util.find_spec(module) for module in modules)
    probe = "import importlib.util,sys; sys.exit(not all(map(importlib.util.find_spec, sys.argv[1:])))"
    return subprocess.run([python, "-c", probe, *modules], check=False).returncode == 0


def venv_python():
    """The project's own interpreter, ready with its requirements, or None if it cannot be."""
    python = PROJECT / ".venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    requirements = ["-r", "requirements.txt", "-r", "requirements-dev.txt"]
    uv = shutil.which("uv")
    if uv:
        commands = [] if python.exists() else [[uv, "venv", "--quiet", ".venv"]]
        commands.append([uv, "pip", "install", "--quiet", "--python", str(python), *requirements])
    else:
        commands = [] if python.exists() else [[sys.executable, "-m", "venv", ".venv"]]
        commands.append([str(python), "-m", "pip", "install", "--quiet", *requirements])
    step(f"installing the project's requirements into .venv with {'uv' if uv else 'pip'}")
    for command in commands:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            step(f"could not install ({' '.join(command[:3])} failed): {result.stderr.strip()[-300:]}")
            return None
    return str(python)


def run_unit_tests():
    """Run tests/unit; return False only when tests ran and failed."""
    modules = TEST_MODULES[VARIANT]
    if has_modules(sys.executable, modules):
        python = sys.executable
        step("running the unit tests with this interpreter (it has pulumi, pulumi_aws, pytest)")
    else:
        python = venv_python()
        if python is None or not has_modules(python, modules):
            step("skipped the unit tests; once you have network access, run:")
            print("    python -m venv .venv && .venv/bin/pip install -r requirements-dev.txt")
            print("    .venv/bin/python -m pytest tests/unit")
            return True
        step("running the unit tests in .venv")
    result = subprocess.run(
        [python, "-m", "pytest", "tests/unit", "-q"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
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
    """Tell the user how to go from here to a deployed, tested stack."""
    suffix = ANSWERS["environment_suffix"]
    print(
        f"""
Next steps in {PROJECT.name}/:
  pulumi stack select --create {suffix}       # or: export ENVIRONMENT_SUFFIX={suffix}; pipenv run pulumi-create-stack
  pulumi up                                  # deploy (scripts/deploy.sh also writes cfn-outputs/flat-outputs.json)
  python -m pytest tests/unit                # offline unit tests
  python -m pytest tests/integration         # against the deployed stack
  pulumi destroy                             # remove everything again"""
    )


def main():
    """Prune, test, guide."""
    prune()
    if ANSWERS["run_unit_tests"] and not run_unit_tests():
        return 1
    next_steps()
    return 0


if __name__ == "__main__":
    sys.exit(main())
