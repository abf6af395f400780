"""The roles GitHub Actions deploys this project with, by OpenID Connect: no stored keys.

``aws-actions/configure-aws-credentials`` with ``role-to-assume`` exchanges the workflow's OIDC
token for the role's credentials. The trust policy admits only this repository's tokens for STS
(``aud``) and only the subjects the workflows use (``sub``, compared whole: no wildcards): the
deploy role for pull requests, pushes to main and the dev and staging environments, the prod
deploy role for the ``prod`` environment alone, which GitHub puts behind its reviewers.

Both roles get the same permissions, built from the ``deploy_actions.toml`` of every folder the
project kept (lib/deploy_permissions.py), plus iam:PassRole for the project's roles to the
services that use them, and access to the state bucket and secrets key when the account stack
holds them. Their own policy denies every IAM, S3 and KMS action they are granted on the
account stack's roles, state bucket and state key: a deploy role cannot widen itself or delete
the state. The (non-prod) deploy role is also denied every change to what is tagged, or being
tagged, ``Environment: prod`` and the prod stack's state: only the prod role changes prod.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_aws import iam

from lib.context import StackContext
from lib.deploy_permissions import DeployPermissions
from lib.environment import STACK_PREFIX
from lib.iam import policy_body, policy_document, statement
from lib.state_backend import StateBackend

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_OIDC_URL = f"https://{GITHUB_OIDC_HOST}"
# The audience configure-aws-credentials asks GitHub for.
STS_AUDIENCE = "sts.amazonaws.com"
# The subjects of the tokens GitHub issues to this repository's workflows
# (docs.github.com, "OpenID Connect reference": repo:<owner>/<repo>:<context>).
DEPLOY_SUBJECTS = (
    "pull_request",
    "ref:refs/heads/main",
    "environment:dev",
    "environment:staging",
)
PROD_SUBJECTS = ("environment:prod",)
# An hour covers a deploy, its integration tests and a destroy; the least IAM allows a role.
MAX_SESSION_SECONDS = 3600
# IAM's limit on a managed policy document, counted without whitespace (IAM quotas).
MANAGED_POLICY_MAX_CHARACTERS = 6144
# owner/name as GitHub spells them: owners letters, digits and hyphens; names also . and _.
REPOSITORY = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")
REPOSITORY_RULE = (
    "owner/name, as GitHub spells them (letters, digits, '-', and '.' '_' in the name)"
)
OIDC_PROVIDER_ARN = re.compile(
    r"arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/" + re.escape(GITHUB_OIDC_HOST)
)


def subjects(repository: str, contexts: Sequence[str]) -> list[str]:
    """The ``sub`` claims of ``repository``'s tokens in each of ``contexts``."""
    return [f"repo:{repository}:{context}" for context in contexts]


def trust_policy(provider_arn: pulumi.Input[str], claims: Sequence[str]) -> pulumi.Output[str]:
    """A trust policy admitting GitHub's tokens for STS whose subject is one of ``claims``."""
    return policy_document(
        [
            statement(
                "GitHubActionsOfTheRepository",
                ["sts:AssumeRoleWithWebIdentity"],
                principal={"Federated": provider_arn},
                condition={
                    "StringEquals": {
                        f"{GITHUB_OIDC_HOST}:aud": STS_AUDIENCE,
                        f"{GITHUB_OIDC_HOST}:sub": list(claims),
                    }
                },
            )
        ]
    )


def document_size(statements: Sequence[dict[str, Any]]) -> int:
    """How many characters IAM counts in a policy of ``statements`` (whitespace left out)."""
    return len(json.dumps(policy_body(statements), separators=(",", ":")))


def split_into_policies(
    statements: Sequence[dict[str, Any]], limit: int = MANAGED_POLICY_MAX_CHARACTERS
) -> list[list[dict[str, Any]]]:
    """``statements`` in order, in as few documents as fit IAM's size ``limit`` each."""
    documents: list[list[dict[str, Any]]] = [[]]
    for item in statements:
        if document_size([item]) > limit:
            raise ValueError(f"statement {item['Sid']} alone exceeds {limit} characters")
        if documents[-1] and document_size([*documents[-1], item]) > limit:
            documents.append([])
        documents[-1].append(item)
    return documents


@dataclass(frozen=True)
class GitHubDeployArgs:
    """The repository whose workflows deploy, and what the account already has."""

    repository: str
    # The account's GitHub OIDC provider when it exists already (IAM holds one per URL and
    # account); empty: this stack creates it.
    existing_provider_arn: str = ""
    state: StateBackend | None = None


