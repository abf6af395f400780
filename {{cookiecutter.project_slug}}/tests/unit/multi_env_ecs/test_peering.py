"""VPC peering with zero, one and two peers outside the project, and between two of its
environments: connections, acceptance, routes and rules, on both sides."""

import pytest

from lib.environment import ConfigurationError
from lib.multi_env_ecs.peering import (
    _endpoint_of,
    _requested_connection,
    request_options,
    requests_peering,
)
from tests.unit.mocks import ACCOUNT_ID
from tests.unit.multi_env_ecs.fixtures import PEER_REGION, STAGING_PEERS

CONNECTION = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
ACCEPTER = "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter"
ROUTE = "aws:ec2/route:Route"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"


def internal_table_ids(deployment):
    """The private (application) and isolated (database) route tables."""
    return {
        table.outputs["id"]
        for table in deployment.of_type("aws:ec2/routeTable:RouteTable")
        if "private" in table.name or "isolated" in table.name
    }


def connections_by_peer(deployment):
    """The connections to peers outside the project, in the order of the peers they lead to."""
    outside = {peer.vpc_id for peer in deployment.args.peer_vpcs}
    by_vpc = {
        c.inputs["peerVpcId"]: c
        for c in deployment.of_type(CONNECTION)
        if c.inputs["peerVpcId"] in outside
    }
    assert len(by_vpc) == len(outside)
    return [by_vpc[peer.vpc_id] for peer in deployment.args.peer_vpcs]


def peering_routes(deployment, connection):
    return [
        route
        for route in deployment.of_type(ROUTE)
        if route.inputs.get("vpcPeeringConnectionId") == connection.outputs["id"]
    ]


def test_without_peers_there_is_nothing_of_peering(stack):
    assert stack.of_type(CONNECTION) == []
    assert stack.of_type(ACCEPTER) == []
    assert not [r for r in stack.of_type(ROUTE) if "vpcPeeringConnectionId" in r.inputs]
    assert not [r for r in stack.of_type(INGRESS) if "peer" in r.inputs["description"]]
    assert stack.outputs["peering_connection_ids"] == []


def check_peer(deployment, connection, peer):
    """The connection's routes reach the peer from every internal table; its rules admit it."""
    assert connection.inputs["vpcId"] == deployment.one("aws:ec2/vpc:Vpc").outputs["id"]
    assert connection.inputs["peerVpcId"] == peer.vpc_id
    routes = peering_routes(deployment, connection)
    assert {route.inputs["routeTableId"] for route in routes} == internal_table_ids(deployment)
    assert len(routes) == len(deployment.args.availability_zones) + 1
    assert {route.inputs["destinationCidrBlock"] for route in routes} == {peer.cidr_block}
    groups = {
        group.outputs["id"]: group.name.rsplit("-", 1)[-1]
        for group in deployment.of_type("aws:ec2/securityGroup:SecurityGroup")
    }
    admitted = {
        (groups[rule.inputs["securityGroupId"]], rule.inputs["fromPort"])
        for rule in deployment.of_type(INGRESS)
        if rule.inputs.get("cidrIpv4") == peer.cidr_block
    }
    assert admitted == {("service", deployment.args.container_port), ("db", 5432)}


def test_one_peer_of_another_account_is_requested_for_its_owner_to_accept(pr_stack):
    (peer,) = pr_stack.args.peer_vpcs
    (connection,) = pr_stack.of_type(CONNECTION)
    assert connection.inputs["peerOwnerId"] == peer.owner_id
    assert connection.inputs["autoAccept"] is False
    assert "peerRegion" not in connection.inputs
    assert pr_stack.of_type(ACCEPTER) == []
    check_peer(pr_stack, connection, peer)
    assert pr_stack.outputs["peering_connection_ids"] == [connection.outputs["id"]]


