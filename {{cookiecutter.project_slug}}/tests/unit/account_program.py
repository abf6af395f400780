"""The account program (account/) under the shared mocks, as scripts/deploy_account.sh runs it:
its own Pulumi project, one stack per account and region. tests/unit/conftest.py declares the
stacks every test reads."""

from __future__ import annotations

from typing import Any

from tests.unit.mocks import ACCOUNT_ID, DEFAULT_REGION, TAP_PROGRAM, Deployment, deploy_program

ACCOUNT_PROGRAM = TAP_PROGRAM.parent / "account" / "__main__.py"
ACCOUNT_PROJECT = "TapAccount"
GITHUB_REPOSITORY = "octo-org/orders-api"
# Another region than the generated one, for the second region's account stack.
OTHER_REGION = "ap-southeast-2" if DEFAULT_REGION != "ap-southeast-2" else "eu-west-1"
# The account's provider as another project's account stack created it.
EXISTING_PROVIDER_ARN = (
    f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/token.actions.githubusercontent.com"
)
# Every piece of the account stack on: the deploy roles and the self-managed backend.
FULL_CONFIG = {
    f"{ACCOUNT_PROJECT}:githubRepository": GITHUB_REPOSITORY,
    f"{ACCOUNT_PROJECT}:selfManagedBackend": "true",
}


def deploy_account(
    region: str, config: dict[str, str] | None = None, **settings: Any
) -> Deployment:
    """account/__main__.py on its stack ``<account id>-<region>``, with stack ``config``."""
    return deploy_program(
        stack=f"{ACCOUNT_ID}-{region}",
        config={"aws:region": region, **(config or {})},
        program_file=ACCOUNT_PROGRAM,
        project=ACCOUNT_PROJECT,
        **settings,
    )
