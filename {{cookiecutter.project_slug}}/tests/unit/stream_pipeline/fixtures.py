"""What the stream pipeline's unit tests add to the shared deployments.

``long_name_stack`` is the one deployment of its own: the whole stack built in code for the
longest project slug, pull request 12345 and a long region name, in api_auth cognito (its user
pool, client and authorizer have names too), with an ingest function that may run longer than
API Gateway waits for it. One run serves the naming tests and the ingest alarm's; neither's
setting touches what the other's tests read.
"""

import pytest

from lib.lambda_api.api_auth import COGNITO
from lib.lambda_api.api_deployment import INTEGRATION_TIMEOUT_SECONDS
from lib.stream_pipeline.tap_stack import TIMEOUT_SECONDS
from tests.unit.mocks import Deployment, deploy_stack

LONGEST_PROJECT = "l" + "o" * 28 + "g"  # 30 characters, the longest slug the template accepts
SUFFIX = "pr12345"
REGION = "ap-southeast-2"
# Longer than API Gateway's integration timeout, which the ingest alarm must still fire before.
LONG_INGEST_TIMEOUT_SECONDS = 2 * INTEGRATION_TIMEOUT_SECONDS


@pytest.fixture(scope="session")
def long_name_stack() -> Deployment:
    """The whole stack for the longest project slug, pull request 12345, in ap-southeast-2, with
    the Cognito user pool, client and authorizer of api_auth cognito, and an ingest timeout of
    LONG_INGEST_TIMEOUT_SECONDS."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(TIMEOUT_SECONDS, "ingest", LONG_INGEST_TIMEOUT_SECONDS)
        return deploy_stack(SUFFIX, REGION, project=LONGEST_PROJECT, api_auth=COGNITO)