def test_two_peers_one_in_this_region_and_one_across_regions(staging_stack):
    local_peer, remote_peer = staging_stack.args.peer_vpcs
    local, remote = connections_by_peer(staging_stack)
    assert local.inputs["autoAccept"] is True
    assert "peerRegion" not in local.inputs
    assert "peerOwnerId" not in local.inputs
    assert remote.inputs["peerRegion"] == remote_peer.region == PEER_REGION
    assert remote.inputs["autoAccept"] is False
    check_peer(staging_stack, local, local_peer)
    check_peer(staging_stack, remote, remote_peer)
    (to_prod,) = environment_connections(staging_stack)
    assert staging_stack.outputs["peering_connection_ids"] == [
        local.outputs["id"],
        remote.outputs["id"],
        to_prod.outputs["id"],
    ]


def test_a_cross_region_peer_of_this_account_is_accepted_in_its_region(staging_stack):
    (accepter,) = staging_stack.of_type(ACCEPTER)
    remote = connections_by_peer(staging_stack)[1]
    assert accepter.inputs["vpcPeeringConnectionId"] == remote.outputs["id"]
    assert accepter.inputs["autoAccept"] is True
    assert accepter.inputs["region"] == PEER_REGION
    assert accepter.inputs["tags"]["Environment"] == "staging"


def test_an_outside_peer_is_told_what_to_add_for_traffic_to_flow_back(pr_stack):
    (peer,) = pr_stack.args.peer_vpcs
    (connection,) = pr_stack.of_type(CONNECTION)
    connection_id, cidr = connection.outputs["id"], pr_stack.args.vpc_cidr
    (instructions,) = pr_stack.outputs["peer_vpc_instructions"]
    assert instructions["peerVpcId"] == peer.vpc_id
    assert instructions["vpcPeeringConnectionId"] == connection_id
    assert instructions["acceptInPeerAccount"] is True
    assert instructions["routes"] == [
        {"destinationCidrBlock": cidr, "vpcPeeringConnectionId": connection_id}
    ]
    egress = {(rule["port"], rule["cidrIpv4"]) for rule in instructions["securityGroupEgress"]}
    assert egress == {(pr_stack.args.container_port, cidr), (5432, cidr)}
    # This stack's tasks open only HTTPS beyond their own VPC, so that is all a peer admits.
    ingress = {(rule["port"], rule["cidrIpv4"]) for rule in instructions["securityGroupIngress"]}
    assert ingress == {(443, cidr)}


def test_a_stack_without_outside_peers_has_no_instructions(stack, staging_stack):
    assert stack.outputs["peer_vpc_instructions"] == []
    assert len(staging_stack.outputs["peer_vpc_instructions"]) == len(STAGING_PEERS)


@pytest.mark.parametrize(
    ("requester", "accepter"),
    [("pr42", "dev"), ("dev", "staging"), ("staging", "prod"), ("pr7", "prod"), ("dev", "qa")],
)
def test_the_shorter_lived_environment_requests_and_the_other_accepts(requester, accepter):
    assert requests_peering(requester, accepter) is True
    assert requests_peering(accepter, requester) is False


def test_a_request_is_accepted_on_the_spot_only_in_one_account_and_region():
    here = {"region": "eu-west-1", "ownerId": ACCOUNT_ID}
    assert request_options("eu-west-1", ACCOUNT_ID, here) == {
        "auto_accept": True,
        "peer_region": None,
        "peer_owner_id": None,
    }
    # AWS: auto_accept works only in one account and region, and never with peer_region set.
    elsewhere = {"region": "us-west-2", "ownerId": "210987654321"}
    assert request_options("eu-west-1", ACCOUNT_ID, elsewhere) == {
        "auto_accept": False,
        "peer_region": "us-west-2",
        "peer_owner_id": "210987654321",
    }


def environment_connections(deployment):
    """The connections this stack requested to environments of the project."""
    outside = {peer.vpc_id for peer in deployment.args.peer_vpcs}
    return [c for c in deployment.of_type(CONNECTION) if c.inputs["peerVpcId"] not in outside]


