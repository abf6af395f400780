"""Settings that differ by environment tier, in one typed table on lib/tiers.py's base."""

from __future__ import annotations

from dataclasses import dataclass

from lib.tiers import Tier, TierTable, TierTableError

# An on-demand stream starts with four shards (Kinesis "Choosing the data stream capacity
# mode"); it may add more as writes grow, which a reservation for staging's light load allows.
ON_DEMAND_INITIAL_SHARDS = 4


@dataclass(frozen=True)
class StreamTier(Tier):
    """What one tier of the stream pipeline gets."""

    stream_retention_hours: int
    stream_shard_count: int | None  # None: on-demand capacity, billed per use
    throttle_rate_limit: float  # steady-state ingest requests per second across the stage
    throttle_burst_limit: int
    web_acl: bool  # a WAF web ACL of AWS managed rules on the stage (lib/web_acl.py)
    batch_size: int  # records per processor invocation, at most
    batching_window_seconds: int  # how long Lambda gathers records before invoking
    max_retry_attempts: int  # retries of a failing batch before it goes to the dead-letter queue
    ingest_memory_mb: int
    processor_memory_mb: int
    indexer_memory_mb: int
    # Concurrent executions kept for each function, and its most (lib/tiers.py: None in dev and
    # pr, where the account may not allow any). The processor runs one batch per shard at a
    # time, so it needs as many as the stream has shards (StreamTier refuses fewer).
    ingest_reserved_concurrency: int | None
    processor_reserved_concurrency: int | None
    indexer_reserved_concurrency: int | None
    secret_recovery_window_days: int  # 0: a destroyed secret is deleted at once
    infrequent_access_after_days: int  # S3 moves objects to Standard-IA after this many days
    noncurrent_version_days: int  # S3 deletes replaced object versions after this many days
    error_alarm_threshold: int  # function errors per five minutes that raise an alarm
    api_4xx_alarm_threshold: int  # rejected requests per five minutes that raise an alarm
    iterator_age_alarm_ms: int  # how far the processor may fall behind the stream

    def __post_init__(self) -> None:
        super().__post_init__()
        shards = self.stream_shard_count or ON_DEMAND_INITIAL_SHARDS
        reserved = self.processor_reserved_concurrency
        if reserved is not None and reserved < shards:
            # Lambda reads each shard with one invocation at a time (parallelization factor 1):
            # with fewer executions than shards, reads are throttled and the processor falls behind.
            raise TierTableError(
                f"processor_reserved_concurrency {reserved} is fewer than the stream's {shards} "
                "shards, each of which needs an execution of its own"
            )


TIERS: TierTable[StreamTier] = TierTable(
    {
        "dev": StreamTier(
            log_retention_days=14,
            kms_deletion_window_days=7,
            stream_retention_hours=24,
            stream_shard_count=None,
            throttle_rate_limit=50,
            throttle_burst_limit=100,
            web_acl=False,
            batch_size=100,
            batching_window_seconds=5,
            max_retry_attempts=3,
            ingest_memory_mb=256,
            processor_memory_mb=512,
            indexer_memory_mb=128,
            ingest_reserved_concurrency=None,
            processor_reserved_concurrency=None,
            indexer_reserved_concurrency=None,
            secret_recovery_window_days=0,
            infrequent_access_after_days=30,
            noncurrent_version_days=30,
            error_alarm_threshold=5,
            api_4xx_alarm_threshold=100,
            iterator_age_alarm_ms=300_000,
        ),
        "pr": StreamTier(
            log_retention_days=7,
            kms_deletion_window_days=7,
            stream_retention_hours=24,
            stream_shard_count=None,
            throttle_rate_limit=20,
            throttle_burst_limit=40,
            web_acl=False,
            batch_size=100,
            batching_window_seconds=5,
            max_retry_attempts=2,
            ingest_memory_mb=256,
            processor_memory_mb=512,
            indexer_memory_mb=128,
            ingest_reserved_concurrency=None,
            processor_reserved_concurrency=None,
            indexer_reserved_concurrency=None,
            secret_recovery_window_days=0,
            infrequent_access_after_days=30,
            noncurrent_version_days=7,
            error_alarm_threshold=5,
            api_4xx_alarm_threshold=100,
            iterator_age_alarm_ms=300_000,
        ),
        "staging": StreamTier(
            log_retention_days=30,
            kms_deletion_window_days=7,
            stream_retention_hours=24,
            stream_shard_count=None,
            throttle_rate_limit=200,
            throttle_burst_limit=400,
            web_acl=False,
            batch_size=200,
            batching_window_seconds=5,
            max_retry_attempts=3,
            ingest_memory_mb=256,
            processor_memory_mb=1024,
            indexer_memory_mb=128,
            ingest_reserved_concurrency=20,
            processor_reserved_concurrency=10,
            indexer_reserved_concurrency=5,
            secret_recovery_window_days=0,
            infrequent_access_after_days=30,
            noncurrent_version_days=30,
            error_alarm_threshold=3,
            api_4xx_alarm_threshold=200,
            iterator_age_alarm_ms=120_000,
        ),
        "prod": StreamTier(
            log_retention_days=90,
            kms_deletion_window_days=30,
            stream_retention_hours=168,
            stream_shard_count=2,
            throttle_rate_limit=1000,
            throttle_burst_limit=2000,
            web_acl=True,
            batch_size=500,
            batching_window_seconds=1,
            max_retry_attempts=5,
            ingest_memory_mb=512,
            processor_memory_mb=1024,
            indexer_memory_mb=256,
            ingest_reserved_concurrency=100,
            processor_reserved_concurrency=4,
            indexer_reserved_concurrency=10,
            secret_recovery_window_days=30,
            infrequent_access_after_days=30,
            noncurrent_version_days=90,
            error_alarm_threshold=1,
            api_4xx_alarm_threshold=500,
            iterator_age_alarm_ms=60_000,
        ),
    }
)

# The settings row for an environment suffix.
tier_settings = TIERS.for_suffix
