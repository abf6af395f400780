#!/usr/bin/env bash
# Refuse to deploy a TapStack into a region whose account settings it needs but does not own.
# Usage: bash scripts/check_account.sh <region> (scripts/deploy.sh runs it).
set -euo pipefail
region="$1"

# A stage with access logs fails to create until the region's API Gateway account settings name
# a CloudWatch role; the account stack sets it (scripts/deploy_account.sh), never this one.
command -v aws >/dev/null || { echo "error: deploy.sh needs the aws CLI to check API Gateway's CloudWatch role" >&2; exit 1; }
role="$(aws apigateway get-account --region "$region" --query cloudwatchRoleArn --output text)"
if [ -z "$role" ] || [ "$role" = "None" ]; then
    echo "error: API Gateway in $region has no CloudWatch role yet: run bash scripts/deploy_account.sh first (once per account and region)" >&2
    exit 1
fi
