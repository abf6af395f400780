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
import tempfile
from pathlib import Path

ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")
VARIANT = ANSWERS["stack_variant"]
PROJECT = Path.cwd()
# Stacks are named TapStack<suffix> (the TAP convention), so stack TapStackdev reads
# Pulumi.TapStackdev.yaml; lib/environment.py and scripts/deploy.sh use the same prefix.
STACK_PREFIX = "TapStack"

# Every file or folder that belongs to some variants only, with the variants that keep it.
VARIANT_PATHS = {
    "functions/api": ("serverless-api",),
    "lib/python_function.py": ("serverless-api", "stream-pipeline"),
    "lib/api_stage.py": ("serverless-api", "stream-pipeline"),
    "lib/api_cors.py": ("serverless-api", "stream-pipeline"),
    "lib/api_deployment.py": ("serverless-api", "stream-pipeline"),
    "lib/rest_api.py": ("serverless-api",),
    "lib/api_monitoring.py": ("serverless-api",),
    "tests/unit/test_api_handler.py": ("serverless-api",),
    "tests/unit/test_python_function.py": ("serverless-api", "stream-pipeline"),
    "tests/unit/test_api_stage.py": ("serverless-api", "stream-pipeline"),
    "tests/unit/test_api_cors.py": ("serverless-api", "stream-pipeline"),
    "tests/unit/test_api_deployment.py": ("serverless-api", "stream-pipeline"),
    "tests/unit/test_rest_api.py": ("serverless-api",),
    "tests/unit/test_api_monitoring.py": ("serverless-api",),
    "tests/integration/test_serverless_api.py": ("serverless-api",),
    # The account program: what exists once per account and region (API Gateway's CloudWatch
    # role); ECS has no API Gateway. The CI deploy role will make it every variant's.
    "account": ("serverless-api", "stream-pipeline"),
    "lib/account_stack.py": ("serverless-api", "stream-pipeline"),
    "lib/api_gateway_logging.py": ("serverless-api", "stream-pipeline"),
    "tests/unit/test_account_stack.py": ("serverless-api", "stream-pipeline"),
    "scripts/deploy_account.sh": ("serverless-api", "stream-pipeline"),
    "functions/ingest": ("stream-pipeline",),
    "functions/processor": ("stream-pipeline",),
    "functions/indexer": ("stream-pipeline",),
    "lib/data_stream.py": ("stream-pipeline",),
    "lib/data_bucket.py": ("stream-pipeline",),
    "lib/private_bucket.py": ("stream-pipeline", "multi-env-ecs"),
    "lib/pipeline_secret.py": ("stream-pipeline",),
    "lib/ingest_api.py": ("stream-pipeline",),
    "lib/stream_processor.py": ("stream-pipeline",),
    "lib/batch_indexer.py": ("stream-pipeline",),
    "lib/pipeline_monitoring.py": ("stream-pipeline",),
    "tests/unit/test_data_stream.py": ("stream-pipeline",),
    "tests/unit/test_data_bucket.py": ("stream-pipeline",),
    "tests/unit/test_pipeline_secret.py": ("stream-pipeline",),
    "tests/unit/test_ingest_api.py": ("stream-pipeline",),
    "tests/unit/test_stream_processor.py": ("stream-pipeline",),
    "tests/unit/test_batch_indexer.py": ("stream-pipeline",),
    "tests/unit/test_pipeline_monitoring.py": ("stream-pipeline",),
    "tests/unit/test_pipeline_access.py": ("stream-pipeline",),
    "tests/unit/test_pipeline_names.py": ("stream-pipeline",),
    "tests/unit/test_ingest_handler.py": ("stream-pipeline",),
    "tests/unit/test_processor_handler.py": ("stream-pipeline",),
    "tests/unit/test_indexer_handler.py": ("stream-pipeline",),
    "tests/integration/test_stream_pipeline.py": ("stream-pipeline",),
    # The Lambda variants' code folder; the ECS service runs a container image instead.
    "functions": ("serverless-api", "stream-pipeline"),
    "lib/address_plan.py": ("multi-env-ecs",),
    "lib/service_config.py": ("multi-env-ecs",),
    "lib/network.py": ("multi-env-ecs",),
    "lib/security_groups.py": ("multi-env-ecs",),
    "lib/load_balancer.py": ("multi-env-ecs",),
    "lib/container_definition.py": ("multi-env-ecs",),
    "lib/ecs_service.py": ("multi-env-ecs",),
    "lib/database.py": ("multi-env-ecs",),
    "lib/peering.py": ("multi-env-ecs",),
    "lib/dns.py": ("multi-env-ecs",),
    "lib/service_monitoring.py": ("multi-env-ecs",),
    "lib/output_writer.py": ("multi-env-ecs",),
    "tests/unit/ecs_stacks.py": ("multi-env-ecs",),
    "tests/unit/test_address_plan.py": ("multi-env-ecs",),
    "tests/unit/test_service_config.py": ("multi-env-ecs",),
    "tests/unit/test_network.py": ("multi-env-ecs",),
    "tests/unit/test_security_groups.py": ("multi-env-ecs",),
    "tests/unit/test_load_balancer.py": ("multi-env-ecs",),
    "tests/unit/test_container_definition.py": ("multi-env-ecs",),
    "tests/unit/test_ecs_service.py": ("multi-env-ecs",),
    "tests/unit/test_database.py": ("multi-env-ecs",),
    "tests/unit/test_peering.py": ("multi-env-ecs",),
    "tests/unit/test_dns.py": ("multi-env-ecs",),
    "tests/unit/test_service_monitoring.py": ("multi-env-ecs",),
    "tests/unit/test_output_writer.py": ("multi-env-ecs",),
    "tests/integration/test_ecs_service.py": ("multi-env-ecs",),
}

