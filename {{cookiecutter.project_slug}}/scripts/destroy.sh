#!/usr/bin/env bash
# Destroy TapStack${ENVIRONMENT_SUFFIX} and forget its outputs. The stack itself is kept (make
# pulumi-remove-stack removes it), unless --remove-stack says to remove it too, as the pipeline
# does when a pull request closes. A stack that deletion protection or a bucket that keeps its
# objects would stop part-way is refused before anything is deleted.
set -euo pipefail
cd "$(dirname "$0")/.."

remove_stack=false
case "${1:-}" in
  "") ;;
  --remove-stack) remove_stack=true ;;
  *) echo "usage: bash scripts/destroy.sh [--remove-stack]" >&2; exit 2 ;;
esac

export ENVIRONMENT_SUFFIX="${ENVIRONMENT_SUFFIX:-{{ cookiecutter.environment_suffix }}}"
stack="TapStack${ENVIRONMENT_SUFFIX}"

# A stack that was never created (a pull request closed before its first deploy) has nothing
# to destroy; any other failure to select it (no login, no credentials) is an error.
if ! selected="$(pulumi stack select "$stack" 2>&1)"; then
  if [[ "$selected" == *"no stack named '$stack' found"* ]]; then
    echo "destroy: there is no stack $stack, so nothing to destroy"
    exit 0
  fi
  echo "$selected" >&2
  exit 1
fi
# The guard reads the state as it is in AWS now, not as the last update left it.
pulumi refresh --yes --stack "$stack"
python scripts/destroy_guard.py "$stack"
pulumi destroy --yes --stack "$stack"
rm -f cfn-outputs/flat-outputs.json
if "$remove_stack"; then pulumi stack rm --yes --stack "$stack"; fi
