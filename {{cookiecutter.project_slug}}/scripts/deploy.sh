#!/usr/bin/env bash
# Deploy TapStack${ENVIRONMENT_SUFFIX} and write its outputs to cfn-outputs/flat-outputs.json.
set -euo pipefail
cd "$(dirname "$0")/.."

export ENVIRONMENT_SUFFIX="${ENVIRONMENT_SUFFIX:-{{ cookiecutter.environment_suffix }}}"
stack="TapStack${ENVIRONMENT_SUFFIX}"
region="${AWS_REGION:-{{ cookiecutter.aws_region }}}"

pulumi stack select "$stack" --create
pulumi config set aws:region "$region" --stack "$stack"
pulumi up --yes --refresh --stack "$stack"
python scripts/collect_outputs.py "$stack"
