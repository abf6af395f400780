"""What a REST API deployment snapshots, and the deployment that follows every change to it.

API Gateway serves a stage from a deployment: a frozen copy of the API's paths, methods,
integrations, method and integration responses and gateway responses. Editing any of them
changes nothing a client sees until a new deployment is created and the stage points at it, and
pulumi-aws only creates one when the Deployment's ``triggers`` change. So every such part is
declared through ``ApiSnapshot.add``, which keeps a digest of the inputs it was declared with,
and the deployment's triggers are those digests: a change to any input of any part, Outputs
such as a function's invoke ARN included, redeploys the API, and an unchanged API keeps its
deployment.
"""

from __future__ import annotations

import hashlib
from typing import Any, TypeVar

import pulumi
from pulumi_aws import apigateway

# API Gateway gives up on an integration after 29 seconds and answers 504 (the REST API default
# and, without a quota increase, the maximum), however long the function behind it may run.
INTEGRATION_TIMEOUT_SECONDS = 29

Part = TypeVar("Part", bound=pulumi.CustomResource)


def digest(inputs: dict[str, Any]) -> pulumi.Output[str]:
    """A SHA-256 of ``inputs`` as JSON, once every Output in them is known."""
    return pulumi.Output.json_dumps(inputs, sort_keys=True).apply(
        lambda text: hashlib.sha256(text.encode()).hexdigest()
    )


class ApiSnapshot:
    """The parts of one REST API a deployment snapshots, each with a digest of its inputs.

    The API's own settings here (name, description, endpoint type, tags) take effect without a
    deployment, so the RestApi is not a part; anything declared on the API that a stage serves
    from its deployment must be added here, or its changes would never go live.
    """

    def __init__(self) -> None:
        self.parts: list[pulumi.CustomResource] = []
        self._digests: dict[str, pulumi.Output[str]] = {}

    def add(
        self,
        resource_type: type[Part],
        name: str,
        /,
        *,
        opts: pulumi.ResourceOptions | None = None,
        **inputs: Any,
    ) -> Part:
        """Declare ``resource_type(name, **inputs)`` and remember a digest of its inputs."""
        part = resource_type(name, opts=opts, **inputs)
        self.parts.append(part)
        self._digests[name] = digest(inputs)
        return part

    def deployment(
        self,
        name: str,
        *,
        rest_api: pulumi.Input[str],
        description: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> apigateway.Deployment:
        """The deployment of every part added so far, redeployed whenever one of them changes.

        The triggers map each part's logical name to its digest, so a preview names the part
        that redeploys the API. A trigger change replaces the Deployment, and the replacement
        must be created before the old one is deleted: the stage moves to the new deployment in
        between, and AWS refuses to delete a deployment a stage still points at ("Active stages
        pointing to this deployment must be moved or deleted", terraform-provider-aws#10105,
        where Terraform needs ``create_before_destroy``). That is Pulumi's default order; the
        Terraform bridge asks for delete-first only for explicitly named resources
        (``nameRequiresDeleteBeforeReplace``), and a Deployment has no name.
        ``delete_before_replace=False`` keeps it that way.
        """
        return apigateway.Deployment(
            name,
            rest_api=rest_api,
            description=description,
            triggers=dict(self._digests),
            opts=pulumi.ResourceOptions.merge(
                opts,
                # AWS refuses to deploy an API before its methods and integrations exist.
                pulumi.ResourceOptions(depends_on=list(self.parts), delete_before_replace=False),
            ),
        )
