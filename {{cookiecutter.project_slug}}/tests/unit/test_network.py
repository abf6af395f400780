"""The environment's VPC: subnets in every zone, route tables per tier, NAT and flow logs."""

import ipaddress
import itertools

import pytest

from lib.address_plan import subnet_plan
from lib.tiers import tier_settings

SUBNET = "aws:ec2/subnet:Subnet"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
NAT = "aws:ec2/natGateway:NatGateway"
ANYWHERE = "0.0.0.0/0"


def subnets(deployment, tier_name):
    """The tier's subnets in zone order (resources are recorded in the order they finish)."""
    zones = deployment.args.availability_zones
    return sorted(
        (s for s in deployment.of_type(SUBNET) if s.inputs["tags"]["Tier"] == tier_name),
        key=lambda subnet: zones.index(subnet.inputs["availabilityZone"]),
    )


def table_of(deployment, subnet):
    (association,) = [
        a for a in deployment.of_type(ASSOCIATION) if a.inputs["subnetId"] == subnet.outputs["id"]
    ]
    return deployment.by_id(association.inputs["routeTableId"])


def routes_of(deployment, table):
    return [r for r in deployment.of_type(ROUTE) if r.inputs["routeTableId"] == table.outputs["id"]]


def default_route(deployment, table):
    (route,) = [
        r for r in routes_of(deployment, table) if r.inputs["destinationCidrBlock"] == ANYWHERE
    ]
    return route


@pytest.mark.parametrize("deployment", ["stack", "staging_stack"])
def test_the_vpc_has_the_environments_network_with_dns_on(request, deployment):
    deployment = request.getfixturevalue(deployment)
    vpc = deployment.one("aws:ec2/vpc:Vpc").inputs
    assert vpc["cidrBlock"] == deployment.args.vpc_cidr
    assert vpc["enableDnsSupport"] is True
    assert vpc["enableDnsHostnames"] is True
    assert vpc["tags"]["Name"].endswith(f"-vpc-{deployment.args.environment_suffix}")


@pytest.mark.parametrize("deployment", ["stack", "staging_stack"])
def test_every_zone_has_a_subnet_of_each_tier_as_the_plan_says(request, deployment):
    deployment = request.getfixturevalue(deployment)
    zones = deployment.args.availability_zones
    plan = subnet_plan(deployment.args.vpc_cidr, len(zones))
    for tier_name, cidrs in plan._asdict().items():
        declared = subnets(deployment, tier_name)
        assert [s.inputs["cidrBlock"] for s in declared] == list(cidrs)
        assert [s.inputs["availabilityZone"] for s in declared] == list(zones)
        for subnet in declared:
            assert subnet.inputs["mapPublicIpOnLaunch"] is False
            assert subnet.inputs["vpcId"] == deployment.one("aws:ec2/vpc:Vpc").outputs["id"]


def test_three_zones_give_nine_subnets_inside_the_vpc_without_overlap(staging_stack):
    vpc = ipaddress.IPv4Network(staging_stack.args.vpc_cidr)
    declared = [ipaddress.IPv4Network(s.inputs["cidrBlock"]) for s in staging_stack.of_type(SUBNET)]
    assert len(declared) == 9
    assert all(subnet.subnet_of(vpc) for subnet in declared)
    for first, second in itertools.combinations(declared, 2):
        assert not first.overlaps(second)


def test_public_subnets_route_to_the_internet_gateway(stack):
    gateway = stack.one("aws:ec2/internetGateway:InternetGateway")
    assert gateway.inputs["vpcId"] == stack.one("aws:ec2/vpc:Vpc").outputs["id"]
    tables = {table_of(stack, subnet).name for subnet in subnets(stack, "public")}
    assert len(tables) == 1
    (table,) = [stack.one(ROUTE_TABLE, name) for name in tables]
    (route,) = routes_of(stack, table)
    assert route.inputs["destinationCidrBlock"] == "0.0.0.0/0"
    assert route.inputs["gatewayId"] == gateway.outputs["id"]


