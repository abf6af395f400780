#!/usr/bin/env python3
"""Time the template on this machine, per variant and for the whole matrix.

For each variant (default answers) it reports the median and spread of RUNS runs of:
  bake        cookiecutter's generate step, in-process, without the post-gen test run
  unit suite  the generated project's unit tests (python -m pytest tests/unit), wall time
  generation  the whole `cookiecutter --no-input` command with its post-gen test run
and, with --matrix, the bake and unit-suite times of every combination in tests/matrix.py.

With --against REV it compares each variant's unit suite with the one the template at git
revision REV generates instead (with --at REV2, the one revision REV2 generates, in place of
this checkout's: what a change between two revisions cost): both are baked once, then run in
turns (the order alternating each round), so a machine that gets busier or quieter slows both
alike. It reports the median wall time of each, the change, and the CPU time (user and system)
the suite used, which other work on a shared machine disturbs less than wall time.

Run it with the dev environment: `python3 scripts/dev.py bench [--runs 5] [--matrix]
[--against REV [--at REV2]]`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cookiecutter.main import cookiecutter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.matrix import MANIFEST, VARIANTS, combinations  # noqa: E402

# The targets every variant shares; each variant's unit-suite target is in variants.toml.
TARGETS = {"bake": 0.4, "generation": 3.5}
TEST_ENV = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


@contextlib.contextmanager
def quiet_hooks():
    """Send what the hooks print (they run as child processes) to /dev/null."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 1)
    try:
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def bake(workdir: Path, answers: dict[str, str]) -> Path:
    output = Path(tempfile.mkdtemp(dir=workdir))
    with quiet_hooks():
        return Path(
            cookiecutter(
                str(ROOT),
                no_input=True,
                output_dir=str(output),
                extra_context={**answers, "run_unit_tests": "no"},
            )
        )


def children_cpu_seconds() -> float:
    """The user and system CPU time of every finished child process so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_unit_suite(project: Path) -> float:
    """Run the project's unit suite; return the CPU seconds it used."""
    cpu = children_cpu_seconds()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/unit", "-q"],
        cwd=project,
        env=TEST_ENV,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"unit tests failed in {project}:\n{result.stdout[-2000:]}")
    return children_cpu_seconds() - cpu


def cookiecutter_cli(template: Path, workdir: Path, answers: dict[str, str]) -> Path:
    """Generate ``template`` with ``answers`` by the cookiecutter command, in a process of its
    own (each template imports its own extensions and manifest module, which one process would
    import only once); the project it made."""
    output = Path(tempfile.mkdtemp(dir=workdir))
    cli = Path(sys.executable).parent / "cookiecutter"
    pairs = [f"{key}={value}" for key, value in answers.items()]
    result = subprocess.run(
        [str(cli), "--no-input", str(template), "-o", str(output), *pairs],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"generating {template} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    (project,) = output.iterdir()
    return project


def generate(workdir: Path, answers: dict[str, str]) -> None:
    """The whole generation, the project's unit-test run included."""
    cookiecutter_cli(ROOT, workdir, answers)


def summary(samples: list[float]) -> str:
    median = statistics.median(samples)
    return f"{median:6.2f} s  (min {min(samples):.2f}, max {max(samples):.2f})"


def measure(
    workdir: Path, answers: dict[str, str], runs: int, whole: bool
) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {"bake": [], "unit suite": []}
    if whole:
        samples["generation"] = []
    for _ in range(runs):
        start = time.perf_counter()
        project = bake(workdir, answers)
        samples["bake"].append(time.perf_counter() - start)
        start = time.perf_counter()
        run_unit_suite(project)
        samples["unit suite"].append(time.perf_counter() - start)
        if whole:
            start = time.perf_counter()
            generate(workdir, answers)
            samples["generation"].append(time.perf_counter() - start)
    return samples


def bake_from(template: Path, workdir: Path, answers: dict[str, str]) -> Path:
    """Bake ``template`` without its test run."""
    return cookiecutter_cli(template, workdir, {**answers, "run_unit_tests": "no"})


def template_at(revision: str, workdir: Path) -> Path:
    """The template as git revision ``revision`` holds it, extracted into ``workdir``."""
    tree = workdir / f"template-{revision}"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", revision],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        sys.exit(f"cannot read revision {revision}: {archive.stderr.decode().strip()}")
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree


def compare(workdir: Path, revision: str, runs: int, at: str | None = None) -> None:
    """Each variant's unit suite here (or at revision ``at``) and at ``revision``, run in
    alternating turns."""
    templates = {at or "here": template_at(at, workdir) if at else ROOT}
    templates[revision] = template_at(revision, workdir)
    print(f"unit suite, {at or 'here'} against {revision}: median wall time, and CPU time\n")
    for variant in VARIANTS:
        projects = {
            name: bake_from(template, workdir, {"stack_variant": variant})
            for name, template in templates.items()
        }
        wall: dict[str, list[float]] = {name: [] for name in projects}
        cpu: dict[str, list[float]] = {name: [] for name in projects}
        for round_number in range(runs):
            order = list(projects) if round_number % 2 == 0 else list(projects)[::-1]
            for name in order:
                start = time.perf_counter()
                cpu[name].append(run_unit_suite(projects[name]))
                wall[name].append(time.perf_counter() - start)
        here, there = (statistics.median(wall[name]) for name in projects)
        cpu_here, cpu_there = (statistics.median(cpu[name]) for name in projects)
        print(variant)
        for name in projects:
            print(f"  {name:<11} {summary(wall[name])}  cpu {statistics.median(cpu[name]):.2f} s")
        print(
            f"  change      wall {100 * (here / there - 1):+.0f}%, "
            f"cpu {100 * (cpu_here / cpu_there - 1):+.0f}%"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--matrix", action="store_true", help="also time every matrix combination")
    parser.add_argument(
        "--against",
        metavar="REV",
        help="instead, compare each unit suite with the one git revision REV generates",
    )
    parser.add_argument(
        "--at",
        metavar="REV2",
        help="with --against, compare what git revision REV2 generates instead of this checkout",
    )
    args = parser.parse_args()
    if args.at and not args.against:
        parser.error("--at needs --against")
    workdir = Path(tempfile.mkdtemp(prefix="tap-bench-"))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, {args.runs} runs each\n")
    if args.against:
        try:
            compare(workdir, args.against, args.runs, args.at)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        return 0
    over_target = []
    try:
        for variant in VARIANTS:
            print(variant)
            for step, samples in measure(
                workdir, {"stack_variant": variant}, args.runs, True
            ).items():
                target = TARGETS.get(step) or MANIFEST.variants[variant].bench_unit_seconds
                median = statistics.median(samples)
                flag = "" if median < target else "  OVER TARGET"
                over_target += [f"{variant} {step}"] if flag else []
                print(f"  {step:<11} {summary(samples)}  target < {target} s{flag}")
        if args.matrix:
            print("\nmatrix (bake / unit suite, medians)")
            for combo_id, answers in sorted(combinations().items()):
                samples = measure(workdir, answers, args.runs, False)
                print(
                    f"  {combo_id:<45} {statistics.median(samples['bake']):5.2f} s"
                    f"  {statistics.median(samples['unit suite']):5.2f} s"
                )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if over_target:
        print(f"\nover target: {', '.join(over_target)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
