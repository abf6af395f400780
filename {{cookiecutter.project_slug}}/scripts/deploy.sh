#!/usr/bin/env bash
# Deploy TapStack${ENVIRONMENT_SUFFIX} and write its outputs to cfn-outputs/flat-outputs.json.
set -euo pipefail
cd "$(dirname "$0")/.."

export ENVIRONMENT_SUFFIX="${ENVIRONMENT_SUFFIX:-{{ cookiecutter.environment_suffix }}}"
stack="TapStack${ENVIRONMENT_SUFFIX}"
region="${AWS_REGION:-{{ cookiecutter.aws_region }}}"

# What the account must have first (scripts/check_account.sh, in projects with an account program).
if [ -f scripts/check_account.sh ]; then bash scripts/check_account.sh "$region"; fi

pulumi stack select "$stack" --create
pulumi config set aws:region "$region" --stack "$stack"
# The policy pack (policy/) first: a broken mandatory rule stops here, before anything changes.
# The update runs it again, on the values only the update knows.
pulumi preview --refresh --policy-pack policy --stack "$stack"
pulumi up --yes --refresh --skip-preview --policy-pack policy --stack "$stack"
python scripts/collect_outputs.py "$stack"
