"""Settings that differ by environment tier, in one typed table on lib/tiers.py's base."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

from lib.tiers import Tier, TierTable, TierTableError

GIB = 1024**3
# The sampling intervals Enhanced Monitoring takes (CreateDBInstance MonitoringInterval); 0 is off.
MONITORING_INTERVALS_SECONDS = (0, 1, 5, 10, 15, 30, 60)


class QuotaCost(NamedTuple):
    """What one stack counts against its account's per-region quotas (README, "Peering, zones
    and quotas", says which to raise)."""

    vpcs: int
    internet_gateways: int
    nat_gateways: int
    elastic_ips: int


@dataclass(frozen=True)
class ServiceTier(Tier):
    """What one tier of the ECS service, its network and its database get."""

    # Fargate task size and how many tasks run.
    task_cpu: int  # CPU units (1024 = one vCPU)
    task_memory_mb: int
    desired_count: int
    min_tasks: int  # autoscaling bounds
    max_tasks: int
    cpu_target_percent: float  # average service CPU that target tracking keeps
    # Network. One NAT gateway per zone keeps a zone's outage to that zone; one for the whole
    # VPC costs one NAT gateway and one Elastic IP. No tier goes without: the default image is
    # on ECR Public, which no VPC endpoint reaches.
    nat_gateway_per_zone: bool
    # Retention and protection; Tier's log_retention_days keeps container, flow and database
    # logs, its kms_deletion_window_days applies to both keys.
    access_log_retention_days: int  # ALB access logs in S3
    # Days an access log that was overwritten or deleted stays recoverable as a noncurrent
    # version (the log bucket is versioned; see load_balancer.py).
    access_log_noncurrent_days: int
    deletion_protection: bool  # load balancer and database
    empty_buckets_on_destroy: bool  # else destroy stops at a bucket that still holds objects
    # Aurora PostgreSQL.
    db_instance_class: str
    db_instance_count: int
    db_backup_retention_days: int
    db_final_snapshot: bool
    # Seconds between Enhanced Monitoring samples of each instance's OS (1, 5, 10, 15, 30 or
    # 60), 0 for none: RDS bills the metrics it writes to CloudWatch Logs.
    db_monitoring_interval_seconds: int
    # An AWS WAF web ACL with AWS's managed rule groups in front of the load balancer
    # (lib/web_acl.py): it costs a monthly fee per ACL and per rule group, and per million
    # requests.
    web_acl: bool
    # Alarm thresholds.
    cpu_alarm_percent: float
    memory_alarm_percent: float
    alb_5xx_alarm_count: int  # load balancer 5XX responses per five minutes
    unhealthy_hosts_alarm_count: int
    response_time_alarm_seconds: float
    db_cpu_alarm_percent: float
    db_freeable_memory_alarm_bytes: int  # alarm when free memory falls below this
    db_connections_alarm_count: int

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.db_monitoring_interval_seconds not in MONITORING_INTERVALS_SECONDS:
            raise TierTableError(
                f"db_monitoring_interval_seconds {self.db_monitoring_interval_seconds} is not "
                f"an interval RDS accepts: {', '.join(map(str, MONITORING_INTERVALS_SECONDS))}"
            )

    def nat_gateway_count(self, zones: int) -> int:
        """How many NAT gateways a VPC of ``zones`` zones gets: one per zone, or one in all."""
        return zones if self.nat_gateway_per_zone else 1

    def quota_cost(self, zones: int) -> QuotaCost:
        """What a stack of this tier with ``zones`` zones counts against the region's quotas:
        its VPC, the VPC's internet gateway, and a public NAT gateway with its Elastic IP each."""
        nat_gateways = self.nat_gateway_count(zones)
        return QuotaCost(
            vpcs=1, internet_gateways=1, nat_gateways=nat_gateways, elastic_ips=nat_gateways
        )

    def destroyable(self) -> ServiceTier:
        """This row with nothing that stops a destroy: what ``allowDestroy`` asks for before a
        protected environment is destroyed deliberately. The final snapshot is still taken."""
        return replace(self, deletion_protection=False, empty_buckets_on_destroy=True)


