"""Peering with other VPCs, such as another environment's: connections, routes and rules."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi_aws import ec2

from lib.context import StackContext
from lib.security_groups import POSTGRES_PORT, ingress_rule
from lib.service_config import PeerVpc
from lib.tagging import with_name


class VpcPeering(pulumi.ComponentResource):
    """A peering connection to each peer, a route to it from every internal route table, and
    rules that let it reach the service's port and the database.

    A peer in this account and region is accepted on the spot; a peer in another region of this
    account is accepted in its region by this stack; a peer of another account (``ownerId``)
    is accepted by that account, after which the routes carry traffic.
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
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:network:VpcPeering", name, None, opts)
        self._ctx = ctx
        self.connections: list[ec2.VpcPeeringConnection] = []
        self.accepters: list[ec2.VpcPeeringConnectionAccepter] = []
        # What a peer may reach: the service's port and the database.
        admitted = (
            ("service", service_group_id, container_port),
            ("db", database_group_id, POSTGRES_PORT),
        )
        for number, peer in enumerate(peers, start=1):
            connection, ready = self._connect(f"{name}-{number}", number, vpc_id, peer)
            self._route(f"{name}-{number}", peer, connection, ready, route_table_ids)
            self._admit(f"{name}-{number}", peer, admitted)
        self.connection_ids = [connection.id for connection in self.connections]
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

    def _route(
        self,
        resource_name: str,
        peer: PeerVpc,
        connection: ec2.VpcPeeringConnection,
        ready: list[pulumi.Resource],
        route_table_ids: Sequence[pulumi.Input[str]],
    ) -> None:
        """A route to the peer's network through the connection in each of the tables."""
        for index, table_id in enumerate(route_table_ids):
            ec2.Route(
                f"{resource_name}-route-{index}",
                route_table_id=table_id,
                destination_cidr_block=peer.cidr_block,
                vpc_peering_connection_id=connection.id,
                opts=pulumi.ResourceOptions(parent=self, depends_on=ready),
            )

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
