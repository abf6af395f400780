"""What AWS computes for the ECS service's load balancer, database, cluster, certificate and
peering, and what the zone and hosted-zone lookups answer, for tests/unit/mocks.py."""

from __future__ import annotations

from typing import Any

from lib.multi_env_ecs.network import FARGATE_ZONE_IDS
from tests.unit.mocks import ACCOUNT_ID

HOSTED_ZONE_ID = "Z0123456789EXAMPLE"


def computed(  # noqa: PLR0911 - one answer per resource type
    type_token: str, name: str, physical: str, inputs: dict[str, Any], region: str, resource_id: str
) -> dict[str, Any]:
    """The attributes AWS computes that the stack reads, by resource type."""
    del name, resource_id
    if type_token == "aws:lb/loadBalancer:LoadBalancer":
        return {
            "dnsName": f"{physical}-123.{region}.elb.amazonaws.com",
            "zoneId": "Z35SXDOTRQ7X7K",
            "arnSuffix": f"app/{physical}/0123456789abcdef",
        }
    if type_token == "aws:lb/targetGroup:TargetGroup":
        return {"arnSuffix": f"targetgroup/{physical}/0123456789abcdef"}
    if type_token == "aws:rds/cluster:Cluster":
        secret = f"arn:aws:secretsmanager:{region}:{ACCOUNT_ID}:secret:rds!{physical}"
        return {
            "endpoint": f"{physical}.cluster-abc.{region}.rds.amazonaws.com",
            "readerEndpoint": f"{physical}.cluster-ro-abc.{region}.rds.amazonaws.com",
            "masterUserSecrets": [{"secretArn": secret}],
            "clusterIdentifier": inputs.get("clusterIdentifier", physical),
        }
    if type_token == "aws:ecs/cluster:Cluster":
        return {"name": physical}
    if type_token == "aws:ecs/taskDefinition:TaskDefinition":
        family = inputs.get("family")
        return {"arn": f"arn:aws:ecs:{region}:{ACCOUNT_ID}:task-definition/{family}:1"}
    if type_token == "aws:acm/certificate:Certificate":
        domain = inputs.get("domainName")
        validation = {
            "domainName": domain,
            "resourceRecordName": f"_0123456789abcdef.{domain}.",
            "resourceRecordType": "CNAME",
            "resourceRecordValue": "_fedcba9876543210.acm-validations.aws.",
        }
        return {"domainValidationOptions": [validation]}
    if type_token == "aws:route53/record:Record":
        return {"fqdn": inputs.get("name")}
    if type_token == "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter":
        # An accepter is the connection it accepts, seen from the accepting side.
        return {"id": inputs.get("vpcPeeringConnectionId")}
    return {}


def zone_ids(region: str) -> list[str]:
    """The zone IDs the mocks give zones a, b, c and d: in another order than the names, as
    AWS maps names to IDs per account, and where lib/multi_env_ecs/network.py lists the region,
    with a zone that cannot run Fargate."""
    listed = sorted(FARGATE_ZONE_IDS.get(region, ()))
    prefix = listed[0].rsplit("-", 1)[0] if listed else region
    return [f"{prefix}-az{number}" for number in (4, 3, 1, 2)]


def answer(token: str, args: dict[str, Any], region: str) -> dict[str, Any] | None:
    """The region's availability zones and the domain's hosted zone."""
    if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
        return {
            "names": [f"{region}{letter}" for letter in "abcd"],
            "zoneIds": zone_ids(region),
            "id": region,
        }
    if token == "aws:route53/getZone:getZone":
        return {
            "zoneId": HOSTED_ZONE_ID,
            "name": args.get("name", "example.com"),
            "id": HOSTED_ZONE_ID,
        }
    return None
