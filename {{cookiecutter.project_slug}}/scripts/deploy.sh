#!/usr/bin/env bash
# Deploy TapStack${ENVIRONMENT_SUFFIX} and write its outputs to cfn-outputs/flat-outputs.json.
set -euo pipefail
cd "$(dirname "$0")/.."

export ENVIRONMENT_SUFFIX="${ENVIRONMENT_SUFFIX:-{{ cookiecutter.environment_suffix }}}"
stack="TapStack${ENVIRONMENT_SUFFIX}"
region="${AWS_REGION:-{{ cookiecutter.aws_region }}}"
{%- if cookiecutter.stack_variant in ["serverless-api", "stream-pipeline"] %}

# A stage with access logs fails to create until the region's API Gateway account settings name
# a CloudWatch role; the account stack sets it (scripts/deploy_account.sh), never this one.
command -v aws >/dev/null || { echo "error: deploy.sh needs the aws CLI to check API Gateway's CloudWatch role" >&2; exit 1; }
role="$(aws apigateway get-account --region "$region" --query cloudwatchRoleArn --output text)"
if [ -z "$role" ] || [ "$role" = "None" ]; then
    echo "error: API Gateway in $region has no CloudWatch role yet: run bash scripts/deploy_account.sh first (once per account and region)" >&2
    exit 1
fi
{%- endif %}

pulumi stack select "$stack" --create
pulumi config set aws:region "$region" --stack "$stack"
pulumi up --yes --refresh --stack "$stack"
python scripts/collect_outputs.py "$stack"
