#!/usr/bin/env bash
# Deploy TapStack${ENVIRONMENT_SUFFIX} and write its outputs to cfn-outputs/flat-outputs.json.
# With --preview it stops after the policy pack's preview (the pipeline's pull-request check).
# It asks nothing, so the pipeline runs it as it is: every pulumi command names its stack.
set -euo pipefail
cd "$(dirname "$0")/.."

preview_only=false
case "${1:-}" in
  "") ;;
  --preview) preview_only=true ;;
  *) echo "usage: bash scripts/deploy.sh [--preview]" >&2; exit 2 ;;
esac

export ENVIRONMENT_SUFFIX="${ENVIRONMENT_SUFFIX:-{{ cookiecutter.environment_suffix }}}"
stack="TapStack${ENVIRONMENT_SUFFIX}"
region="${AWS_REGION:-{{ cookiecutter.aws_region }}}"

# What the account must have first (scripts/check_account.sh, in projects with an account program).
if [ -f scripts/check_account.sh ]; then bash scripts/check_account.sh "$region"; fi

# A stack's secrets provider is chosen when the stack is created. PULUMI_SECRETS_PROVIDER (the
# account program's secretsProviderUrl, awskms://...) serves a self-managed s3:// backend, whose
# default would be a passphrase that an unattended run has no one to type; Pulumi Cloud's own
# provider needs nothing.
create=(--create)
if [ -n "${PULUMI_SECRETS_PROVIDER:-}" ]; then
  create+=(--secrets-provider "$PULUMI_SECRETS_PROVIDER")
fi
pulumi stack select "$stack" "${create[@]}"
pulumi config set aws:region "$region" --stack "$stack"
{%- for key, variable in manifest.variants[cookiecutter.stack_variant].pipeline_settings.items() %}
# The stack setting {{ key }}, from {{ variable }} when that is set (the pipeline passes the
# repository or environment variable {{ variable }}); else the stack's own value stays.
if [ -n "{{ '${' ~ variable ~ ':-}' }}" ]; then
  pulumi config set {{ key }} "{{ '$' ~ variable }}" --stack "$stack"
fi
{%- endfor %}
# The policy pack (policy/) first: a broken mandatory rule stops here, before anything changes.
# The update runs it again, on the values only the update knows.
pulumi preview --refresh --policy-pack policy --stack "$stack"
if "$preview_only"; then exit 0; fi
pulumi up --yes --refresh --skip-preview --policy-pack policy --stack "$stack"
python scripts/collect_outputs.py "$stack"
