"""The address plan: a /16 per environment that never collides, and subnets cut from it."""

import ipaddress
import itertools

import pytest

from lib.multi_env_ecs.address_plan import (
    FIRST_EPHEMERAL_SLOT,
    LONG_LIVED_SLOTS,
    MAX_ZONES,
    SMALLEST_VPC_PREFIX,
    VPC_CIDR_BASE,
    subnet_plan,
    vpc_cidr_for,
)


def networks(cidrs):
    return [ipaddress.IPv4Network(cidr) for cidr in cidrs]


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("10.0.0.0/8", {"dev": "10.1.0.0/16", "staging": "10.2.0.0/16", "prod": "10.3.0.0/16"}),
        (
            "172.16.0.0/12",
            {"dev": "172.17.0.0/16", "staging": "172.18.0.0/16", "prod": "172.19.0.0/16"},
        ),
    ],
)
def test_long_lived_environments_get_slots_one_to_three(base, expected):
    assert {suffix: vpc_cidr_for(suffix, base) for suffix in LONG_LIVED_SLOTS} == expected


def test_the_generated_base_holds_every_environment():
    base = ipaddress.IPv4Network(VPC_CIDR_BASE)
    for suffix in ("dev", "staging", "prod", "pr1", "pr98765", "qa"):
        network = ipaddress.IPv4Network(vpc_cidr_for(suffix))
        assert network.prefixlen == 16
        assert network.subnet_of(base), suffix


@pytest.mark.parametrize("base", ["10.0.0.0/8", "172.16.0.0/12", "10.64.0.0/10"])
def test_pull_request_networks_never_collide_with_long_lived_ones(base):
    long_lived = {vpc_cidr_for(suffix, base) for suffix in LONG_LIVED_SLOTS}
    first_free = ipaddress.IPv4Network(base).network_address
    for number in range(600):  # more than twice round the 252 shared slots of a /8
        cidr = vpc_cidr_for(f"pr{number}", base)
        assert cidr not in long_lived
        assert ipaddress.IPv4Network(cidr).network_address != first_free  # slot 0 stays free


def test_a_pull_request_network_is_derived_from_its_number():
    assert vpc_cidr_for("pr1") == vpc_cidr_for("pr1")
    assert vpc_cidr_for("pr1", "10.0.0.0/8") == f"10.{FIRST_EPHEMERAL_SLOT + 1}.0.0/16"
    assert vpc_cidr_for("pr2", "10.0.0.0/8") == f"10.{FIRST_EPHEMERAL_SLOT + 2}.0.0/16"
    # 252 shared slots in a /8: numbers that far apart share one.
    assert vpc_cidr_for("pr7", "10.0.0.0/8") == vpc_cidr_for("pr259", "10.0.0.0/8")


def test_other_suffixes_get_a_stable_shared_slot():
    cidr = vpc_cidr_for("qa", "10.0.0.0/8")
    assert cidr == vpc_cidr_for("qa", "10.0.0.0/8")
    assert int(cidr.split(".")[1]) >= FIRST_EPHEMERAL_SLOT


@pytest.mark.parametrize("zones", [2, 3])
def test_subnets_are_inside_the_vpc_and_never_overlap(zones):
    vpc = ipaddress.IPv4Network("10.1.0.0/16")
    plan = subnet_plan(str(vpc), zones)
    every = networks([*plan.public, *plan.private, *plan.isolated])
    assert len(every) == 3 * zones
    for subnet in every:
        assert subnet.subnet_of(vpc)
    for first, second in itertools.combinations(every, 2):
        assert not first.overlaps(second), (first, second)


def test_a_16_is_cut_into_private_19s_and_public_and_isolated_20s():
    plan = subnet_plan("10.1.0.0/16", 3)
    assert plan.private == ("10.1.0.0/19", "10.1.32.0/19", "10.1.64.0/19")
    assert plan.public == ("10.1.128.0/20", "10.1.144.0/20", "10.1.160.0/20")
    assert plan.isolated == ("10.1.192.0/20", "10.1.208.0/20", "10.1.224.0/20")


def test_adding_a_zone_moves_no_existing_subnet():
    two, three = subnet_plan("10.2.0.0/16", 2), subnet_plan("10.2.0.0/16", 3)
    for tier_two, tier_three in zip(two, three, strict=True):
        assert tier_three[:2] == tier_two


def test_the_smallest_vpc_still_gets_load_balancer_sized_subnets():
    plan = subnet_plan(f"10.1.0.0/{SMALLEST_VPC_PREFIX}", MAX_ZONES)
    for subnet in networks([*plan.public, *plan.isolated]):
        assert subnet.prefixlen <= 27


@pytest.mark.parametrize("zones", [0, MAX_ZONES + 1])
def test_a_zone_count_the_plan_cannot_hold_is_refused(zones):
    with pytest.raises(ValueError, match="zone count"):
        subnet_plan("10.1.0.0/16", zones)
