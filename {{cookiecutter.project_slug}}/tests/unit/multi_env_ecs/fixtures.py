"""What the ECS unit tests add to the shared deployments.

``PULL_REQUEST_CONFIG`` joins the shared pull-request stack's config: a domain, which a
pull-request stack must ignore, and one peer of another account. ``staging_stack`` is the one
deployment of its own: staging, built in code with the longest project name, with every
optional setting on at once (a domain whose zone is looked up, three zones, two peers of which
one in another region, prod as a peer environment, a private ECR image on another port and
path, and no outputs file). ``paired_prod_stack`` is prod's next update once staging has asked
to peer, with allowDestroy set: prod names staging in its peerEnvironments, and each reads the
other's outputs.
"""

import json

import pytest

from lib.multi_env_ecs.service_config import PeerVpc
from tests.unit.mocks import (
    DEFAULT_REGION,
    Deployment,
    RecordingMocks,
    deploy_program,
    deploy_stack,
)

LONGEST_PROJECT = "l" + "o" * 28 + "g"  # the longest slug the template accepts (30)
# A region other than this stack's, for the cross-region peer.
PEER_REGION = "us-west-2" if DEFAULT_REGION != "us-west-2" else "us-east-1"
CROSS_ACCOUNT_PEER = {
    "vpcId": "vpc-0123456789abcdef0",
    "cidrBlock": "192.168.0.0/16",
    "ownerId": "210987654321",
}
PULL_REQUEST_CONFIG = {
    "TapStack:domainName": "example.com",
    "TapStack:hostedZoneId": "Z0123456789EXAMPLE",
    "TapStack:peerVpcs": json.dumps([CROSS_ACCOUNT_PEER]),
}
STAGING_PEERS = (
    PeerVpc("vpc-0a1b2c3d4e5f60718", "10.200.0.0/16"),
    PeerVpc("vpc-0f1e2d3c4b5a69788", "172.20.0.0/16", region=PEER_REGION),
)
STAGING_ZONES = tuple(f"{DEFAULT_REGION}{letter}" for letter in "abc")
STAGING_IMAGE = f"123456789012.dkr.ecr.{DEFAULT_REGION}.amazonaws.com/shop/web:1.4.2"
STAGING_PORT = 8080
STAGING_HEALTH_PATH = "/ready"
STAGING_OUTPUTS_FILE = "staging-flat-outputs.json"


@pytest.fixture(scope="session", autouse=True)
def flat_outputs_file(tmp_path_factory):
    """Deployments under test write their flat outputs here, never into the project itself."""
    path = tmp_path_factory.mktemp("cfn-outputs") / "flat-outputs.json"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TAP_OUTPUTS_FILE", str(path))
        yield path


@pytest.fixture(scope="session")
def staging_stack(flat_outputs_file, prod_stack) -> Deployment:
    """Staging with the longest project name and every optional setting on, peered with prod as
    deployed (``prod_stack``), whose outputs its stack reference reads.

    It is pointed at an outputs file of its own, which skip_file_write must leave unwritten.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TAP_OUTPUTS_FILE", str(flat_outputs_file.with_name(STAGING_OUTPUTS_FILE)))
        return deploy_stack(
            "staging",
            project=LONGEST_PROJECT,
            domain_name="example.com",
            availability_zones=STAGING_ZONES,
            peer_vpcs=STAGING_PEERS,
            peer_environments=("prod",),
            stack_outputs={"TapStackprod": prod_stack.outputs},
            container_image=STAGING_IMAGE,
            container_port=STAGING_PORT,
            health_check_path=STAGING_HEALTH_PATH,
            skip_file_write=True,
        )


@pytest.fixture(scope="session")
def paired_prod_stack(staging_stack) -> Deployment:
    """tap.py on prod's update after staging asked to peer: prod names staging in its
    peerEnvironments and its stack reference reads staging's outputs. It also has allowDestroy,
    as prod has just before a deliberate destroy (``unprotected_prod_stack``): a stack
    configuration of its own is a program run of its own, and neither setting touches what
    the other's tests read."""
    return deploy_program(
        stack="TapStackprod",
        config={
            "TapStack:peerEnvironments": json.dumps(["staging"]),
            "TapStack:allowDestroy": "true",
        },
        mocks=RecordingMocks(DEFAULT_REGION, {"TapStackstaging": staging_stack.outputs}),
    )


# Deployments beyond the shared ones whose resource types the deploy roles must be able to manage
# (tests/unit/test_deploy_permissions.py): staging with every optional setting on.
DEPLOY_ROLE_DEPLOYMENTS = ("staging_stack",)
