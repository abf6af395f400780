"""The service's database: Aurora PostgreSQL in the isolated subnets, encrypted, never public."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi_aws import iam, rds

from lib.context import StackContext
from lib.iam import assume_role_policy
from lib.log_group import encrypted_log_group
from lib.multi_env_ecs.security_groups import POSTGRES_PORT
from lib.multi_env_ecs.tiers import ServiceTier
from lib.naming import Namer, replacement_digest

ENGINE = "aurora-postgresql"
# The exact engine version: the database changes version only when this line does (README,
# "Upgrading the database"). A lookup of the latest version would upgrade it, or pick a new
# build variant, on whichever `pulumi up` first sees a new release.
ENGINE_VERSION = "16.10"
ENGINE_MAJOR_VERSION = ENGINE_VERSION.split(".", maxsplit=1)[0]
PARAMETER_GROUP_FAMILY = f"aurora-postgresql{ENGINE_MAJOR_VERSION}"
DATABASE_NAME = "app"
MASTER_USERNAME = "app_admin"
CA_CERTIFICATE = "rds-ca-rsa2048-g1"
PERFORMANCE_INSIGHTS_RETENTION_DAYS = 7  # the free tier
BACKUP_WINDOW = "03:00-04:00"
MAINTENANCE_WINDOW = "sun:04:30-sun:05:30"
# Server settings: connections only over TLS; statements slower than a second are logged.
PARAMETERS = {"rds.force_ssl": "1", "log_min_duration_statement": "1000"}
STORAGE_ENCRYPTED = True
# Enhanced Monitoring: RDS assumes this role to write each instance's OS metrics to CloudWatch
# Logs, with the policy AWS maintains for it (Aurora User Guide, "Setting up and enabling
# Enhanced Monitoring").
MONITORING_SERVICE = "monitoring.rds.amazonaws.com"
MONITORING_POLICY = "policy/service-role/AmazonRDSEnhancedMonitoringRole"


def cluster_identifier(namer: Namer, subnet_group_name: str) -> str:
    """The cluster's identifier: it carries the digest of its subnet group's generated name,
    which is new whenever the cluster has to be (see AuroraDatabase)."""
    return namer.name("rds_cluster", f"db-{replacement_digest(subnet_group_name)}")


def instance_identifier(namer: Namer, subnet_group_name: str, number: int) -> str:
    """Instance ``number`` of that cluster: replaced with it, so named with it."""
    return namer.name("rds_instance", f"db-{replacement_digest(subnet_group_name)}-{number}")


def final_snapshot_identifier(namer: Namer, subnet_group_name: str) -> str:
    """The snapshot taken when that cluster is deleted: one cluster is deleted once, and every
    cluster carries a digest of its own, so no deletion meets an earlier one's snapshot."""
    return namer.name("rds_cluster", f"db-{replacement_digest(subnet_group_name)}-final")


