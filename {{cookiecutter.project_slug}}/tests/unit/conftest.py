"""Fixtures shared by the unit tests: the program as declared against offline mocks.

Declaring the stack takes a tenth of a second, so the suite runs tap.py three times, once
each, and every test reads the run it needs: the generated answers, prod, and a pull-request
stack whose every other answer is flipped through its stack config.
{%- if cookiecutter.stack_variant == "multi-env-ecs" %}
tests/unit/ecs_stacks.py gives the pull-request stack a domain and a peer, adds a staging
deployment with every other optional setting, and points the outputs file the stack writes
after a deployment into a temporary folder.
{%- endif %}
"""

import gc
import json
{%- if cookiecutter.stack_variant in ["serverless-api", "stream-pipeline"] %}
from dataclasses import dataclass
{%- endif %}

import pulumi
import pytest

from lib.config import DEFAULT_ENABLE_XRAY, DEFAULT_ENVIRONMENT_SUFFIX
{%- if cookiecutter.stack_variant == "multi-env-ecs" %}
from tests.unit.ecs_stacks import (  # noqa: F401 - fixtures, found by name
    PULL_REQUEST_CONFIG,
    flat_outputs_file,
    paired_prod_stack,
    staging_stack,
)
{%- endif %}
from tests.unit.mocks import DEFAULT_REGION, Deployment, RecordingMocks, deploy_program

# The generated AWS classes and every declared resource make a large heap that lives until the
# end; walking it over and over costs more than the tests. This short run collects no cycles.
gc.disable()

PR_CONFIG = {
    "TapStack:enableXray": "false" if DEFAULT_ENABLE_XRAY else "true",
    "TapStack:alarmEmail": "oncall@example.com",
    "TapStack:tags": json.dumps({"CostCenter": "cc-42"}),
{%- if cookiecutter.stack_variant == "multi-env-ecs" %}
    **PULL_REQUEST_CONFIG,
{%- endif %}
}


@pytest.fixture(scope="session", autouse=True)
def provider() -> None:
    """The mocked provider, for TapStackArgs built in code, which asks it for the region."""
    pulumi.runtime.set_all_config({"aws:region": DEFAULT_REGION})
    pulumi.runtime.set_mocks(RecordingMocks(), project="TapStack", stack="dev", preview=False)


@pytest.fixture(scope="session")
def stack() -> Deployment:
    """tap.py on the stack named at generation, with no config: the generated answers."""
    return deploy_program(stack=f"TapStack{DEFAULT_ENVIRONMENT_SUFFIX}")


@pytest.fixture(scope="session")
def prod_stack() -> Deployment:
    """tap.py on the prod stack."""
    return deploy_program(stack="TapStackprod")


@pytest.fixture(scope="session")
def pr_stack() -> Deployment:
    """tap.py for pull request 12345 (from ENVIRONMENT_SUFFIX), every other answer flipped."""
    return deploy_program(
        stack="TapStackpr12345", environ={"ENVIRONMENT_SUFFIX": "pr12345"}, config=PR_CONFIG
    )


@pytest.fixture(scope="session", params=["stack", "pr_stack"])
def each_stack(request) -> Deployment:
    """The default stack and the pull-request stack, in turn."""
    return request.getfixturevalue(request.param)


{%- if cookiecutter.stack_variant in ["serverless-api", "stream-pipeline"] %}


@dataclass
class LambdaContext:
    """What Lambda's context object holds for Powertools, as Powertools' testing guide fakes it."""

    function_name: str = "test-function"
    memory_limit_in_mb: int = 128
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    aws_request_id: str = "52fdfc07-2182-154f-163f-5f0f9a621d72"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture(scope="session")
def lambda_context() -> LambdaContext:
    """A Lambda context for calling a handler as Lambda would."""
    return LambdaContext()
{%- endif %}


def pytest_sessionfinish() -> None:
    """Skip collecting a heap the interpreter is about to discard (it takes longer than a test)."""
    gc.freeze()
