"""The deployed ECS service: it answers, runs its tasks, its database is up and encrypted, and
its peering connections are active."""

import os
import urllib.request

import pytest

from lib.multi_env_ecs.service_config import DEFAULT_HEALTH_CHECK_PATH

# The health path the stack was deployed with, when its config changed it.
HEALTH_CHECK_PATH = os.environ.get("TAP_HEALTH_CHECK_PATH", DEFAULT_HEALTH_CHECK_PATH)


def test_the_service_answers_its_health_check(outputs):
    url = f"{outputs['service_url'].rstrip('/')}{HEALTH_CHECK_PATH}"
    with urllib.request.urlopen(url, timeout=15) as answer:  # noqa: S310 - the stack's own URL
        assert answer.status == 200


def test_the_service_runs_its_desired_count(outputs, aws):
    where = {"cluster": outputs["cluster_name"], "services": [outputs["service_name"]]}
    # Tasks may still be starting right after a deployment; wait up to five minutes for them.
    aws("ecs").get_waiter("services_stable").wait(
        **where, WaiterConfig={"Delay": 15, "MaxAttempts": 20}
    )
    (service,) = aws("ecs").describe_services(**where)["services"]
    assert service["status"] == "ACTIVE"
    assert service["desiredCount"] >= 1
    assert service["runningCount"] == service["desiredCount"]
    assert service["taskDefinition"] == outputs["task_definition_arn"]
    assert service["launchType"] == "FARGATE"


def test_the_network_is_the_environments(outputs, aws):
    (vpc,) = aws("ec2").describe_vpcs(VpcIds=[outputs["vpc_id"]])["Vpcs"]
    assert vpc["CidrBlock"] == outputs["vpc_cidr"]
    subnets = outputs["public_subnet_ids"] + outputs["private_subnet_ids"]
    subnets += outputs["isolated_subnet_ids"]
    found = aws("ec2").describe_subnets(SubnetIds=subnets)["Subnets"]
    assert {subnet["VpcId"] for subnet in found} == {outputs["vpc_id"]}


def test_the_database_is_available_and_encrypted(outputs, aws):
    identifier = outputs["db_cluster_endpoint"].split(".", 1)[0]
    (cluster,) = aws("rds").describe_db_clusters(DBClusterIdentifier=identifier)["DBClusters"]
    assert cluster["Status"] == "available"
    assert cluster["StorageEncrypted"] is True
    assert cluster["KmsKeyId"].startswith("arn:aws:kms:")
    assert cluster["Engine"] == "aurora-postgresql"
    assert cluster["MasterUserSecret"]["SecretArn"] == outputs["db_secret_arn"]
    assert cluster["DBClusterMembers"]
    for member in cluster["DBClusterMembers"]:
        (instance,) = aws("rds").describe_db_instances(
            DBInstanceIdentifier=member["DBInstanceIdentifier"]
        )["DBInstances"]
        assert instance["PubliclyAccessible"] is False


def test_peering_connections_are_active_when_configured(outputs, aws):
    connection_ids = outputs["peering_connection_ids"]
    if not connection_ids:
        pytest.skip("this stack has no peerVpcs configured")
    connections = aws("ec2").describe_vpc_peering_connections(
        VpcPeeringConnectionIds=connection_ids
    )["VpcPeeringConnections"]
    assert {c["Status"]["Code"] for c in connections} == {"active"}


def test_the_alarms_notify_the_topic(outputs, aws):
    service = {"ClusterName": outputs["cluster_name"], "ServiceName": outputs["service_name"]}
    alarms = aws("cloudwatch").describe_alarms_for_metric(
        MetricName="CPUUtilization",
        Namespace="AWS/ECS",
        Dimensions=[{"Name": name, "Value": value} for name, value in service.items()],
    )["MetricAlarms"]
    # Target tracking creates alarms of its own on the same metric (TargetTracking-<service>-...);
    # Application Auto Scaling owns them and their action is the scaling policy, not the topic.
    alarms = [alarm for alarm in alarms if not alarm["AlarmName"].startswith("TargetTracking-")]
    assert alarms
    for alarm in alarms:
        assert {d["Name"]: d["Value"] for d in alarm["Dimensions"]} == service
        assert outputs["alarm_topic_arn"] in alarm["AlarmActions"]