class AuroraDatabase(pulumi.ComponentResource):
    """An Aurora PostgreSQL cluster and its instances.

    Storage, Performance Insights and the master password's secret are all under the stack's
    data key. Aurora creates and rotates the master password in Secrets Manager itself, so it
    never appears in code, config or state. Backups are kept for the tier's days; only prod
    takes a final snapshot and refuses deletion. Every tier exports the PostgreSQL log to
    CloudWatch Logs; a tier with ``db_monitoring_interval_seconds`` (prod) also samples each
    instance's OS with Enhanced Monitoring.
    """

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        *,
        tier: ServiceTier,
        subnet_ids: Sequence[pulumi.Input[str]],
        security_group_id: pulumi.Input[str],
        kms_key_arn: pulumi.Input[str],
        log_kms_key_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:data:AuroraDatabase", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        namer = ctx.namer
        # One cluster's lifetime, from creation to deletion, needs a name no other cluster of
        # this stack had: a replacement is created while the old cluster still holds its
        # identifier, and each deletion leaves a final snapshot whose identifier must be new
        # (DBClusterSnapshotAlreadyExists). pulumi_random is not a dependency and a timestamp
        # would change on every update, so the subnet group supplies the unique element: the
        # provider completes its name prefix with a unique suffix, and it is replaced, getting a
        # new one, whenever an input that replaces the cluster changes (pulumi-aws 7: engine,
        # database_name, master_username, storage_encrypted, kms_key_id and
        # db_subnet_group_name "force a new resource").
        self.subnet_group = rds.SubnetGroup(
            f"{name}-subnets",
            name_prefix=namer.name_prefix("db_subnet_group", "db"),
            description=f"Isolated subnets of the {namer.project} {ctx.suffix} database",
            subnet_ids=list(subnet_ids),
            tags=ctx.tags,
            opts=pulumi.ResourceOptions(
                parent=self,
                replacement_trigger=[
                    ENGINE,
                    DATABASE_NAME,
                    MASTER_USERNAME,
                    STORAGE_ENCRYPTED,
                    kms_key_arn,
                ],
            ),
        )
        generation = self.subnet_group.name
        identifier = generation.apply(lambda group: cluster_identifier(namer, group))
        # A major upgrade changes the family, which replaces the group: a prefix lets the new
        # group exist beside the old one until the cluster has moved to it.
        self.parameter_group = rds.ClusterParameterGroup(
            f"{name}-parameters",
            name_prefix=namer.name_prefix("db_parameter_group", "db"),
            family=PARAMETER_GROUP_FAMILY,
            description=f"Server settings of the {namer.project} {ctx.suffix} database",
            parameters=[{"name": key, "value": value} for key, value in PARAMETERS.items()],
            tags=ctx.tags,
            opts=child,
        )
        # Aurora would create this log group itself, unencrypted and kept forever.
        self.log_group = encrypted_log_group(
            f"{name}-logs",
            ctx,
            name=pulumi.Output.concat("/aws/rds/cluster/", identifier, "/postgresql"),
            retention_days=tier.log_retention_days,
            kms_key_arn=log_kms_key_arn,
            opts=child,
        )
        self.cluster = rds.Cluster(
            f"{name}-cluster",
            cluster_identifier=identifier,
            engine=ENGINE,
            engine_version=ENGINE_VERSION,
            database_name=DATABASE_NAME,
            master_username=MASTER_USERNAME,
            manage_master_user_password=True,
            master_user_secret_kms_key_id=kms_key_arn,
            storage_encrypted=STORAGE_ENCRYPTED,
            kms_key_id=kms_key_arn,
            port=POSTGRES_PORT,
            db_subnet_group_name=self.subnet_group.name,
            db_cluster_parameter_group_name=self.parameter_group.name,
            vpc_security_group_ids=[security_group_id],
            iam_database_authentication_enabled=True,
            enabled_cloudwatch_logs_exports=["postgresql"],
            backup_retention_period=tier.db_backup_retention_days,
            preferred_backup_window=BACKUP_WINDOW,
            preferred_maintenance_window=MAINTENANCE_WINDOW,
            copy_tags_to_snapshot=True,
            deletion_protection=tier.deletion_protection,
            skip_final_snapshot=not tier.db_final_snapshot,
            final_snapshot_identifier=(
                generation.apply(lambda group: final_snapshot_identifier(namer, group))
                if tier.db_final_snapshot
                else None
            ),
            tags=ctx.tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.log_group]),
        )
        # RDS checks that it may assume the role when an instance is created or modified, so
        # the instances wait for its policy.
        self.monitoring_ready: list[pulumi.Resource] = []
        self.monitoring_role = (
            self._monitoring_role(name, ctx) if tier.db_monitoring_interval_seconds else None
        )
        self.instances = [
            rds.ClusterInstance(
                f"{name}-instance-{number}",
                identifier=generation.apply(
                    lambda group, number=number: instance_identifier(namer, group, number)
                ),
                cluster_identifier=self.cluster.id,
                engine=ENGINE,
                engine_version=self.cluster.engine_version,
                instance_class=tier.db_instance_class,
                db_subnet_group_name=self.subnet_group.name,
                publicly_accessible=False,
                ca_cert_identifier=CA_CERTIFICATE,
                performance_insights_enabled=True,
                performance_insights_kms_key_id=kms_key_arn,
                performance_insights_retention_period=PERFORMANCE_INSIGHTS_RETENTION_DAYS,
                monitoring_interval=tier.db_monitoring_interval_seconds,
                monitoring_role_arn=self.monitoring_role.arn if self.monitoring_role else None,
                # Aurora would otherwise upgrade the minor version in a maintenance window,
                # behind ENGINE_VERSION (Aurora user guide, "Amazon Aurora version support").
                auto_minor_version_upgrade=False,
                promotion_tier=number,
                tags=ctx.tags,
                opts=pulumi.ResourceOptions(parent=self, depends_on=self.monitoring_ready),
            )
            for number in range(1, tier.db_instance_count + 1)
        ]
        self.secret_arn: pulumi.Output[str] = self.cluster.master_user_secrets.apply(
            lambda secrets: secrets[0].secret_arn
        )
        self.register_outputs(
            {
                "endpoint": self.cluster.endpoint,
                "reader_endpoint": self.cluster.reader_endpoint,
                "secret_arn": self.secret_arn,
            }
        )

    def _monitoring_role(self, name: str, ctx: StackContext) -> iam.Role:
        """The role Enhanced Monitoring writes the instances' OS metrics with. Its name carries
        the region's code (IAM names are account-wide), and only this account's RDS may take
        it. The metrics go to the RDSOSMetrics log group, which RDS creates once per account
        and region, so the stack does not declare it."""
        role = iam.Role(
            f"{name}-monitoring-role",
            name=ctx.namer.name("iam_role", "rds-monitoring"),
            assume_role_policy=assume_role_policy(
                MONITORING_SERVICE, source_account=ctx.account_id, sid="AssumeFromRdsMonitoring"
            ),
            tags=ctx.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        attachment = iam.RolePolicyAttachment(
            f"{name}-monitoring-policy",
            role=role.name,
            policy_arn=f"arn:{ctx.partition}:iam::aws:{MONITORING_POLICY}",
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.monitoring_ready.append(attachment)
        return role
