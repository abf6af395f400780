"""VPC peering with zero, one and two peers: connections, acceptance, routes and rules."""

from tests.unit.ecs_stacks import PEER_REGION

CONNECTION = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
ACCEPTER = "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter"
ROUTE = "aws:ec2/route:Route"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


def internal_table_ids(deployment):
    """The private (application) and isolated (database) route tables."""
    return {
        table.outputs["id"]
        for table in deployment.of_type("aws:ec2/routeTable:RouteTable")
        if "private" in table.name or "isolated" in table.name
    }


def connections_by_peer(deployment):
    """The peering connections in the order of the peers they lead to."""
    by_vpc = {c.inputs["peerVpcId"]: c for c in deployment.of_type(CONNECTION)}
    assert len(by_vpc) == len(deployment.args.peer_vpcs)
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
    assert staging_stack.outputs["peering_connection_ids"] == [
        local.outputs["id"],
        remote.outputs["id"],
    ]


def test_a_cross_region_peer_of_this_account_is_accepted_in_its_region(staging_stack):
    (accepter,) = staging_stack.of_type(ACCEPTER)
    remote = connections_by_peer(staging_stack)[1]
    assert accepter.inputs["vpcPeeringConnectionId"] == remote.outputs["id"]
    assert accepter.inputs["autoAccept"] is True
    assert accepter.inputs["region"] == PEER_REGION
    assert accepter.inputs["tags"]["Environment"] == "staging"


def test_peering_connections_are_named_for_the_environment(staging_stack):
    for number, connection in enumerate(connections_by_peer(staging_stack), start=1):
        assert connection.inputs["tags"]["Name"].endswith(f"-peer-{number}-staging")