class GitHubDeploy(pulumi.ComponentResource):
    """GitHub's OIDC provider (or the account's existing one) and the two deploy roles."""

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        args: GitHubDeployArgs,
        permissions: DeployPermissions,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:account:GitHubDeploy", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.provider_arn: pulumi.Output[str]
        if args.existing_provider_arn:
            # Adopted, not imported: this stack never changes or deletes another's provider.
            self.provider_arn = pulumi.Output.from_input(args.existing_provider_arn)
        else:
            # No thumbprint: IAM verifies GitHub's certificate against its library of trusted
            # CAs and ignores thumbprints for this provider (aws-actions/configure-aws-
            # credentials#763), and CreateOpenIDConnectProvider fetches one when none is given.
            provider = iam.OpenIdConnectProvider(
                f"{name}-oidc-provider",
                url=GITHUB_OIDC_URL,
                client_id_lists=[STS_AUDIENCE],
                tags=ctx.tags,
                opts=child,
            )
            self.provider_arn = provider.arn

        self.deploy_role = self._role(
            f"{name}-role", ctx, "github-deploy", subjects(args.repository, DEPLOY_SUBJECTS)
        )
        self.prod_deploy_role = self._role(
            f"{name}-prod-role", ctx, "github-deploy-prod", subjects(args.repository, PROD_SUBJECTS)
        )
        roles = {f"{name}-role": self.deploy_role, f"{name}-prod-role": self.prod_deploy_role}

        statements = [
            *permissions.statements(deploy_values(ctx)),
            *pass_role_statements(ctx, permissions),
        ]
        self._attach_policies(f"{name}-policy", ctx, "github-deploy", statements, roles)
        # Only the prod role may change prod.
        self._attach_policies(
            f"{name}-prod-guard",
            ctx,
            "github-deploy-prod-guard",
            prod_guard(permissions, args.state),
            {f"{name}-role": self.deploy_role},
        )
        # The guards and the state's access name the state key, known only once it exists, so
        # they are each role's inline policy.
        for role_name, role in roles.items():
            iam.RolePolicy(
                f"{role_name}-account-stack",
                name=ctx.namer.name("iam_policy", "github-deploy-account-stack"),
                role=role.id,
                policy=policy_document(
                    [
                        own_resources_guard(ctx, permissions, args.state),
                        *(state_access(args.state) if args.state is not None else []),
                    ]
                ),
                opts=child,
            )

        self.register_outputs(
            {
                "provider_arn": self.provider_arn,
                "deploy_role_arn": self.deploy_role.arn,
                "prod_deploy_role_arn": self.prod_deploy_role.arn,
            }
        )

    def _attach_policies(
        self,
        name: str,
        ctx: StackContext,
        purpose: str,
        statements: list[dict[str, Any]],
        roles: dict[str, iam.Role],
    ) -> None:
        """``statements`` as managed policies that each fit IAM's size, attached to ``roles``."""
        child = pulumi.ResourceOptions(parent=self)
        for number, document in enumerate(split_into_policies(statements), 1):
            policy = iam.Policy(
                f"{name}-{number}",
                name=ctx.namer.name("iam_policy", f"{purpose}-{number}"),
                description=f"GitHub Actions deploys {ctx.namer.project} with this ({purpose})",
                policy=json.dumps(policy_body(document)),
                tags=ctx.tags,
                opts=child,
            )
            for role_name, role in roles.items():
                iam.RolePolicyAttachment(
                    f"{role_name}-{purpose}-{number}",
                    role=role.name,
                    policy_arn=policy.arn,
                    opts=child,
                )

    def _role(self, name: str, ctx: StackContext, purpose: str, claims: list[str]) -> iam.Role:
        """A role GitHub's tokens with one of ``claims`` as subject may assume, for an hour."""
        # IAM names are account-wide: the namer puts the region's code in them.
        return iam.Role(
            name,
            name=ctx.namer.name("iam_role", purpose),
            description=f"GitHub Actions deploys {ctx.namer.project} in {ctx.region} ({purpose})",
            assume_role_policy=trust_policy(self.provider_arn, claims),
            max_session_duration=MAX_SESSION_SECONDS,
            tags=ctx.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )


def deploy_values(ctx: StackContext) -> dict[str, str]:
    """What the grants' ``{partition}``, ``{region}``, ``{account}`` and ``{project}`` stand for."""
    return {
        "partition": ctx.partition,
        "region": ctx.region,
        "account": str(ctx.account_id),
        "project": ctx.namer.project,
    }


