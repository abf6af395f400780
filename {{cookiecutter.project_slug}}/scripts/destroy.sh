#!/usr/bin/env bash
# Destroy TapStack${ENVIRONMENT_SUFFIX} and forget its outputs; the stack itself is kept
# (make pulumi-remove-stack removes it). A stack that deletion protection or a bucket
# that keeps its objects would stop part-way is refused before anything is deleted.
set -euo pipefail
cd "$(dirname "$0")/.."

export ENVIRONMENT_SUFFIX="${ENVIRONMENT_SUFFIX:-{{ cookiecutter.environment_suffix }}}"
stack="TapStack${ENVIRONMENT_SUFFIX}"

# The guard reads the state as it is in AWS now, not as the last update left it.
pulumi refresh --yes --stack "$stack"
python scripts/destroy_guard.py "$stack"
pulumi destroy --yes --stack "$stack"
rm -f cfn-outputs/flat-outputs.json
