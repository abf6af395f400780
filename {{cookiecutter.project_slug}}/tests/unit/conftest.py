"""Fixtures shared by the unit tests: the program as declared against offline mocks.

Each run of tap.py takes about 0.15 s, so the suite declares each stack configuration
once, and every test reads the run it needs: the generated answers, prod, and a pull-request
stack whose every other answer is flipped through its stack config, with its region given only
by AWS_REGION (no aws:region config).

Each folder of this suite may add fixtures in its fixtures.py and stack config for the
pull-request stack in its PULL_REQUEST_CONFIG (tests/unit/parts.py).
"""

import gc
import json

import pulumi
import pytest

from lib.config import DEFAULT_ENABLE_XRAY, DEFAULT_ENVIRONMENT_SUFFIX
from tests.unit import parts
from tests.unit.account_program import (
    ACCOUNT_PROJECT,
    EXISTING_PROVIDER_ARN,
    FULL_CONFIG,
    GITHUB_REPOSITORY,
    OTHER_REGION,
    deploy_account,
)
from tests.unit.mocks import (
    DEFAULT_REGION,
    ENVIRONMENT_REGION,
    Deployment,
    RecordingMocks,
    deploy_program,
)

pytest_plugins = parts.module_names("fixtures")

# The generated AWS classes and every declared resource make a large heap that lives until the
# end; walking it over and over costs more than the tests. This short run collects no cycles.
gc.disable()

PR_CONFIG = {
    "TapStack:enableXray": "false" if DEFAULT_ENABLE_XRAY else "true",
    "TapStack:alarmEmail": "oncall@example.com",
    "TapStack:tags": json.dumps({"CostCenter": "cc-42"}),
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
    """tap.py for pull request 12345 (from ENVIRONMENT_SUFFIX), every other answer flipped,
    with the config each folder's fixtures.py adds, and no aws:region config: the provider's
    region is AWS_REGION's, ENVIRONMENT_REGION."""
    config = dict(PR_CONFIG)
    for fixtures in parts.modules("fixtures"):
        config |= getattr(fixtures, "PULL_REQUEST_CONFIG", {})
    return deploy_program(
        stack="TapStackpr12345",
        environ={"ENVIRONMENT_SUFFIX": "pr12345", "AWS_REGION": ENVIRONMENT_REGION},
        config=config,
        region=None,
    )


@pytest.fixture(scope="session")
def account_stack() -> Deployment:
    """The account program in the generated region with every piece on: the deploy roles of
    GITHUB_REPOSITORY (and the OIDC provider they trust) and the self-managed backend."""
    return deploy_account(DEFAULT_REGION, FULL_CONFIG)


@pytest.fixture(scope="session")
def adopting_account_stack() -> Deployment:
    """The account program of another region, run from a pull request's pipeline
    (ENVIRONMENT_SUFFIX=pr42): deploy roles trusting the account's existing OIDC provider, no
    self-managed backend."""
    return deploy_account(
        OTHER_REGION,
        {
            f"{ACCOUNT_PROJECT}:githubRepository": GITHUB_REPOSITORY,
            f"{ACCOUNT_PROJECT}:githubOidcProviderArn": EXISTING_PROVIDER_ARN,
        },
        environ={"ENVIRONMENT_SUFFIX": "pr42"},
    )


@pytest.fixture(scope="session")
def bare_account_stack() -> Deployment:
    """The account program with no config: only what the project's folders add to it."""
    return deploy_account(DEFAULT_REGION)


@pytest.fixture(scope="session", params=["stack", "pr_stack"])
def each_stack(request) -> Deployment:
    """The default stack and the pull-request stack, in turn."""
    return request.getfixturevalue(request.param)


def pytest_sessionfinish() -> None:
    """Skip collecting a heap the interpreter is about to discard (it takes longer than a test)."""
    gc.freeze()
