"""The ECS service's own settings: read from the stack config and checked before any resource.

Every value is checked here, so a bad one stops the program with one clear line instead of
failing halfway through a deployment: a CIDR that does not parse, fewer zones than the
project needs, a peer network that overlaps this one, an image reference with a space in it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pulumi
from pulumi_aws import get_availability_zones

from lib.environment import ConfigurationError
from lib.multi_env_ecs.address_plan import MAX_ZONES, SMALLEST_VPC_PREFIX, VPC_PREFIX, vpc_cidr_for
from lib.multi_env_ecs.network import fargate_zones
from lib.naming import NamingError, validate_suffix

# The answers given when this project was generated; stack config overrides each of them.
DEFAULT_CONTAINER_IMAGE = {{ cookiecutter.container_image | tojson }}
DEFAULT_CONTAINER_PORT = {{ cookiecutter.container_port | int }}
DEFAULT_DOMAIN_NAME = {{ cookiecutter.domain_name | tojson }}
AZ_COUNT = {{ cookiecutter.az_count | int }}
DEFAULT_HEALTH_CHECK_PATH = "/health"

IMAGE_PATTERN = re.compile(
    # pylint: disable-next=line-too-long
    {{ cookiecutter._image_pattern | tojson }}
)
IMAGE_RULE = {{ cookiecutter._image_rule | tojson }}
DOMAIN_PATTERN = re.compile(
    {{ cookiecutter._domain_pattern | tojson }}
)
DOMAIN_RULE = {{ cookiecutter._domain_rule | tojson }}
MAX_IMAGE_LENGTH = 255

PRIVATE_RANGES = tuple(
    ipaddress.IPv4Network(cidr) for cidr in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)
_VPC_ID = re.compile(r"vpc-[0-9a-f]{8,17}")
_ACCOUNT_ID = re.compile(r"[0-9]{12}")
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]")
_ZONE = re.compile(r"[a-z0-9-]+[a-z]")
_HOSTED_ZONE_ID = re.compile(r"Z[A-Z0-9]{1,31}")
_HEALTH_CHECK_PATH = re.compile(r"/[A-Za-z0-9._~/-]{0,1023}")
_PEER_KEYS = {
    "vpcId": "vpc_id",
    "cidrBlock": "cidr_block",
    "region": "region",
    "ownerId": "owner_id",
}


@dataclass(frozen=True)
class PeerVpc:
    """A VPC to peer with: its id and network, and its region and account when not ours."""

    vpc_id: str
    cidr_block: str
    region: str = ""  # empty: this stack's region
    owner_id: str = ""  # empty: this stack's account


class ServiceArgs(Protocol):
    """The settings check_service_settings reads (TapStackArgs has them all)."""

    environment_suffix: str
    region: str
    vpc_cidr: str
    availability_zones: tuple[str, ...]
    domain_name: str
    hosted_zone_id: str
    peer_vpcs: tuple[PeerVpc, ...]
    peer_environments: tuple[str, ...]
    container_image: str
    container_port: int
    health_check_path: str


def _network(value: Any, source: str, rule: str) -> ipaddress.IPv4Network:
    try:
        return ipaddress.IPv4Network(value)
    except (TypeError, ValueError):
        raise ConfigurationError(f"{source} {value!r} must be {rule}") from None


def check_vpc_cidr(args: ServiceArgs) -> str:
    """The VPC's network: the configured one, or the environment's /16 from the address plan."""
    if not args.vpc_cidr:
        return vpc_cidr_for(args.environment_suffix)
    rule = (
        f"a private IPv4 network from /{VPC_PREFIX} to /{SMALLEST_VPC_PREFIX} with no host bits "
        "set, such as 10.1.0.0/16"
    )
    network = _network(args.vpc_cidr, "config vpcCidr", rule)
    if not VPC_PREFIX <= network.prefixlen <= SMALLEST_VPC_PREFIX or not any(
        network.subnet_of(private) for private in PRIVATE_RANGES
    ):
        raise ConfigurationError(f"config vpcCidr {args.vpc_cidr!r} must be {rule}")
    return str(network)


def check_zones(args: ServiceArgs) -> tuple[str, ...]:
    """The zones to use: the configured ones, or the first AZ_COUNT that can run Fargate, in
    the order of their zone IDs (lib/multi_env_ecs/network.py)."""
    listed = get_availability_zones(
        state="available",
        filters=[{"name": "opt-in-status", "values": ["opt-in-not-required"]}],
    )
    usable = fargate_zones(args.region, listed.names, listed.zone_ids)
    zones = tuple(args.availability_zones)
    if not zones:
        if len(usable) < AZ_COUNT:
            raise ConfigurationError(
                f"aws:region {args.region!r} offers {len(usable)} availability zones that can "
                f"run Fargate; this project needs {AZ_COUNT}"
            )
        return usable[:AZ_COUNT]
    rule = (
        f"a list of {AZ_COUNT} to {MAX_ZONES} different zones of {args.region}, "
        f'such as ["{args.region}a", "{args.region}b"]'
    )
    well_formed = all(
        isinstance(zone, str) and zone.startswith(args.region) and _ZONE.fullmatch(zone)
        for zone in zones
    )
    if not well_formed or len(set(zones)) != len(zones) or not AZ_COUNT <= len(zones) <= MAX_ZONES:
        raise ConfigurationError(f"config availabilityZones {list(zones)!r} must be {rule}")
    unusable = [zone for zone in zones if zone not in usable]
    if unusable:
        raise ConfigurationError(
            f"config availabilityZones {unusable!r} cannot run Fargate in this account; "
            f"zones that can: {list(usable)!r}"
        )
    return zones


def check_peer_environments(args: ServiceArgs) -> None:
    """Every peer environment is another environment suffix of this project, listed once."""
    seen: set[str] = set()
    for index, suffix in enumerate(args.peer_environments):
        source = f"config peerEnvironments[{index}]"
        try:
            validate_suffix(suffix, source)
        except NamingError as error:
            raise ConfigurationError(str(error)) from None
        if suffix == args.environment_suffix:
            raise ConfigurationError(f"{source} {suffix!r} is this stack's own environment")
        if suffix in seen:
            raise ConfigurationError(f"{source} {suffix!r} is listed twice")
        seen.add(suffix)


def check_domain(args: ServiceArgs) -> None:
    """The domain is empty or a DNS name; a hosted zone id needs a domain and a zone id's form."""
    if args.domain_name and not DOMAIN_PATTERN.fullmatch(args.domain_name):
        raise ConfigurationError(f"config domainName {args.domain_name!r} must be {DOMAIN_RULE}")
    if args.hosted_zone_id and not (
        args.domain_name and _HOSTED_ZONE_ID.fullmatch(args.hosted_zone_id)
    ):
        raise ConfigurationError(
            f"config hostedZoneId {args.hosted_zone_id!r} must be a Route53 zone id such as "
            "Z0123456789ABCDEFGHIJ, set together with domainName"
        )


