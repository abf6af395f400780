"""Which private network each environment's VPC gets, and how a VPC is cut into subnets.

Plain arithmetic on ``ipaddress`` and nothing else, so the generation hook uses this very plan
to write each environment's stack file.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from typing import NamedTuple

# Every environment's VPC is a /16 of this range.
VPC_CIDR_BASE = {{ cookiecutter.vpc_cidr_base | tojson }}
VPC_PREFIX = 16
# The smallest VPC (largest prefix) a ``vpcCidr`` override may name: its public and isolated
# subnets must stay /27 or larger, the least an Application Load Balancer accepts.
SMALLEST_VPC_PREFIX = 22
# The /16 slots of the base. Slot 0 stays free for networks outside this project (a shared
# services VPC, say); dev, staging and prod own 1 to 3; every other stack shares the rest.
LONG_LIVED_SLOTS = {"dev": 1, "staging": 2, "prod": 3}
FIRST_EPHEMERAL_SLOT = 4
# Each tier's block is cut in this many equal subnets, one per zone, used or not.
MAX_ZONES = 4

_PULL_REQUEST = re.compile(r"pr([0-9]+)")


class SubnetPlan(NamedTuple):
    """The subnet CIDRs of one VPC, one per zone in each tier, in zone order."""

    public: tuple[str, ...]
    private: tuple[str, ...]
    isolated: tuple[str, ...]


def vpc_cidr_for(suffix: str, base: str = VPC_CIDR_BASE) -> str:
    """The /16 of ``base`` that the environment ``suffix`` deploys its VPC into.

    dev, staging and prod get slots 1, 2 and 3. A pull-request stack ``pr<N>`` gets slot
    ``4 + N mod (slots left)`` and any other suffix a slot from a hash of its name in that same
    range, so neither ever lands on a long-lived environment's network.
    """
    network = ipaddress.IPv4Network(base)
    slots = 2 ** (VPC_PREFIX - network.prefixlen)
    if suffix in LONG_LIVED_SLOTS:
        slot = LONG_LIVED_SLOTS[suffix]
    else:
        match = _PULL_REQUEST.fullmatch(suffix)
        number = int(match[1]) if match else int(hashlib.sha256(suffix.encode()).hexdigest(), 16)
        slot = FIRST_EPHEMERAL_SLOT + number % (slots - FIRST_EPHEMERAL_SLOT)
    first = int(network.network_address) + slot * 2 ** (32 - VPC_PREFIX)
    return str(ipaddress.IPv4Network((first, VPC_PREFIX)))


def subnet_plan(vpc_cidr: str, zone_count: int) -> SubnetPlan:
    """Cut the VPC into a public, a private and an isolated subnet for each of ``zone_count``.

    The lower half of the VPC holds the private (application) subnets, the third quarter the
    public ones and the last quarter the isolated (database) ones. Each block is cut in
    MAX_ZONES equal parts, so a zone added later never moves an existing subnet. A /16 gives
    private /19s from x.y.0.0, public /20s from x.y.128.0 and isolated /20s from x.y.192.0.
    """
    if not 1 <= zone_count <= MAX_ZONES:
        raise ValueError(f"zone count {zone_count} must be 1 to {MAX_ZONES}")
    vpc = ipaddress.IPv4Network(vpc_cidr)
    private, upper_half = vpc.subnets(prefixlen_diff=1)
    public, isolated = upper_half.subnets(prefixlen_diff=1)
    diff = (MAX_ZONES - 1).bit_length()

    def per_zone(block: ipaddress.IPv4Network) -> tuple[str, ...]:
        return tuple(str(subnet) for subnet in block.subnets(prefixlen_diff=diff))[:zone_count]

    return SubnetPlan(per_zone(public), per_zone(private), per_zone(isolated))