@pytest.mark.parametrize("deployment", ["stack", "prod_stack", "staging_stack"])
def test_private_subnets_leave_through_nat_one_per_zone_only_in_prod(request, deployment):
    deployment = request.getfixturevalue(deployment)
    zones = len(deployment.args.availability_zones)
    tier = tier_settings(deployment.args.environment_suffix)
    nats = deployment.of_type(NAT)
    assert len(nats) == tier.nat_gateway_count(zones)
    public_ids = [s.outputs["id"] for s in subnets(deployment, "public")]
    # One NAT gateway in the first zone's public subnet, or one in each zone's.
    assert sorted(nat.inputs["subnetId"] for nat in nats) == sorted(public_ids[: len(nats)])
    for nat in nats:
        assert nat.inputs["connectivityType"] == "public"
        address = deployment.by_id(nat.inputs["allocationId"])
        assert address.inputs["domain"] == "vpc"
    private_tables = [table_of(deployment, subnet) for subnet in subnets(deployment, "private")]
    assert len({table.name for table in private_tables}) == zones
    used = []
    for table in private_tables:
        route = default_route(deployment, table)
        used.append(route.inputs["natGatewayId"])
    assert set(used) == {nat.outputs["id"] for nat in nats}


def test_prod_keeps_each_zones_traffic_in_its_own_zone(prod_stack):
    for subnet in subnets(prod_stack, "private"):
        route = default_route(prod_stack, table_of(prod_stack, subnet))
        nat = prod_stack.by_id(route.inputs["natGatewayId"])
        public = prod_stack.by_id(nat.inputs["subnetId"])
        assert public.inputs["availabilityZone"] == subnet.inputs["availabilityZone"]


def test_isolated_subnets_share_a_table_without_a_way_out(stack):
    tables = {table_of(stack, subnet).name for subnet in subnets(stack, "isolated")}
    assert len(tables) == 1
    assert routes_of(stack, stack.one(ROUTE_TABLE, tables.pop())) == []


def test_flow_logs_capture_all_traffic_into_an_encrypted_log_group(stack):
    flow_log = stack.one("aws:ec2/flowLog:FlowLog").inputs
    log_group = stack.one("aws:cloudwatch/logGroup:LogGroup", "flow-logs")
    tier = tier_settings(stack.args.environment_suffix)
    assert flow_log["trafficType"] == "ALL"
    assert flow_log["vpcId"] == stack.one("aws:ec2/vpc:Vpc").outputs["id"]
    assert flow_log["logDestinationType"] == "cloud-watch-logs"
    assert flow_log["logDestination"] == log_group.outputs["arn"]
    assert log_group.inputs["retentionInDays"] == tier.log_retention_days
    assert log_group.inputs["kmsKeyId"].startswith("arn:aws:kms:")
    assert log_group.inputs["name"].startswith("/aws/vpc/")


def test_the_flow_log_role_is_for_flow_logs_and_writes_only_its_group(stack):
    flow_log = stack.one("aws:ec2/flowLog:FlowLog").inputs
    role = next(
        r for r in stack.of_type("aws:iam/role:Role") if r.outputs["arn"] == flow_log["iamRoleArn"]
    )
    (trust,) = role.json("assumeRolePolicy")["Statement"]
    assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    policy = next(
        p
        for p in stack.of_type("aws:iam/rolePolicy:RolePolicy")
        if p.inputs["role"] == role.outputs["id"]
    )
    statements = {s["Sid"]: s for s in policy.json("policy")["Statement"]}
    group_arn = stack.one("aws:cloudwatch/logGroup:LogGroup", "flow-logs").outputs["arn"]
    assert statements["WriteFlowLogs"]["Resource"] == [f"{group_arn}:*"]
    assert statements["FindLogGroups"]["Action"] == ["logs:DescribeLogGroups"]
