"""The environment's VPC: subnets in every zone, route tables per tier, NAT and flow logs."""

import ipaddress
import itertools

import pulumi
import pytest

from lib.environment import ConfigurationError
from lib.multi_env_ecs.address_plan import subnet_plan
from lib.multi_env_ecs.network import FARGATE_ZONE_IDS
from lib.multi_env_ecs.service_config import AZ_COUNT
from lib.multi_env_ecs.tap_stack import TapStackArgs
from lib.multi_env_ecs.tiers import tier_settings
from tests.unit.mocks import RecordingMocks

SUBNET = "aws:ec2/subnet:Subnet"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
NAT = "aws:ec2/natGateway:NatGateway"
EIP = "aws:ec2/eip:Eip"
ANYWHERE = "0.0.0.0/0"
ZONES_TOKEN = "aws:index/getAvailabilityZones:getAvailabilityZones"
# Tokyo: AWS lists three of its four zone IDs as able to run Fargate.
RESTRICTED_REGION = "ap-northeast-1"


def zone_listing(region):
    """The mocks' answer for the region's zones: zone ID by name."""
    pulumi.runtime.set_all_config({"aws:region": region})  # the provider's region
    answer = RecordingMocks(region).call(pulumi.runtime.MockCallArgs(ZONES_TOKEN, {}, ""))
    return dict(zip(answer["names"], answer["zoneIds"], strict=True))


def resolve_args(region, **settings):
    """TapStackArgs in ``region`` as the program resolves them, the zones looked up in mocks."""
    pulumi.runtime.set_all_config({"aws:region": region})  # the provider's region
    pulumi.runtime.set_mocks(RecordingMocks(region), project="TapStack", stack="dev")
    return TapStackArgs(environment_suffix="dev", region=region, **settings)


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


@pytest.mark.parametrize("deployment", ["stack", "prod_stack", "pr_stack"])
def test_zones_are_chosen_by_zone_id_not_by_name(request, deployment):
    deployment = request.getfixturevalue(deployment)
    region = deployment.args.region
    ids_by_name = zone_listing(region)
    chosen = deployment.args.availability_zones
    # The lowest zone IDs: the same physical zones in every account, whatever their names.
    assert [ids_by_name[zone] for zone in chosen] == sorted(ids_by_name.values())[:AZ_COUNT]
    assert list(chosen) != list(ids_by_name)[:AZ_COUNT]
    assert {s.inputs["availabilityZone"] for s in deployment.of_type(SUBNET)} == set(chosen)


def test_a_zone_id_that_cannot_run_fargate_is_never_chosen():
    ids_by_name = zone_listing(RESTRICTED_REGION)
    excluded = [n for n, i in ids_by_name.items() if i not in FARGATE_ZONE_IDS[RESTRICTED_REGION]]
    assert excluded, "the mocks must list a zone that cannot run Fargate"
    chosen = resolve_args(RESTRICTED_REGION).availability_zones
    # AWS: Fargate tasks cannot start in a zone ID it does not support (Fargate Regions page).
    assert not set(chosen) & set(excluded)
    assert all(ids_by_name[zone] in FARGATE_ZONE_IDS[RESTRICTED_REGION] for zone in chosen)
    assert len(chosen) == AZ_COUNT


def test_a_configured_zone_that_cannot_run_fargate_is_refused():
    ids_by_name = zone_listing(RESTRICTED_REGION)
    (excluded,) = [
        n for n, i in ids_by_name.items() if i not in FARGATE_ZONE_IDS[RESTRICTED_REGION]
    ]
    usable = [zone for zone in ids_by_name if zone != excluded]
    with pytest.raises(ConfigurationError, match=f"'{excluded}'.* cannot run Fargate"):
        resolve_args(RESTRICTED_REGION, availability_zones=(excluded, *usable[: AZ_COUNT - 1]))


@pytest.mark.parametrize("deployment", ["stack", "prod_stack", "pr_stack", "staging_stack"])
def test_each_stack_costs_the_region_quotas_its_tier_says(request, deployment):
    deployment = request.getfixturevalue(deployment)
    tier = tier_settings(deployment.args.environment_suffix)
    cost = tier.quota_cost(len(deployment.args.availability_zones))
    assert len(deployment.of_type("aws:ec2/vpc:Vpc")) == cost.vpcs
    assert (
        len(deployment.of_type("aws:ec2/internetGateway:InternetGateway")) == cost.internet_gateways
    )
    assert len(deployment.of_type(NAT)) == cost.nat_gateways
    assert len(deployment.of_type(EIP)) == cost.elastic_ips


def test_a_pull_request_stack_takes_one_nat_gateway_and_one_elastic_ip(pr_stack):
    # AWS: 5 Elastic IPs (L-0263D0A3) and 5 VPCs (L-F678F1CE) per region by default; every
    # pull-request stack counts against both, so it takes the fewest that still work.
    assert tier_settings(pr_stack.args.environment_suffix).quota_cost(
        len(pr_stack.args.availability_zones)
    ) == (1, 1, 1, 1)
    assert len(pr_stack.of_type(NAT)) == len(pr_stack.of_type(EIP)) == 1
