"""Peering with other VPCs: outside ones (``peerVpcs``) and this project's other environments
(``peerEnvironments``), with routes and rules on both sides.

A VPC outside the project is wired on this side only; the stack's ``peer_vpc_instructions``
output lists what its owner must add. Two environments of this project wire both sides: each
stack names the other in ``peerEnvironments`` and reads the other's outputs through a
StackReference, so no id is ever copied by hand. In each pair the shorter-lived environment
requests the connection and the other accepts it; each adds the routes and rules of its own VPC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pulumi_aws import ec2

from lib.context import StackContext
from lib.environment import ConfigurationError, tier_of
from lib.multi_env_ecs.security_groups import HTTPS_PORT, POSTGRES_PORT, egress_rule, ingress_rule
from lib.multi_env_ecs.service_config import PeerVpc
from lib.tagging import with_name

# Which side of a pair of environments requests the connection: the one that comes and goes
# sooner. Its destroy then deletes the connection, and the longer-lived side keeps nothing of it
# but routes and rules, which its next update removes.
LIFETIME_ORDER = ("pr", "dev", "staging", "prod")
STACK_NAME_PREFIX = "TapStack"


def requests_peering(suffix: str, peer_suffix: str) -> bool:
    """Whether the environment ``suffix`` requests the connection to ``peer_suffix`` (else it
    accepts it): the shorter-lived tier requests; between two of one tier, the first by name."""

    def rank(name: str) -> tuple[int, str]:
        return LIFETIME_ORDER.index(tier_of(name)), name

    return rank(suffix) < rank(peer_suffix)


def stack_reference_name(peer_suffix: str) -> str:
    """The fully qualified name of the peer environment's stack of this project."""
    return f"{pulumi.get_organization()}/{pulumi.get_project()}/{STACK_NAME_PREFIX}{peer_suffix}"


def peering_endpoint(
    ctx: StackContext, *, vpc_id: pulumi.Input[str], cidr_block: pulumi.Input[str], port: int
) -> dict[str, pulumi.Input[Any]]:
    """What another stack needs to peer with this one: the ``peering_endpoint`` output. Its
    first keys are those of a ``peerVpcs`` entry, so a project outside can copy them."""
    return {
        "vpcId": vpc_id,
        "cidrBlock": cidr_block,
        "region": ctx.region,
        "ownerId": ctx.account_id,
        "servicePort": port,
    }


def request_options(region: str, account_id: str, endpoint: Mapping[str, Any]) -> dict[str, Any]:
    """How to request a connection to ``endpoint`` from ``region`` of ``account_id``: accepted
    at once only in one account and region; otherwise the peer's stack accepts it."""
    same_region = endpoint["region"] == region
    same_account = endpoint["ownerId"] == account_id
    return {
        "auto_accept": same_region and same_account,
        # AWS refuses auto_accept together with a peer region, even this one.
        "peer_region": None if same_region else endpoint["region"],
        "peer_owner_id": None if same_account else endpoint["ownerId"],
    }


def _endpoint_of(outputs: Any, peer_suffix: str) -> Mapping[str, Any]:
    if not isinstance(outputs, Mapping) or "cidrBlock" not in outputs:
        raise ConfigurationError(
            f"stack {STACK_NAME_PREFIX}{peer_suffix} exports no peering_endpoint: deploy it "
            "first, or remove it from peerEnvironments"
        )
    return outputs


def _requested_connection(requests: Any, requester: str, accepter: str) -> str:
    if not isinstance(requests, Mapping) or accepter not in requests:
        raise ConfigurationError(
            f"stack {STACK_NAME_PREFIX}{requester} has not requested peering with {accepter}: "
            f'set its peerEnvironments to include "{accepter}" and deploy it first, or remove '
            f"{requester} from this stack's peerEnvironments"
        )
    return str(requests[accepter])


def return_path(
    peer: PeerVpc,
    connection_id: pulumi.Input[str],
    vpc_cidr: pulumi.Input[str] | None,
    container_port: int,
) -> dict[str, Any]:
    """What the owner of a VPC outside the project adds so that traffic flows back: one entry
    of the ``peer_vpc_instructions`` output (the README explains each key)."""

    def rule(port: pulumi.Input[int], what: str) -> dict[str, Any]:
        return {"protocol": "tcp", "port": port, "cidrIpv4": vpc_cidr, "for": what}

    return {
        "peerVpcId": peer.vpc_id,
        "vpcPeeringConnectionId": connection_id,
        # Only the peer's account can accept a request from another account.
        "acceptInPeerAccount": bool(peer.owner_id),
        # In every peer route table whose subnets talk to this VPC.
        "routes": [{"destinationCidrBlock": vpc_cidr, "vpcPeeringConnectionId": connection_id}],
        # On the peer's clients' groups, when they restrict egress: this VPC's service, database.
        "securityGroupEgress": [
            rule(container_port, "this stack's service"),
            rule(POSTGRES_PORT, "this stack's database"),
        ],
        # On the peer's servers' groups, for what this stack's tasks call: they open HTTPS only.
        "securityGroupIngress": [rule(HTTPS_PORT, "calls from this stack's service")],
    }