# What the generated unit tests import, by variant.
TEST_MODULES = {
    "serverless-api": ("pulumi", "pulumi_aws", "pytest", "aws_lambda_powertools", "pydantic"),
    "stream-pipeline": (
        "pulumi", "pulumi_aws", "pytest", "boto3", "moto", "aws_lambda_powertools", "pydantic"
    ),
    "multi-env-ecs": ("pulumi", "pulumi_aws", "pytest"),
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


def write_stack_files():
    """multi-env-ecs: the config file of stack TapStack<env>, Pulumi.TapStack<env>.yaml, for each
    listed environment and the generated suffix, with the region and the environment's own VPC
    range from lib/address_plan.py."""
    sys.dont_write_bytecode = True  # no __pycache__ left in the new project
    spec = importlib.util.spec_from_file_location("address_plan", PROJECT / "lib/address_plan.py")
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
        step(f"running the unit tests with this interpreter (it has {', '.join(modules)})")
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
    """Tell the user how to go from here to a deployed, tested stack."""
    suffix = ANSWERS["environment_suffix"]
    steps = []
    if (PROJECT / "account").is_dir():
        steps.append(("bash scripts/deploy_account.sh", "once per account and region, first"))
    steps += [
        (f"pulumi stack select --create {STACK_PREFIX}{suffix}", "or: bash scripts/deploy.sh"),
        ("pulumi up", "deploy"),
        ("python scripts/collect_outputs.py", "write cfn-outputs/flat-outputs.json"),
        ("python -m pytest tests/unit", "offline unit tests"),
        ("python -m pytest tests/integration", "against the deployed stack"),
        ("pulumi destroy", "remove everything again"),
    ]
    width = max(len(command) for command, _ in steps) + 2
    print(f"\nNext steps in {PROJECT.name}/:")
    for command, comment in steps:
        print(f"  {command.ljust(width)}# {comment}")


def remove_rendered_copy():
    """Delete this rendered hook, which holds every answer, when it runs from the temp folder.

    Cookiecutter 2.7 renders each hook into a temporary file and never deletes it
    (cookiecutter.hooks.run_script_with_context); a test that imports the hook keeps its copy.
    """
    script = Path(__file__).resolve()
    if script.parent == Path(tempfile.gettempdir()).resolve():
        script.unlink(missing_ok=True)


def main():
    """Prune, test, guide."""
    prune()
    if VARIANT == "multi-env-ecs":
        write_stack_files()
    if ANSWERS["run_unit_tests"] and not run_unit_tests():
        return 1
    next_steps()
    return 0


if __name__ == "__main__":
    remove_rendered_copy()
    sys.exit(main())
