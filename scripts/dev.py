#!/usr/bin/env python3
"""Set up and run the template's development tasks with nothing but Python 3.11+.

    python3 scripts/dev.py sample   # generate a sample project into build/sample
    python3 scripts/dev.py test     # run the template's whole test suite
    python3 scripts/dev.py bench    # time baking and the generated test suites

Each command first makes sure .venv holds requirements-dev.txt (with uv when it can, else pip),
and does nothing more when it already does.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
REQUIREMENTS = ROOT / "requirements-dev.txt"
STAMP = VENV / ".requirements-dev.sha256"


def say(message: str) -> None:
    print(f"dev: {message}", flush=True)


def run(*command: str | Path, **kwargs) -> int:
    return subprocess.run(
        [str(part) for part in command], cwd=ROOT, check=False, **kwargs
    ).returncode


def ensure_venv() -> None:
    """Create .venv and install the pinned dev requirements unless they are already there."""
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if PYTHON.exists() and STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not PYTHON.exists():
        say("creating .venv")
        venv.create(VENV, with_pip=True)
    say("installing requirements-dev.txt into .venv (a minute or two the first time)")
    # uv installs in a fraction of pip's time; it is bootstrapped with pip when missing.
    if not (BIN / "uv").exists() and run(PYTHON, "-m", "pip", "install", "--quiet", "uv") != 0:
        say("could not install uv; using pip")
    if (BIN / "uv").exists():
        code = run(
            BIN / "uv",
            "pip",
            "install",
            "--quiet",
            "--compile-bytecode",
            "--python",
            PYTHON,
            "-r",
            REQUIREMENTS,
        )
    else:
        code = run(PYTHON, "-m", "pip", "install", "--quiet", "-r", REQUIREMENTS)
    if code != 0:
        sys.exit(f"dev: installing {REQUIREMENTS.name} failed (exit status {code})")
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


COMMANDS = {"sample": sample, "test": test, "bench": bench}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        return 2
    ensure_venv()
    return COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