def route_through(
    name: str,
    parent: pulumi.Resource,
    *,
    route_table_ids: Sequence[pulumi.Input[str]],
    destination: pulumi.Input[str],
    connection_id: pulumi.Input[str],
    ready: Sequence[pulumi.Resource],
) -> None:
    """A route to ``destination`` through the peering connection in each of the tables, once
    ``ready`` (the connection, accepted) exists."""
    for index, table_id in enumerate(route_table_ids):
        ec2.Route(
            f"{name}-route-{index}",
            route_table_id=table_id,
            destination_cidr_block=destination,
            vpc_peering_connection_id=connection_id,
            opts=pulumi.ResourceOptions(parent=parent, depends_on=list(ready)),
        )


class VpcPeering(pulumi.ComponentResource):
    """A peering connection to each peer, a route to it from every internal route table, and
    rules that let it reach the service's port and the database.

    A peer in this account and region is accepted on the spot; a peer in another region of this
    account is accepted in its region by this stack; a peer of another account (``ownerId``)
    is accepted by that account, after which the routes carry traffic. The return half is the
    peer owner's: ``instructions`` says, per peer, which routes and rules to add there.
    """

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        *,
        vpc_id: pulumi.Input[str],
        peers: Sequence[PeerVpc],
        route_table_ids: Sequence[pulumi.Input[str]],
        service_group_id: pulumi.Input[str],
        database_group_id: pulumi.Input[str],
        container_port: int,
        vpc_cidr: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:network:VpcPeering", name, None, opts)
        self._ctx = ctx
        self.connections: list[ec2.VpcPeeringConnection] = []
        self.accepters: list[ec2.VpcPeeringConnectionAccepter] = []
        # What a peer may reach: the service's port and the database.
        self._admitted = (
            ("service", service_group_id, container_port),
            ("db", database_group_id, POSTGRES_PORT),
        )
        for number, peer in enumerate(peers, start=1):
            connection, ready = self._connect(f"{name}-{number}", number, vpc_id, peer)
            route_through(
                f"{name}-{number}",
                self,
                route_table_ids=route_table_ids,
                destination=peer.cidr_block,
                connection_id=connection.id,
                ready=ready,
            )
            self._admit(f"{name}-{number}", peer, self._admitted)
        self.connection_ids = [connection.id for connection in self.connections]
        self.instructions = [
            return_path(peer, connection.id, vpc_cidr, container_port)
            for peer, connection in zip(peers, self.connections, strict=True)
        ]
        self.register_outputs({"connection_ids": self.connection_ids})

    def _connect(
        self, resource_name: str, number: int, vpc_id: pulumi.Input[str], peer: PeerVpc
    ) -> tuple[ec2.VpcPeeringConnection, list[pulumi.Resource]]:
        """Request the connection, accept it when this stack can; return it and what routes
        through it must wait for."""
        ctx = self._ctx
        cross_region = bool(peer.region) and peer.region != ctx.region
        tags = with_name(ctx.tags, ctx.namer.name("vpc", f"peer-{number}"))
        connection = ec2.VpcPeeringConnection(
            resource_name,
            vpc_id=vpc_id,
            peer_vpc_id=peer.vpc_id,
            peer_owner_id=peer.owner_id or None,
            peer_region=peer.region if cross_region else None,
            # Only a peer in this account and region can be accepted by the request itself.
            auto_accept=not cross_region and not peer.owner_id,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.connections.append(connection)
        if not cross_region or peer.owner_id:
            return connection, [connection]
        accepter = ec2.VpcPeeringConnectionAccepter(
            f"{resource_name}-accepter",
            vpc_peering_connection_id=connection.id,
            auto_accept=True,
            region=peer.region,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.accepters.append(accepter)
        return connection, [connection, accepter]

    def _admit(
        self,
        resource_name: str,
        peer: PeerVpc,
        admitted: Sequence[tuple[str, pulumi.Input[str], int]],
    ) -> None:
        """Let the peer's network into each (purpose, group, port) of ``admitted``."""
        for purpose, group_id, port in admitted:
            ingress_rule(
                f"{resource_name}-to-{purpose}",
                self._ctx,
                group_id=group_id,
                port=port,
                source_cidr=peer.cidr_block,
                description=f"Port {port} of the {purpose} from peer {peer.vpc_id}",
                opts=pulumi.ResourceOptions(parent=self),
            )


class EnvironmentPeering(pulumi.ComponentResource):
    """Both halves of peering with another environment of this project, this stack's half here.

    The requesting side creates the connection; the accepting side accepts it (a no-op when the
    request was accepted on the spot, in one account and region). Each side routes the other's
    network from its private and isolated tables, admits it to the service's port and the
    database, and lets its own service reach the peer's service port and database.
    """

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        *,
        peer_environment: str,
        vpc_id: pulumi.Input[str],
        route_table_ids: Sequence[pulumi.Input[str]],
        service_group_id: pulumi.Input[str],
        database_group_id: pulumi.Input[str],
        container_port: int,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:network:EnvironmentPeering", name, None, opts)
        self._ctx = ctx
        self._name = name
        self.peer_environment = peer_environment
        self.requests = requests_peering(ctx.suffix, peer_environment)
        self._reference = pulumi.StackReference(
            f"{name}-stack",
            stack_name=stack_reference_name(peer_environment),
            opts=pulumi.ResourceOptions(parent=self),
        )
        endpoint = self._reference.get_output("peering_endpoint").apply(
            lambda outputs: _endpoint_of(outputs, peer_environment)
        )
        ready = self._request(vpc_id, endpoint) if self.requests else self._accept()
        self.connection_id: pulumi.Output[str] = ready.id
        peer_cidr = endpoint.apply(lambda found: str(found["cidrBlock"]))
        route_through(
            name,
            self,
            route_table_ids=route_table_ids,
            destination=peer_cidr,
            connection_id=self.connection_id,
            ready=[ready],
        )
        self._allow(
            peer_cidr,
            peer_port=endpoint.apply(lambda found: int(found["servicePort"])),
            service_group_id=service_group_id,
            database_group_id=database_group_id,
            container_port=container_port,
        )
        self.register_outputs({"connection_id": self.connection_id})

    def _tags(self) -> dict[str, str]:
        return with_name(
            self._ctx.tags, self._ctx.namer.name("vpc", f"peer-{self.peer_environment}")
        )

    def _request(
        self, vpc_id: pulumi.Input[str], endpoint: pulumi.Output[Mapping[str, Any]]
    ) -> ec2.VpcPeeringConnection:
        """The connection from this VPC to the peer's, accepted on the spot when it can be."""
        ctx = self._ctx
        options = pulumi.Output.all(ctx.account_id, endpoint).apply(
            lambda values: request_options(ctx.region, values[0], values[1])
        )
        return ec2.VpcPeeringConnection(
            f"{self._name}-connection",
            vpc_id=vpc_id,
            peer_vpc_id=endpoint.apply(lambda found: str(found["vpcId"])),
            peer_owner_id=options.apply(lambda chosen: chosen["peer_owner_id"]),
            peer_region=options.apply(lambda chosen: chosen["peer_region"]),
            auto_accept=options.apply(lambda chosen: chosen["auto_accept"]),
            tags=self._tags(),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _accept(self) -> ec2.VpcPeeringConnectionAccepter:
        """Accept the connection the peer's stack requested for this environment."""
        requester, accepter = self.peer_environment, self._ctx.suffix
        requested = self._reference.get_output("peering_requests").apply(
            lambda requests: _requested_connection(requests, requester, accepter)
        )
        # Accepting adopts the connection into this stack; deleting the accepter later leaves
        # the connection to the stack that requested it, whose destroy deletes it.
        return ec2.VpcPeeringConnectionAccepter(
            f"{self._name}-accepter",
            vpc_peering_connection_id=requested,
            auto_accept=True,
            tags=self._tags(),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _allow(
        self,
        peer_cidr: pulumi.Output[str],
        *,
        peer_port: pulumi.Output[int],
        service_group_id: pulumi.Input[str],
        database_group_id: pulumi.Input[str],
        container_port: int,
    ) -> None:
        """The peer into the service's port and the database; the service out to the peer's."""
        child = pulumi.ResourceOptions(parent=self)
        label = f"peer environment {self.peer_environment}"
        for purpose, group_id, port in (
            ("service", service_group_id, container_port),
            ("db", database_group_id, POSTGRES_PORT),
        ):
            ingress_rule(
                f"{self._name}-to-{purpose}",
                self._ctx,
                group_id=group_id,
                port=port,
                source_cidr=peer_cidr,
                description=f"Port {port} of the {purpose} from {label}",
                opts=child,
            )
        for purpose, destination_port in (("service", peer_port), ("db", POSTGRES_PORT)):
            egress_rule(
                f"{self._name}-from-service-to-{purpose}",
                self._ctx,
                group_id=service_group_id,
                port=destination_port,
                destination_cidr=peer_cidr,
                description=f"The {purpose} of {label}",
                opts=child,
            )
