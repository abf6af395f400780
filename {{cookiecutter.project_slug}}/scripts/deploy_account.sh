#!/usr/bin/env bash
# Deploy the account stack (account/, Pulumi project TapAccount): what exists once per AWS
# account and region (lib/account_stack.py). Run it once per account and region, before the
# first TapStack there, and again after changing its settings; the stack is <account id>-<region>.
#
# Its optional settings, taken from the environment when given and kept in the stack's config:
#   GITHUB_REPOSITORY=owner/name   GitHub Actions of that repository deploy by OIDC (config
#                                  githubRepository): the OIDC provider and two deploy roles
#   SELF_MANAGED_BACKEND=true      an S3 state bucket and a KMS key for Pulumi's secrets
#                                  (config selfManagedBackend)
# or set them yourself: pulumi config set githubRepository owner/name --cwd account --stack <stack>
set -euo pipefail
cd "$(dirname "$0")/../account"

region="${AWS_REGION:-{{ cookiecutter.aws_region }}}"
account_id="$(aws sts get-caller-identity --query Account --output text)"
stack="${account_id}-${region}"

pulumi stack select "$stack" --create
pulumi config set aws:region "$region" --stack "$stack"
if [ -n "${GITHUB_REPOSITORY:-}" ]; then
    pulumi config set githubRepository "$GITHUB_REPOSITORY" --stack "$stack"
fi
if [ -n "${SELF_MANAGED_BACKEND:-}" ]; then
    pulumi config set selfManagedBackend "$SELF_MANAGED_BACKEND" --stack "$stack"
fi

# IAM holds one OIDC provider per URL in an account, across its regions. When the account has
# GitHub's already (another project's, or this project's stack in another region) and this stack
# did not create it, the stack adopts it (config githubOidcProviderArn) instead of failing to
# create a second; the stack that created it keeps it, so destroy that one last.
if pulumi config get githubRepository --stack "$stack" >/dev/null 2>&1 \
    && ! pulumi config get githubOidcProviderArn --stack "$stack" >/dev/null 2>&1; then
    # Read whole, then searched: a grep -q that stops early would fail the export (pipefail).
    state="$(pulumi stack export --stack "$stack")"
    if ! grep -q 'aws:iam/openIdConnectProvider:OpenIdConnectProvider' <<<"$state"; then
        existing="$(aws iam list-open-id-connect-providers --output text \
            --query "OpenIDConnectProviderList[?ends_with(Arn, '/token.actions.githubusercontent.com')].Arn")"
        if [ -n "$existing" ] && [ "$existing" != "None" ]; then
            echo "Adopting the account's GitHub OIDC provider $existing"
            pulumi config set githubOidcProviderArn "$existing" --stack "$stack"
        fi
    fi
fi

pulumi up --yes --refresh --stack "$stack"
echo "Its outputs, for the repository's variables (README: The account stack): pulumi stack output --cwd account --stack $stack"
