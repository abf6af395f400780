"""Settings that differ by environment tier, in one typed table on lib/tiers.py's base."""

from __future__ import annotations

from dataclasses import dataclass

from lib.tiers import Tier, TierTable


@dataclass(frozen=True)
class ApiTier(Tier):
    """What one tier of the serverless API gets."""

    throttle_rate_limit: float  # steady-state requests per second across the stage
    throttle_burst_limit: int
    web_acl: bool  # a WAF web ACL of AWS managed rules on the stage (lib/web_acl.py)
    latency_alarm_ms: int  # API p99 latency that raises an alarm
    error_alarm_threshold: int  # Lambda errors per five minutes that raise an alarm
    api_4xx_alarm_threshold: int  # client errors per five minutes that raise an alarm
    # Concurrent executions kept for the function, and its most (lib/tiers.py: None in dev and
    # pr, where the account may not allow any): the stage's steady rate at ~100 ms a request.
    reserved_concurrency: int | None


TIERS: TierTable[ApiTier] = TierTable(
    {
        "dev": ApiTier(
            log_retention_days=14,
            kms_deletion_window_days=7,
            throttle_rate_limit=50,
            throttle_burst_limit=100,
            web_acl=False,
            latency_alarm_ms=5000,
            error_alarm_threshold=5,
            api_4xx_alarm_threshold=100,
            reserved_concurrency=None,
        ),
        "pr": ApiTier(
            log_retention_days=7,
            kms_deletion_window_days=7,
            throttle_rate_limit=20,
            throttle_burst_limit=40,
            web_acl=False,
            latency_alarm_ms=5000,
            error_alarm_threshold=5,
            api_4xx_alarm_threshold=100,
            reserved_concurrency=None,
        ),
        "staging": ApiTier(
            log_retention_days=30,
            kms_deletion_window_days=7,
            throttle_rate_limit=200,
            throttle_burst_limit=400,
            web_acl=False,
            latency_alarm_ms=3000,
            error_alarm_threshold=3,
            api_4xx_alarm_threshold=200,
            reserved_concurrency=20,
        ),
        "prod": ApiTier(
            log_retention_days=90,
            kms_deletion_window_days=30,
            throttle_rate_limit=1000,
            throttle_burst_limit=2000,
            web_acl=True,
            latency_alarm_ms=2000,
            error_alarm_threshold=1,
            api_4xx_alarm_threshold=500,
            reserved_concurrency=100,
        ),
    }
)

# The settings row for an environment suffix.
tier_settings = TIERS.for_suffix
