"""The service's stack config: defaults from generation, overrides, and every bad value refused
with one clear message before any resource exists."""

import ipaddress
import json

import pulumi
import pytest

from lib.environment import ConfigurationError
from lib.multi_env_ecs.address_plan import vpc_cidr_for
from lib.multi_env_ecs.service_config import (
    AZ_COUNT,
    DEFAULT_CONTAINER_IMAGE,
    DEFAULT_CONTAINER_PORT,
    DEFAULT_DOMAIN_NAME,
    DEFAULT_HEALTH_CHECK_PATH,
    PeerVpc,
)
from lib.multi_env_ecs.tap_stack import TapStackArgs
from tests.unit.mocks import DEFAULT_REGION, RecordingMocks, deploy_program

ZONES = [f"{DEFAULT_REGION}{letter}" for letter in "abcd"]
# The mocks give zones a, b, c and d the IDs az4, az3, az1 and az2: in zone-ID order.
ZONES_BY_ID = (ZONES[2], ZONES[3], ZONES[1], ZONES[0])
PEER = {"vpcId": "vpc-0a1b2c3d4e5f60718", "cidrBlock": "10.200.0.0/16"}
# The upper half of the dev VPC's network.
OVERLAPPING = str(list(ipaddress.IPv4Network(vpc_cidr_for("dev")).subnets(prefixlen_diff=1))[1])


class FewZonesMocks(RecordingMocks):
    """A region whose provider lists a single availability zone."""

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        answer = super().call(args)
        if args.token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            answer = {**answer, "names": answer["names"][:1], "zoneIds": answer["zoneIds"][:1]}
        return answer


def read(config: dict[str, str], mocks: RecordingMocks | None = None) -> TapStackArgs:
    pulumi.runtime.set_all_config({f"TapStack:{key}": value for key, value in config.items()})
    pulumi.runtime.set_mocks(
        mocks or RecordingMocks(DEFAULT_REGION), project="TapStack", stack="dev", preview=False
    )
    return TapStackArgs.from_config(environ={"ENVIRONMENT_SUFFIX": "dev"})


def test_without_config_the_generated_answers_and_the_address_plan_apply():
    args = read({})
    assert args.vpc_cidr == vpc_cidr_for("dev")
    assert args.availability_zones == ZONES_BY_ID[:AZ_COUNT]
    assert args.domain_name == DEFAULT_DOMAIN_NAME
    assert args.hosted_zone_id == ""
    assert args.peer_vpcs == ()
    assert args.peer_environments == ()
    assert args.container_image == DEFAULT_CONTAINER_IMAGE
    assert args.container_port == DEFAULT_CONTAINER_PORT
    assert args.health_check_path == DEFAULT_HEALTH_CHECK_PATH
    assert args.skip_file_write is False


def test_config_overrides_every_service_setting():
    args = read(
        {
            "vpcCidr": "10.42.0.0/20",
            "availabilityZones": json.dumps(ZONES[:3]),
            "domainName": "shop.example.org",
            "hostedZoneId": "Z0123456789ABCDEFGHIJ",
            "peerVpcs": json.dumps(
                [PEER, {**PEER, "vpcId": "vpc-11112222", "cidrBlock": "172.16.0.0/16",
                        "region": "eu-west-1", "ownerId": "210987654321"}]
            ),
            "peerEnvironments": json.dumps(["staging", "prod"]),
            "containerImage": "ghcr.io/acme/shop:2.0",
            "containerPort": "8080",
            "healthCheckPath": "/ready",
            "skipFileWrite": "true",
        }
    )  # fmt: skip
    assert args.vpc_cidr == "10.42.0.0/20"
    assert args.availability_zones == tuple(ZONES[:3])
    assert (args.domain_name, args.hosted_zone_id) == ("shop.example.org", "Z0123456789ABCDEFGHIJ")
    assert args.peer_vpcs == (
        PeerVpc("vpc-0a1b2c3d4e5f60718", "10.200.0.0/16"),
        PeerVpc("vpc-11112222", "172.16.0.0/16", region="eu-west-1", owner_id="210987654321"),
    )
    assert args.peer_environments == ("staging", "prod")
    assert (args.container_image, args.container_port) == ("ghcr.io/acme/shop:2.0", 8080)
    assert args.health_check_path == "/ready"
    assert args.skip_file_write is True


