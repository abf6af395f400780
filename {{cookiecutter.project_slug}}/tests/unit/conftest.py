"""Fixtures shared by the unit tests: the program as declared against offline mocks.

Declaring the stack takes a tenth of a second, so the suite runs tap.py three times, once
each, and every test reads the run it needs: the generated answers, prod, and a pull-request
stack whose every other answer is flipped through its stack config.
"""

import gc
import json

import pytest

from lib.config import DEFAULT_ENABLE_XRAY, DEFAULT_ENVIRONMENT_SUFFIX
from tests.unit.mocks import Deployment, deploy_program

PR_CONFIG = {
    "TapStack:enableXray": "false" if DEFAULT_ENABLE_XRAY else "true",
    "TapStack:alarmEmail": "oncall@example.com",
    "TapStack:tags": json.dumps({"CostCenter": "cc-42"}),
}


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


def pytest_sessionfinish() -> None:
    """Skip collecting a heap the interpreter is about to discard (it takes longer than a test)."""
    gc.freeze()
