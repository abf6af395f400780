#!/usr/bin/env bash
# Deploy the account stack (account/, Pulumi project TapAccount): what exists once per AWS
# account and region, such as API Gateway's CloudWatch role. Run it once per account and region,
# before the first TapStack there; the stack is named <account id>-<region>.
set -euo pipefail
cd "$(dirname "$0")/../account"

region="${AWS_REGION:-{{ cookiecutter.aws_region }}}"
account_id="$(aws sts get-caller-identity --query Account --output text)"
stack="${account_id}-${region}"

pulumi stack select "$stack" --create
pulumi config set aws:region "$region" --stack "$stack"
pulumi up --yes --refresh --stack "$stack"
