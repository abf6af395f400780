"""Aurora PostgreSQL: isolated, encrypted under the stack's key, password in Secrets Manager,
backups and protection by tier."""

import re

import pytest

from lib.multi_env_ecs.database import (
    ENGINE,
    ENGINE_VERSION,
    MASTER_USERNAME,
    PARAMETER_GROUP_FAMILY,
    PARAMETERS,
    final_snapshot_identifier,
)
from lib.multi_env_ecs.tiers import tier_settings
from lib.naming import Namer

CLUSTER = "aws:rds/cluster:Cluster"
INSTANCE = "aws:rds/clusterInstance:ClusterInstance"


def tier(deployment):
    return tier_settings(deployment.args.environment_suffix)


def data_key(deployment):
    arn = deployment.one(CLUSTER).inputs["kmsKeyId"]
    return deployment.by_id(arn.rsplit("/", 1)[-1])


def test_the_cluster_is_aurora_postgresql_at_the_pinned_version(stack):
    # The mocks answer no rds.getEngineVersion: a lookup of the latest version would raise.
    cluster = stack.one(CLUSTER).inputs
    assert cluster["engine"] == ENGINE == "aurora-postgresql"
    assert re.fullmatch(r"16\.[0-9]+", ENGINE_VERSION)
    assert cluster["engineVersion"] == ENGINE_VERSION
    assert PARAMETER_GROUP_FAMILY == f"aurora-postgresql{ENGINE_VERSION.split('.')[0]}"
    group = stack.one("aws:rds/clusterParameterGroup:ClusterParameterGroup").inputs
    assert group["family"] == PARAMETER_GROUP_FAMILY
    assert (
        cluster["dbClusterParameterGroupName"]
        == stack.one("aws:rds/clusterParameterGroup:ClusterParameterGroup").outputs["name"]
    )
    assert {p["name"]: p["value"] for p in group["parameters"]} == PARAMETERS
    assert PARAMETERS["rds.force_ssl"] == "1"


def test_storage_and_the_password_secret_are_under_a_rotating_customer_key(stack):
    cluster = stack.one(CLUSTER).inputs
    key = data_key(stack)
    assert key.type == "aws:kms/key:Key"
    assert key.inputs["enableKeyRotation"] is True
    assert cluster["storageEncrypted"] is True
    assert cluster["masterUserSecretKmsKeyId"] == cluster["kmsKeyId"]


def test_aurora_manages_the_master_password_so_it_is_nowhere_in_code_or_config(stack):
    cluster = stack.one(CLUSTER).inputs
    assert cluster["manageMasterUserPassword"] is True
    assert cluster["masterUsername"] == MASTER_USERNAME
    assert "masterPassword" not in cluster
    assert "masterPasswordWo" not in cluster


def test_the_data_key_is_delegated_to_the_account_and_names_no_service(stack):
    # KMS: Aurora and Secrets Manager use the key with the caller's credentials (kms:ViaService),
    # so the account's IAM grants them; a service-principal grant would serve any caller.
    statements = data_key(stack).json("policy")["Statement"]
    assert [s["Sid"] for s in statements] == ["EnableIamUserPermissions"]
    assert statements[0]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}


def test_the_database_lives_in_the_isolated_subnets_behind_its_group(stack):
    cluster = stack.one(CLUSTER).inputs
    subnet_group = stack.one("aws:rds/subnetGroup:SubnetGroup")
    isolated = [
        s.outputs["id"] for s in stack.of_type("aws:ec2/subnet:Subnet") if "isolated" in s.name
    ]
    assert sorted(subnet_group.inputs["subnetIds"]) == sorted(isolated)
    assert cluster["dbSubnetGroupName"] == subnet_group.outputs["name"]
    group = stack.one("aws:ec2/securityGroup:SecurityGroup", "-db").outputs["id"]
    assert cluster["vpcSecurityGroupIds"] == [group]
    assert cluster["port"] == 5432


@pytest.mark.parametrize("deployment", ["stack", "prod_stack", "pr_stack", "staging_stack"])
def test_backups_snapshots_and_protection_follow_the_tier(request, deployment):
    deployment = request.getfixturevalue(deployment)
    cluster = deployment.one(CLUSTER).inputs
    settings = tier(deployment)
    assert cluster["backupRetentionPeriod"] == settings.db_backup_retention_days
    assert cluster["deletionProtection"] is settings.deletion_protection
    assert cluster["skipFinalSnapshot"] is not settings.db_final_snapshot
    assert ("finalSnapshotIdentifier" in cluster) is settings.db_final_snapshot
    assert cluster["copyTagsToSnapshot"] is True