TIERS: TierTable[ServiceTier] = TierTable(
    {
        "dev": ServiceTier(
            task_cpu=256,
            task_memory_mb=512,
            desired_count=1,
            min_tasks=1,
            max_tasks=3,
            cpu_target_percent=70,
            nat_gateway_per_zone=False,
            log_retention_days=14,
            access_log_retention_days=30,
            access_log_noncurrent_days=7,
            kms_deletion_window_days=7,
            deletion_protection=False,
            empty_buckets_on_destroy=True,
            db_instance_class="db.t4g.medium",
            db_instance_count=1,
            db_backup_retention_days=7,
            db_final_snapshot=False,
            db_monitoring_interval_seconds=0,
            web_acl=False,
            cpu_alarm_percent=85,
            memory_alarm_percent=85,
            alb_5xx_alarm_count=20,
            unhealthy_hosts_alarm_count=1,
            response_time_alarm_seconds=3,
            db_cpu_alarm_percent=85,
            db_freeable_memory_alarm_bytes=GIB // 4,
            db_connections_alarm_count=300,
        ),
        "pr": ServiceTier(
            task_cpu=256,
            task_memory_mb=512,
            desired_count=1,
            min_tasks=1,
            max_tasks=2,
            cpu_target_percent=70,
            nat_gateway_per_zone=False,
            log_retention_days=7,
            access_log_retention_days=7,
            access_log_noncurrent_days=1,
            kms_deletion_window_days=7,
            deletion_protection=False,
            empty_buckets_on_destroy=True,
            db_instance_class="db.t4g.medium",
            db_instance_count=1,
            db_backup_retention_days=7,
            db_final_snapshot=False,
            db_monitoring_interval_seconds=0,
            web_acl=False,
            cpu_alarm_percent=85,
            memory_alarm_percent=85,
            alb_5xx_alarm_count=20,
            unhealthy_hosts_alarm_count=1,
            response_time_alarm_seconds=3,
            db_cpu_alarm_percent=85,
            db_freeable_memory_alarm_bytes=GIB // 4,
            db_connections_alarm_count=300,
        ),
        "staging": ServiceTier(
            task_cpu=512,
            task_memory_mb=1024,
            desired_count=2,
            min_tasks=2,
            max_tasks=6,
            cpu_target_percent=60,
            nat_gateway_per_zone=False,
            log_retention_days=30,
            access_log_retention_days=90,
            access_log_noncurrent_days=7,
            kms_deletion_window_days=7,
            deletion_protection=False,
            empty_buckets_on_destroy=True,
            db_instance_class="db.t4g.medium",
            db_instance_count=2,
            db_backup_retention_days=7,
            db_final_snapshot=False,
            db_monitoring_interval_seconds=0,
            web_acl=False,
            cpu_alarm_percent=80,
            memory_alarm_percent=80,
            alb_5xx_alarm_count=10,
            unhealthy_hosts_alarm_count=1,
            response_time_alarm_seconds=2,
            db_cpu_alarm_percent=80,
            db_freeable_memory_alarm_bytes=GIB // 4,
            db_connections_alarm_count=300,
        ),
        "prod": ServiceTier(
            task_cpu=1024,
            task_memory_mb=2048,
            desired_count=4,
            min_tasks=4,
            max_tasks=12,
            cpu_target_percent=50,
            nat_gateway_per_zone=True,
            log_retention_days=90,
            access_log_retention_days=365,
            access_log_noncurrent_days=30,
            kms_deletion_window_days=30,
            deletion_protection=True,
            empty_buckets_on_destroy=False,
            db_instance_class="db.r6g.large",
            db_instance_count=2,
            db_backup_retention_days=30,
            db_final_snapshot=True,
            db_monitoring_interval_seconds=60,
            web_acl=True,
            cpu_alarm_percent=75,
            memory_alarm_percent=75,
            alb_5xx_alarm_count=5,
            unhealthy_hosts_alarm_count=1,
            response_time_alarm_seconds=1,
            db_cpu_alarm_percent=75,
            db_freeable_memory_alarm_bytes=GIB,
            db_connections_alarm_count=1000,
        ),
    }
)

# The settings row for an environment suffix.
tier_settings = TIERS.for_suffix
