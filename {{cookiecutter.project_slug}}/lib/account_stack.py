"""AccountStack: what exists once per AWS account and region, shared by every TapStack there.

The account program (``account/``, Pulumi project ``TapAccount``) declares it, one stack per
account and region, named ``<account id>-<region>``. It composes:

- what each folder of lib/ adds, found by folder (lib/parts.py): a folder's ``account.py``
  declares its pieces (the Lambda variants' API Gateway CloudWatch role);
- with config ``githubRepository``: the deploy roles GitHub Actions assumes by OIDC, and the
  account's GitHub OIDC provider unless config ``githubOidcProviderArn`` names the existing one
  (lib/github_deploy.py);
- with config ``selfManagedBackend: true``: the S3 state bucket and the KMS key for Pulumi's
  secrets (lib/state_backend.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from lib import deploy_permissions, parts
from lib.config import ProjectSettings
from lib.context import StackContext
from lib.environment import ConfigurationError
from lib.github_deploy import (
    OIDC_PROVIDER_ARN,
    REPOSITORY,
    REPOSITORY_RULE,
    GitHubDeploy,
    GitHubDeployArgs,
)
from lib.state_backend import StateBackend

# Stands for the environment suffix in the account stack's names and Environment tag: what it
# declares belongs to every environment of the account and region, so no suffix may rename it.
ACCOUNT_ENVIRONMENT = "account"


@dataclass(frozen=True)
class AccountStackArgs(ProjectSettings):
    """The shared settings (region, owner, tags), always for the ``account`` environment, and
    what the account stack declares beyond the folders' pieces."""

    environment_suffix: str = ACCOUNT_ENVIRONMENT
    # owner/name of the GitHub repository whose workflows deploy; empty: no deploy roles.
    github_repository: str = ""
    # The account's existing GitHub OIDC provider, to adopt instead of creating one.
    github_oidc_provider_arn: str = ""
    self_managed_backend: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.github_repository and not REPOSITORY.fullmatch(self.github_repository):
            raise ConfigurationError(
                f"config githubRepository {self.github_repository!r} must be {REPOSITORY_RULE}"
            )
        if self.github_oidc_provider_arn:
            if not OIDC_PROVIDER_ARN.fullmatch(self.github_oidc_provider_arn):
                raise ConfigurationError(
                    f"config githubOidcProviderArn {self.github_oidc_provider_arn!r} must be the "
                    "ARN of the account's token.actions.githubusercontent.com provider"
                )
            if not self.github_repository:
                raise ConfigurationError(
                    "config githubOidcProviderArn needs githubRepository: only deploy roles use it"
                )

    @classmethod
    def environment_suffix_from_config(
        cls, config: pulumi.Config, environ: Mapping[str, str]
    ) -> str:
        """Always ``account``: ENVIRONMENT_SUFFIX and the stack name must not rename anything."""
        del config, environ
        return ACCOUNT_ENVIRONMENT

    @classmethod
    def variant_settings_from_config(cls, config: pulumi.Config) -> dict[str, Any]:
        """The GitHub repository, an existing OIDC provider, and the self-managed backend."""
        backend = config.get("selfManagedBackend")
        if backend not in (None, "true", "false"):
            raise ConfigurationError(f"config selfManagedBackend {backend!r} must be true or false")
        return {
            "github_repository": config.get("githubRepository") or "",
            "github_oidc_provider_arn": config.get("githubOidcProviderArn") or "",
            "self_managed_backend": backend == "true",
        }


class AccountStack(pulumi.ComponentResource):
    """The account's and region's shared pieces; ``outputs`` are the stack's outputs."""

    def __init__(
        self, name: str, args: AccountStackArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tap:account:AccountStack", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        ctx = StackContext.for_deployment(args)

        self.outputs: dict[str, pulumi.Input] = {}
        for piece in parts.modules("account"):
            self.outputs |= piece.declare(name, ctx, child)

        state = None
        if args.self_managed_backend:
            state = StateBackend(f"{name}-state-backend", ctx, opts=child)
            self.outputs |= {
                "stateBucketName": state.bucket_name,
                "backendUrl": state.backend_url,
                "secretsProviderUrl": state.secrets_provider_url,
            }
        if args.github_repository:
            github = GitHubDeploy(
                f"{name}-github-deploy",
                ctx,
                GitHubDeployArgs(
                    repository=args.github_repository,
                    existing_provider_arn=args.github_oidc_provider_arn,
                    state=state,
                ),
                deploy_permissions.load(),
                opts=child,
            )
            self.outputs |= {
                "githubDeployRoleArn": github.deploy_role.arn,
                "githubProdDeployRoleArn": github.prod_deploy_role.arn,
            }
        self.register_outputs(self.outputs)
