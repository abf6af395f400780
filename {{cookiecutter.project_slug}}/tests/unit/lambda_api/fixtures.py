"""Fixtures for every test that calls a handler: a Lambda context, as Powertools' testing guide
fakes it. Loading this module (tests/unit/conftest.py does, before any test module) gives every
Powertools Tracer its stand-in provider (tests/unit/lambda_api/events.py)."""

import pytest

from tests.unit.lambda_api.events import LambdaContext


@pytest.fixture(scope="session")
def lambda_context() -> LambdaContext:
    """A Lambda context for calling a handler as Lambda would."""
    return LambdaContext()
