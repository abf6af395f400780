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
pulumi up --yes --refresh --stack "$stack"
python scripts/collect_outputs.py "$stack"
