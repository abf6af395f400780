#!/usr/bin/env python3
"""Set up and run the template's development tasks with nothing but Python 3.11+.

    python3 scripts/dev.py sample   # generate a sample project into build/sample
    python3 scripts/dev.py test     # run the template's whole test suite
    python3 scripts/dev.py bench    # time baking and the generated test suites
    python3 scripts/dev.py lock     # re-resolve requirements-dev.lock and each variant's lock

Each command first makes sure .venv holds requirements-dev.lock, the exact versions (and their
hashes) that requirements-dev.txt resolves to, with uv when it can, else pip, and does nothing
more when it already does.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
REQUIREMENTS = ROOT / "requirements-dev.txt"
LOCK = ROOT / "requirements-dev.lock"
STAMP = VENV / ".requirements-dev.sha256"


def say(message: str) -> None:
    print(f"dev: {message}", flush=True)


def run(*command: str | Path, **kwargs) -> int:
    return subprocess.run(
        [str(part) for part in command], cwd=ROOT, check=False, **kwargs
    ).returncode


def ensure_venv() -> None:
    """Create .venv and install the locked dev requirements unless they are already there."""
    wanted = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    if PYTHON.exists() and STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not PYTHON.exists():
        say("creating .venv")
        venv.create(VENV, with_pip=True)
    say("installing requirements-dev.lock into .venv (a minute or two the first time)")
    # uv installs in a fraction of pip's time; it is bootstrapped with pip, at the locked release.
    uv_pin = re.search(r"^uv==\S+", LOCK.read_text(), re.M)
    if not (BIN / "uv").exists() and run(PYTHON, "-m", "pip", "install", "--quiet", uv_pin[0]):
        say("could not install uv; using pip")
    # Hash-checking mode: every requirement is pinned and each download must match a hash.
    locked = ("--require-hashes", "-r", LOCK)
    if (BIN / "uv").exists():
        code = run(
            BIN / "uv", "pip", "install", "--quiet", "--compile-bytecode", "--python", PYTHON,
            *locked,
        )  # fmt: skip
    else:
        code = run(PYTHON, "-m", "pip", "install", "--quiet", *locked)
    if code != 0:
        sys.exit(f"dev: installing {LOCK.name} failed (exit status {code})")
    STAMP.write_text(wanted)


def sample(args: list[str]) -> int:
    """Generate a sample project with the default answers (plus any key=value given)."""
    output = ROOT / "build" / "sample"
    output.mkdir(parents=True, exist_ok=True)
    say(f"generating a sample project into {output.relative_to(ROOT)}/")
    return run(
        BIN / "cookiecutter", "--no-input", "--overwrite-if-exists", ".", "-o", output, *args
    )


def test(args: list[str]) -> int:
    """Run the template's test suite in parallel."""
    return run(PYTHON, "-m", "pytest", "tests", "-n", "auto", *args)


def bench(args: list[str]) -> int:
    """Run the benchmark."""
    return run(PYTHON, ROOT / "scripts" / "bench.py", *args)


def lock(args: list[str]) -> int:
    """Re-resolve requirements-dev.lock from requirements-dev.txt (``args`` go to uv, e.g.
    ``--upgrade-package boto3``), then each variant's project lock under it.

    A variant's lock (templates/<variant>/requirements-dev.lock, which the generated
    requirements-dev.lock includes) is made by the generated project's own ``make lock``, in a
    fresh bake of the variant, so the project re-locks with the same command. It starts from
    the template's lock, whose pins uv keeps wherever they satisfy the project's requirements:
    the project gets the versions the post-generation fast path tests it with (the template's
    .venv), and an unchanged input gives an unchanged lock.
    """
    say("resolving requirements-dev.txt into requirements-dev.lock")
    code = run(
        BIN / "uv", "pip", "compile", "--quiet", "--universal", "--generate-hashes",
        "--python-version", "3.11", "--custom-compile-command", "python3 scripts/dev.py lock",
        *args, REQUIREMENTS, "-o", LOCK,
    )  # fmt: skip
    if code != 0:
        return code
    ensure_venv()
    for variant in variant_names():
        target = ROOT / "templates" / variant / "requirements-dev.lock"
        target.touch()  # a new variant's: the generated requirements-dev.lock includes it
        with tempfile.TemporaryDirectory() as temp:
            code = run(
                BIN / "cookiecutter", "--no-input", ".", "-o", temp,
                f"stack_variant={variant}", "run_unit_tests=no",
                stdout=subprocess.DEVNULL,
            )  # fmt: skip
            if code != 0:
                return code
            (project,) = Path(temp).iterdir()
            shutil.copyfile(LOCK, project / "requirements-dev.lock")
            say(f"resolving {variant}'s requirements-dev.txt (make lock in a fresh bake)")
            code = run("make", "-C", project, "--no-print-directory", "lock", f"VENV={VENV}")
            if code != 0:
                return code
            shutil.copyfile(project / "requirements-dev.lock", target)
    return 0


def variant_names() -> list[str]:
    """The variants of variants.toml, in its order (read here with the standard library:
    variant_manifest.py needs Jinja, which this script's own interpreter may lack)."""
    return list(tomllib.loads((ROOT / "variants.toml").read_text())["variants"])


COMMANDS = {"sample": sample, "test": test, "bench": bench, "lock": lock}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        return 2
    ensure_venv()
    return COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