def check_peers(args: ServiceArgs, vpc_cidr: str) -> None:
    """Every peer is well formed, and no two networks of ours and theirs overlap."""
    networks = {"this stack's VPC": ipaddress.IPv4Network(vpc_cidr)}
    seen_ids: set[str] = set()
    for index, peer in enumerate(args.peer_vpcs):
        source = f"config peerVpcs[{index}]"
        if not isinstance(peer.vpc_id, str) or not _VPC_ID.fullmatch(peer.vpc_id):
            raise ConfigurationError(f"{source}.vpcId {peer.vpc_id!r} must be a VPC id (vpc-...)")
        if peer.vpc_id in seen_ids:
            raise ConfigurationError(f"{source}.vpcId {peer.vpc_id!r} is listed twice")
        seen_ids.add(peer.vpc_id)
        if peer.region and not _REGION.fullmatch(peer.region):
            raise ConfigurationError(f"{source}.region {peer.region!r} is not an AWS region name")
        if peer.owner_id and not _ACCOUNT_ID.fullmatch(peer.owner_id):
            raise ConfigurationError(f"{source}.ownerId {peer.owner_id!r} must be 12 digits")
        rule = "a VPC's IPv4 network, /16 to /28, with no host bits set"
        network = _network(peer.cidr_block, f"{source}.cidrBlock", rule)
        if not VPC_PREFIX <= network.prefixlen <= 28:
            raise ConfigurationError(f"{source}.cidrBlock {peer.cidr_block!r} must be {rule}")
        for owner, other in networks.items():
            if network.overlaps(other):
                raise ConfigurationError(
                    f"{source}.cidrBlock {peer.cidr_block!r} overlaps {owner} ({other})"
                )
        networks[f"peerVpcs[{index}]"] = network


