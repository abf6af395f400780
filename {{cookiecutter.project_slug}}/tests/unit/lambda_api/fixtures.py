"""Fixtures for every test that calls a handler: a Lambda context, as Powertools' testing guide
fakes it; the stack in each API authentication mode (``auth_stack``); and prod, in cognito,
made ready for a deliberate destroy (``destroyable_prod_stack``).

Loading this module (tests/unit/conftest.py does, before any test module) gives every
Powertools Tracer its stand-in provider (tests/unit/lambda_api/events.py)."""

import pytest

from lib.config import DEFAULT_ENVIRONMENT_SUFFIX
from lib.lambda_api.api_auth import COGNITO, DEFAULT_API_AUTH, MODES
from tests.unit.lambda_api.events import LambdaContext
from tests.unit.mocks import Deployment, deploy_program


@pytest.fixture(scope="session")
def lambda_context() -> LambdaContext:
    """A Lambda context for calling a handler as Lambda would."""
    return LambdaContext()


@pytest.fixture(scope="session")
def stacks_by_mode(stack) -> dict[str, Deployment]:
    """The generated stack in each API authentication mode (config apiAuth); the generated
    answer's mode is the ``stack`` fixture itself."""
    return {
        mode: stack
        if mode == DEFAULT_API_AUTH
        else deploy_program(
            stack=f"TapStack{DEFAULT_ENVIRONMENT_SUFFIX}", config={"TapStack:apiAuth": mode}
        )
        for mode in MODES
    }


@pytest.fixture(scope="session", params=MODES)
def auth_stack(request, stacks_by_mode) -> tuple[str, Deployment]:
    """(mode, the generated stack in that mode), for each mode in turn."""
    return request.param, stacks_by_mode[request.param]


@pytest.fixture(scope="session")
def destroyable_prod_stack() -> Deployment:
    """The prod stack in api_auth cognito after `pulumi config set TapStack:allowDestroy true`
    and `pulumi up`: what a deliberate destroy of prod starts from."""
    return deploy_program(
        stack="TapStackprod",
        config={"TapStack:allowDestroy": "true", "TapStack:apiAuth": COGNITO},
    )


# Deployments beyond the shared ones whose resource types the deploy roles must be able to manage
# (tests/unit/test_deploy_permissions.py): each API authentication mode.
DEPLOY_ROLE_DEPLOYMENTS = ("stacks_by_mode",)