def pass_role_statements(ctx: StackContext, permissions: DeployPermissions) -> list[dict]:
    """iam:PassRole for the project's roles, only to the services the kept folders name."""
    if not permissions.pass_role_services:
        return []
    return [
        statement(
            "PassProjectRolesToTheirServices",
            ["iam:PassRole"],
            [f"arn:{ctx.partition}:iam::{ctx.account_id}:role/{ctx.namer.project}-*"],
            condition={
                "StringEquals": {"iam:PassedToService": list(permissions.pass_role_services)}
            },
        )
    ]


# What the deploy roles need of the state bucket itself (the objects are under bucket/*).
STATE_BUCKET_ACTIONS = ("s3:GetBucketLocation", "s3:ListBucket")
STATE_OBJECT_ACTIONS = ("s3:DeleteObject", "s3:GetObject", "s3:PutObject")
STATE_KEY_ACTIONS = ("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey")


def own_resources_guard(
    ctx: StackContext, permissions: DeployPermissions, state: StateBackend | None
) -> dict[str, Any]:
    """Deny, on the account stack's roles, state bucket and state key, every IAM, S3 and KMS
    action granted elsewhere but what using the state needs: the account stack's names and tags
    carry the project too, so the grants' patterns would reach them."""
    # Every account stack name ends with the account environment (lib/account_stack.py).
    resources: list[pulumi.Input[str]] = [
        f"arn:{ctx.partition}:iam::{ctx.account_id}:role/{ctx.namer.project}-*-{ctx.suffix}",
    ]
    if state is not None:
        resources += [state.bucket_arn, state.key_arn]
    granted = {*permissions.actions, "iam:PassRole"}
    state_use = {*STATE_BUCKET_ACTIONS, *STATE_KEY_ACTIONS}
    actions = sorted(
        action for action in granted - state_use if action.split(":", 1)[0] in ("iam", "kms", "s3")
    )
    return statement("LeaveTheAccountStackAlone", actions, resources, effect="Deny")


# Action names that only read: the prod guard leaves them, so a pull request's preview of its own
# stack may still read what it shares with prod (the alarm topic's settings, say).
_READS = re.compile(r"[a-z0-9-]+:(Get|List|Describe|Head)[A-Za-z]*|[a-z-]+:GET")
PROD_TAG = {"aws:ResourceTag/Environment": "prod"}
PROD_REQUEST_TAG = {"aws:RequestTag/Environment": "prod"}


def prod_guard(permissions: DeployPermissions, state: StateBackend | None) -> list[dict[str, Any]]:
    """What keeps the (non-prod) deploy role off prod: no change to a resource tagged, or being
    tagged, ``Environment: prod`` (every taggable resource is, lib/tagging.py), and no access to
    the prod stack's state. Services that do not evaluate aws:ResourceTag for an action (S3
    buckets, CloudWatch Logs' older actions) are not held back by the tag; the prod GitHub
    environment's reviewers still gate the prod role, the only one trusted there."""
    writes = sorted(a for a in {*permissions.actions, "iam:PassRole"} if not _READS.fullmatch(a))
    guards = [
        statement(
            "LeaveProdResourcesAlone",
            writes,
            ["*"],
            effect="Deny",
            condition={"StringEquals": PROD_TAG},
        ),
        statement(
            "CreateNothingForProd",
            writes,
            ["*"],
            effect="Deny",
            condition={"StringEquals": PROD_REQUEST_TAG},
        ),
    ]
    if state is not None:
        # Pulumi's DIY backend keeps a stack's state, history, backups and lock under
        # .pulumi/<kind>/.../<project>/<stack>.
        guards.append(
            statement(
                "LeaveProdStateAlone",
                STATE_OBJECT_ACTIONS,
                [f"{state.bucket_arn}/.pulumi/*/{STACK_PREFIX}prod*"],
                effect="Deny",
            )
        )
    return guards


def state_access(state: StateBackend) -> list[dict[str, Any]]:
    """Read and write the stacks' state, and encrypt and decrypt with the state key."""
    return [
        statement("ListState", STATE_BUCKET_ACTIONS, [state.bucket_arn]),
        statement("ReadAndWriteState", STATE_OBJECT_ACTIONS, [f"{state.bucket_arn}/*"]),
        statement("UseTheStateKey", STATE_KEY_ACTIONS, [state.key_arn]),
    ]