def check_container(args: ServiceArgs) -> None:
    """The image reference, port and health check path are ones ECS and the ALB accept."""
    image = args.container_image
    if (
        not isinstance(image, str)
        or len(image) > MAX_IMAGE_LENGTH
        or not IMAGE_PATTERN.fullmatch(image)
    ):
        raise ConfigurationError(f"config containerImage {image!r} must be {IMAGE_RULE}")
    port = args.container_port
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ConfigurationError(f"config containerPort {port!r} must be a whole number 1-65535")
    if not _HEALTH_CHECK_PATH.fullmatch(args.health_check_path):
        raise ConfigurationError(
            f"config healthCheckPath {args.health_check_path!r} must be a path such as /health"
        )


def check_service_settings(args: ServiceArgs) -> dict[str, Any]:
    """Check every service setting; return the ones resolved from defaults (network, zones)."""
    vpc_cidr = check_vpc_cidr(args)
    check_peers(args, vpc_cidr)
    check_peer_environments(args)
    check_domain(args)
    check_container(args)
    return {"vpc_cidr": vpc_cidr, "availability_zones": check_zones(args)}


def _object(config: pulumi.Config, key: str) -> Any:
    try:
        return config.get_object(key)
    except pulumi.ConfigTypeError:
        raise ConfigurationError(f"config {key} {config.get(key)!r} is not valid JSON") from None


def _peer(index: int, entry: Any) -> PeerVpc:
    if not isinstance(entry, Mapping) or not {"vpcId", "cidrBlock"} <= set(entry):
        raise ConfigurationError(
            f"config peerVpcs[{index}] {entry!r} must be an object with vpcId and cidrBlock "
            "(and optionally region and ownerId)"
        )
    unknown = sorted(set(entry) - set(_PEER_KEYS))
    if unknown:
        raise ConfigurationError(f"config peerVpcs[{index}] has unknown keys {unknown}")
    return PeerVpc(**{_PEER_KEYS[key]: value for key, value in entry.items()})


def _peers(value: Any) -> tuple[PeerVpc, ...]:
    if value is None:
        return ()
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise ConfigurationError(f"config peerVpcs {value!r} must be a list of objects")
    return tuple(_peer(index, entry) for index, entry in enumerate(value))


def _environments(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ConfigurationError(
            f"config peerEnvironments {value!r} must be a list of environment suffixes"
        )
    return tuple(value)


def _port(value: str | None) -> int:
    if value is None:
        return DEFAULT_CONTAINER_PORT
    if not value.isdigit():
        raise ConfigurationError(f"config containerPort {value!r} must be a whole number 1-65535")
    return int(value)


def _flag(config: pulumi.Config, key: str) -> bool:
    value = config.get(key)
    if value not in (None, "true", "false"):
        raise ConfigurationError(f"config {key} {value!r} must be true or false")
    return value == "true"


def service_settings_from_config(config: pulumi.Config) -> dict[str, Any]:
    """The service's settings in the stack config, as TapStackArgs fields."""
    zones = _object(config, "availabilityZones")
    if zones is not None and not isinstance(zones, list):
        raise ConfigurationError(f"config availabilityZones {zones!r} must be a list of zones")
    return {
        "vpc_cidr": config.get("vpcCidr") or "",
        "availability_zones": tuple(zones or ()),
        "domain_name": config.get("domainName") or DEFAULT_DOMAIN_NAME,
        "hosted_zone_id": config.get("hostedZoneId") or "",
        "peer_vpcs": _peers(_object(config, "peerVpcs")),
        "peer_environments": _environments(_object(config, "peerEnvironments")),
        "container_image": config.get("containerImage") or DEFAULT_CONTAINER_IMAGE,
        "container_port": _port(config.get("containerPort")),
        "health_check_path": config.get("healthCheckPath") or DEFAULT_HEALTH_CHECK_PATH,
        "skip_file_write": _flag(config, "skipFileWrite"),
    }