def routes_through(deployment, connection_id):
    return [
        route
        for route in deployment.of_type(ROUTE)
        if route.inputs.get("vpcPeeringConnectionId") == connection_id
    ]


def rules_for(deployment, cidr):
    """(group, direction, port) of every rule naming ``cidr``."""
    groups = {
        group.outputs["id"]: group.name.rsplit("-", 1)[-1]
        for group in deployment.of_type("aws:ec2/securityGroup:SecurityGroup")
    }
    return {
        (groups[rule.inputs["securityGroupId"]], direction, rule.inputs["fromPort"])
        for type_token, direction in ((INGRESS, "in"), (EGRESS, "out"))
        for rule in deployment.of_type(type_token)
        if rule.inputs.get("cidrIpv4") == cidr
    }


def test_two_environments_route_to_each_other_through_one_connection(
    staging_stack, paired_prod_stack
):
    staging, prod = staging_stack, paired_prod_stack
    (connection,) = environment_connections(staging)
    prod_vpc = prod.one("aws:ec2/vpc:Vpc").outputs
    # staging, the shorter-lived, requests; in one account and region it is accepted at once.
    assert connection.inputs["vpcId"] == staging.one("aws:ec2/vpc:Vpc").outputs["id"]
    assert connection.inputs["peerVpcId"] == prod_vpc["id"]
    assert connection.inputs["autoAccept"] is True
    assert "peerRegion" not in connection.inputs
    assert staging.outputs["peering_requests"] == {"prod": connection.outputs["id"]}
    # prod requests nothing: it accepts (adopts) staging's connection.
    assert environment_connections(prod) == []
    (accepter,) = prod.of_type(ACCEPTER)
    assert accepter.inputs["vpcPeeringConnectionId"] == connection.outputs["id"]
    assert accepter.inputs["autoAccept"] is True
    assert prod.outputs["peering_requests"] == {}
    # Each side routes the other's network from all its private and isolated tables.
    for side, other, connection_id in (
        (staging, prod, connection.outputs["id"]),
        (prod, staging, connection.outputs["id"]),
    ):
        routes = routes_through(side, connection_id)
        assert {r.inputs["routeTableId"] for r in routes} == internal_table_ids(side)
        assert len(routes) == len(side.args.availability_zones) + 1
        assert {r.inputs["destinationCidrBlock"] for r in routes} == {other.args.vpc_cidr}


def test_two_environments_admit_each_other_and_let_their_services_out_to_each_other(
    staging_stack, paired_prod_stack
):
    staging, prod = staging_stack, paired_prod_stack
    # The ports differ (8080 and the default), so each side must use the other's.
    assert staging.args.container_port != prod.args.container_port
    for side, other in ((staging, prod), (prod, staging)):
        assert rules_for(side, other.args.vpc_cidr) == {
            ("service", "in", side.args.container_port),
            ("db", "in", 5432),
            ("service", "out", other.args.container_port),
            ("service", "out", 5432),
        }


def test_the_accepting_side_refuses_a_peer_that_has_not_asked():
    with pytest.raises(ConfigurationError, match="TapStackstaging has not requested peering"):
        _requested_connection({}, "staging", "prod")
    assert _requested_connection({"prod": "pcx-1"}, "staging", "prod") == "pcx-1"


def test_a_peer_environment_that_exports_no_endpoint_stops_the_update():
    # A destroyed stack, or one never deployed, has no outputs for the reference to read.
    with pytest.raises(ConfigurationError, match="TapStackprod exports no peering_endpoint"):
        _endpoint_of(None, "prod")


def test_peering_connections_are_named_for_the_environment(staging_stack):
    for number, connection in enumerate(connections_by_peer(staging_stack), start=1):
        assert connection.inputs["tags"]["Name"].endswith(f"-peer-{number}-staging")
