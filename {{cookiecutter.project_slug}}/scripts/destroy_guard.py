"""Refuse, before anything is deleted, to destroy a stack that a destroy could not finish.

A load balancer, database or Cognito user pool with deletion protection, a bucket that keeps
its objects (no force_destroy) or a resource Pulumi protects makes ``pulumi destroy`` fail
part-way, after it has deleted everything else. This reads the stack's state (``pulumi stack
export``), names what protects it and how to lift that, and exits 1; a stack with nothing of
the kind exits 0.
"""

import json
import subprocess
import sys

# Deletion-protection flags as the provider records them, by resource type: the output, what
# it protects, and the value that protects it.
PROTECTION_FLAGS = {
    "aws:lb/loadBalancer:LoadBalancer": ("enableDeletionProtection", "the load balancer", True),
    "aws:rds/cluster:Cluster": ("deletionProtection", "the database cluster", True),
    "aws:rds/instance:Instance": ("deletionProtection", "the database", True),
    "aws:dynamodb/table:Table": ("deletionProtectionEnabled", "the table", True),
    # Cognito's is a string: DeleteUserPool fails (InvalidParameterException) while it is ACTIVE.
    "aws:cognito/userPool:UserPool": ("deletionProtection", "the user pool", "ACTIVE"),
}
BUCKET_TYPES = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
# How to destroy such a stack deliberately, as this project's program allows it.
{%- set lift = "To destroy it deliberately: " ~ manifest.variants[cookiecutter.stack_variant].destroy_hint %}
LIFT = (
{%- for line in (lift | wordwrap(88, break_on_hyphens=False, wrapstring="\n")).split("\n") %}
    {{ (line if loop.last else line ~ " ") | tojson }}
{%- endfor %}
)


def _physical_name(resource: dict) -> str:
    outputs = resource.get("outputs") or {}
    for key in ("name", "bucket", "clusterIdentifier", "identifier"):
        if isinstance(outputs.get(key), str):
            return outputs[key]
    return resource.get("urn", "?").rsplit("::", 1)[-1]


def protections(state: dict) -> list[str]:
    """What in an exported stack state would stop a destroy part-way, one phrase each."""
    found = []
    for resource in (state.get("deployment") or {}).get("resources") or []:
        kind, outputs = resource.get("type", ""), resource.get("outputs") or {}
        name = _physical_name(resource)
        if resource.get("protect"):
            found.append(f"Pulumi protects {name} ({kind})")
        if kind in PROTECTION_FLAGS:
            flag, what, protecting = PROTECTION_FLAGS[kind]
            value = outputs.get(flag)
            # That value exactly: True for a boolean flag (not 1 or "true"), "ACTIVE" for Cognito.
            if isinstance(value, type(protecting)) and value == protecting:
                found.append(f"deletion protection on {what} {name}")
        if kind in BUCKET_TYPES and outputs.get("forceDestroy") is not True:
            found.append(f"bucket {name} keeps its objects (no force_destroy)")
    return found


def refusal(stack: str, found: list[str]) -> str:
    """The one message that says why ``stack`` is not destroyed and how to lift that."""
    return f"error: {stack} is protected and was not destroyed: {'; '.join(found)}. " + (
        LIFT.format(stack=stack)
    )


def main(stack: str) -> int:
    """Exit 0 when ``stack`` can be destroyed completely, else print why not and exit 1."""
    command = ["pulumi", "stack", "export", "--stack", stack]
    # The command is fixed here; only the stack name comes from the caller, as one argument.
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        print(f"error: {' '.join(command)} failed: {result.stderr.strip()}", file=sys.stderr)
        return 1
    found = protections(json.loads(result.stdout or "{}"))
    if found:
        print(refusal(stack, found), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
