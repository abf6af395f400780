#!/usr/bin/env bash
# Destroy TapStack${ENVIRONMENT_SUFFIX} and forget its outputs; the stack itself is kept
# (pipenv run pulumi-remove-stack removes it).
set -euo pipefail
cd "$(dirname "$0")/.."

export ENVIRONMENT_SUFFIX="${ENVIRONMENT_SUFFIX:-{{ cookiecutter.environment_suffix }}}"
stack="TapStack${ENVIRONMENT_SUFFIX}"

pulumi destroy --yes --refresh --stack "$stack"
rm -f cfn-outputs/flat-outputs.json