def test_prod_keeps_30_days_of_backups_and_a_final_snapshot(prod_stack):
    cluster = prod_stack.one(CLUSTER).inputs
    assert cluster["backupRetentionPeriod"] == 30
    assert cluster["deletionProtection"] is True
    assert cluster["finalSnapshotIdentifier"].endswith("-final-prod")


def test_each_deletion_of_a_prod_cluster_leaves_a_snapshot_of_its_own(prod_stack):
    # A second snapshot of the same identifier fails the deletion (DBClusterSnapshotAlreadyExists):
    # the identifier carries the digest of the subnet group's generated name, new for every
    # cluster (see test_whatever_replaces_the_database_gives_its_subnet_group_a_new_name).
    namer = Namer(prod_stack.args.project, "prod")
    generation = prod_stack.one("aws:rds/subnetGroup:SubnetGroup").outputs["name"]
    snapshot = prod_stack.one(CLUSTER).inputs["finalSnapshotIdentifier"]
    assert snapshot == final_snapshot_identifier(namer, generation)
    assert snapshot != final_snapshot_identifier(namer, generation + "1")
    assert len(snapshot) <= 255
    assert re.fullmatch(r"[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*", snapshot)


@pytest.mark.parametrize("deployment", ["stack", "prod_stack"])
def test_aurora_never_upgrades_the_engine_behind_the_pinned_version(request, deployment):
    # Automatic minor upgrades would move the instances past ENGINE_VERSION in a maintenance
    # window, and the next update would then try to go back.
    for instance in request.getfixturevalue(deployment).of_type(INSTANCE):
        assert instance.inputs["autoMinorVersionUpgrade"] is False
        assert instance.inputs["engineVersion"] == ENGINE_VERSION


@pytest.mark.parametrize("deployment", ["stack", "prod_stack", "staging_stack"])
def test_instances_are_private_watched_by_performance_insights_and_sized_by_tier(
    request, deployment
):
    deployment = request.getfixturevalue(deployment)
    instances = deployment.of_type(INSTANCE)
    settings = tier(deployment)
    cluster = deployment.one(CLUSTER)
    key_arn = cluster.inputs["kmsKeyId"]
    assert len(instances) == settings.db_instance_count
    for instance in instances:
        inputs = instance.inputs
        assert inputs["clusterIdentifier"] == cluster.outputs["id"]
        assert inputs["instanceClass"] == settings.db_instance_class
        assert inputs["publiclyAccessible"] is False
        assert inputs["performanceInsightsEnabled"] is True
        assert inputs["performanceInsightsKmsKeyId"] == key_arn
        assert inputs["engine"] == ENGINE


def test_prod_runs_memory_optimised_instances_and_never_a_micro(stack, prod_stack):
    assert prod_stack.one(INSTANCE, "instance-1").inputs["instanceClass"].startswith("db.r")
    for deployment in (stack, prod_stack):
        for instance in deployment.of_type(INSTANCE):
            assert instance.inputs["instanceClass"] != "db.t3.micro"


def test_database_logs_go_to_an_encrypted_group_created_before_the_cluster(stack):
    cluster = stack.one(CLUSTER)
    log_group = stack.one("aws:cloudwatch/logGroup:LogGroup", "db-logs")
    assert cluster.inputs["enabledCloudwatchLogsExports"] == ["postgresql"]
    assert (
        log_group.inputs["name"]
        == f"/aws/rds/cluster/{cluster.inputs['clusterIdentifier']}/postgresql"
    )
    assert log_group.inputs["retentionInDays"] == tier(stack).log_retention_days
    assert stack.resources.index(log_group) < stack.resources.index(cluster)


def test_identifiers_are_lowercase_start_with_a_letter_and_fit_63(staging_stack):
    identifiers = [staging_stack.one(CLUSTER).inputs["clusterIdentifier"]]
    identifiers += [i.inputs["identifier"] for i in staging_stack.of_type(INSTANCE)]
    for identifier in identifiers:
        assert len(identifier) <= 63
        assert re.fullmatch(r"[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*", identifier), identifier