BAD_VALUES = [
    ({"vpcCidr": "10.1.0.0/33"}, "config vpcCidr '10.1.0.0/33' must be a private IPv4 network"),
    ({"vpcCidr": "not-a-cidr"}, "config vpcCidr 'not-a-cidr'"),
    ({"vpcCidr": "10.1.0.1/16"}, "no host bits set"),
    ({"vpcCidr": "10.0.0.0/8"}, "from /16 to /22"),
    ({"vpcCidr": "10.1.0.0/24"}, "from /16 to /22"),
    ({"vpcCidr": "8.8.0.0/16"}, "a private IPv4 network"),
    ({"availabilityZones": json.dumps(ZONES[:1])}, "config availabilityZones"),
    ({"availabilityZones": json.dumps([ZONES[0], ZONES[0]])}, "different zones"),
    ({"availabilityZones": json.dumps(["mars-1a", "mars-1b"])}, f"zones of {DEFAULT_REGION}"),
    ({"availabilityZones": json.dumps([*ZONES, f"{DEFAULT_REGION}e"])}, "config availabilityZones"),
    ({"availabilityZones": '{"a": 1}'}, "must be a list of zones"),
    ({"availabilityZones": "[not json"}, "config availabilityZones '[not json' is not valid JSON"),
    ({"domainName": "Example.com"}, "config domainName 'Example.com' must be a lowercase DNS name"),
    ({"domainName": "localhost"}, "config domainName 'localhost'"),
    ({"domainName": "a..com"}, "config domainName 'a..com'"),
    ({"domainName": "example.com", "hostedZoneId": "zone-1"}, "a Route53 zone id"),
    ({"peerVpcs": json.dumps({"vpcId": "vpc-1"})}, "config peerVpcs"),
    ({"peerVpcs": json.dumps(["vpc-12345678"])}, "must be an object with vpcId and cidrBlock"),
    ({"peerVpcs": json.dumps([{**PEER, "cidr": "x"}])}, "unknown keys ['cidr']"),
    ({"peerVpcs": json.dumps([{**PEER, "vpcId": "vpc-xyz"}])}, "peerVpcs[0].vpcId 'vpc-xyz'"),
    ({"peerVpcs": json.dumps([PEER, PEER])}, "peerVpcs[1].vpcId 'vpc-0a1b2c3d4e5f60718' is listed"),
    ({"peerVpcs": json.dumps([{**PEER, "region": "Mars"}])}, "peerVpcs[0].region 'Mars'"),
    ({"peerVpcs": json.dumps([{**PEER, "ownerId": "42"}])}, "peerVpcs[0].ownerId '42'"),
    ({"peerVpcs": json.dumps([{**PEER, "cidrBlock": "10.200.0.0"}])}, "/16 to /28"),
    ({"peerVpcs": json.dumps([{**PEER, "cidrBlock": "10.0.0.0/8"}])}, "/16 to /28"),
    ({"peerVpcs": json.dumps([{**PEER, "cidrBlock": "10.200.0.1/16"}])}, "no host bits set"),
    (
        {"peerVpcs": json.dumps([{**PEER, "cidrBlock": OVERLAPPING}])},
        f"peerVpcs[0].cidrBlock '{OVERLAPPING}' overlaps this stack's VPC ({vpc_cidr_for('dev')})",
    ),
    (
        {"peerVpcs": json.dumps([PEER, {"vpcId": "vpc-22223333", "cidrBlock": "10.200.128.0/17"}])},
        "peerVpcs[1].cidrBlock '10.200.128.0/17' overlaps peerVpcs[0] (10.200.0.0/16)",
    ),
    ({"peerEnvironments": json.dumps("prod")}, "config peerEnvironments 'prod' must be a list"),
    ({"peerEnvironments": json.dumps(["Prod!"])}, "config peerEnvironments[0] 'Prod!' must be"),
    ({"peerEnvironments": json.dumps([7])}, "config peerEnvironments[0] 7 must be"),
    ({"peerEnvironments": json.dumps(["dev"])}, "peerEnvironments[0] 'dev' is this stack's own"),
    ({"peerEnvironments": json.dumps(["prod", "prod"])}, "peerEnvironments[1] 'prod' is listed"),
    ({"containerImage": "nginx latest"}, "config containerImage 'nginx latest' must be an image"),
    ({"containerImage": "nginx;rm -rf /"}, "config containerImage"),
    ({"containerImage": "a" * 256}, "at most 255 characters"),
    ({"containerPort": "http"}, "config containerPort 'http' must be a whole number 1-65535"),
    ({"containerPort": "0"}, "config containerPort 0"),
    ({"containerPort": "70000"}, "config containerPort 70000"),
    ({"healthCheckPath": "health"}, "config healthCheckPath 'health' must be a path"),
    ({"skipFileWrite": "yes"}, "config skipFileWrite 'yes' must be true or false"),
]


@pytest.mark.parametrize(("config", "message"), BAD_VALUES)
def test_bad_values_stop_the_program_with_one_clear_message(config, message):
    with pytest.raises(ConfigurationError) as refused:
        read(config)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)


def test_a_region_with_too_few_zones_is_refused():
    with pytest.raises(
        ConfigurationError,
        match=f"offers 1 availability zones that can run Fargate; .* needs {AZ_COUNT}",
    ):
        read({}, mocks=FewZonesMocks(DEFAULT_REGION))


def test_a_hosted_zone_needs_a_domain():
    with pytest.raises(ConfigurationError, match="set together with domainName"):
        TapStackArgs(
            environment_suffix="dev",
            domain_name="",
            hosted_zone_id="Z0123456789ABCDEFGHIJ",
            availability_zones=tuple(ZONES[:AZ_COUNT]),
        )


def test_args_built_in_code_are_checked_too():
    with pytest.raises(ConfigurationError, match="config containerPort True"):
        TapStackArgs(environment_suffix="dev", container_port=True, availability_zones=tuple(ZONES))


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"TapStack:vpcCidr": "10.1.0.0/33"}, "error: config vpcCidr '10.1.0.0/33'"),
        ({"TapStack:availabilityZones": json.dumps(ZONES[:1])}, "error: config availabilityZones"),
        (
            {"TapStack:peerVpcs": json.dumps([{**PEER, "cidrBlock": vpc_cidr_for("dev")}])},
            "error: config peerVpcs[0].cidrBlock",
        ),
    ],
)
def test_tap_stops_before_any_resource_on_a_bad_service_setting(config, message):
    mocks = RecordingMocks(DEFAULT_REGION)
    with pytest.raises(SystemExit) as stopped:
        deploy_program(stack="TapStackdev", config=config, mocks=mocks)
    assert str(stopped.value).startswith(message)
    assert mocks.resources == []
