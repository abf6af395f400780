"""The tier tables' base: every table has one row per tier, every row values AWS accepts, and a
suffix finds its row."""

import dataclasses
import re

import botocore.session
import pytest

from lib.environment import TIERS as TIER_NAMES
from lib.tap_stack import tier_settings
from lib.tiers import KMS_DELETION_WINDOW_DAYS, LOG_RETENTION_DAYS, Tier, TierTable, TierTableError


@dataclasses.dataclass(frozen=True)
class SizedTier(Tier):
    """A variant's row: the base's fields and one of its own."""

    size: int


def row(log_retention_days=14, kms_deletion_window_days=7, size=1):
    return SizedTier(
        log_retention_days=log_retention_days,
        kms_deletion_window_days=kms_deletion_window_days,
        size=size,
    )


def full_table(**overrides):
    return {name: row(size=number) for number, name in enumerate(TIER_NAMES)} | overrides


def test_the_projects_table_gives_each_tier_a_row_of_its_own():
    # A suffix of each tier (lib/environment.py's tier_of): four suffixes, four rows.
    rows = [tier_settings(suffix) for suffix in ("dev", "staging", "prod", "pr1")]
    assert all(isinstance(row, Tier) for row in rows)
    assert len({id(row) for row in rows}) == len(TIER_NAMES)


def test_a_table_missing_a_tier_is_refused_and_the_error_names_it():
    rows = full_table()
    del rows["pr"]
    with pytest.raises(TierTableError, match=r"no row for pr; it needs exactly one row for each"):
        TierTable(rows)


def test_a_row_for_a_tier_that_does_not_exist_is_refused():
    with pytest.raises(TierTableError, match=r"a row for no tier: qa"):
        TierTable(full_table(qa=row()))


def test_a_row_that_is_not_a_tier_is_refused():
    with pytest.raises(TierTableError, match=r"row prod is a dict, not a Tier"):
        TierTable(full_table(prod={"log_retention_days": 14}))


def test_a_table_reads_like_the_dict_it_was_built_from():
    rows = full_table()
    table = TierTable(rows)
    assert dict(table.items()) == rows
    assert list(table.values()) == list(rows.values())
    assert table["staging"] is rows["staging"]
    assert len(table) == len(TIER_NAMES)


@pytest.mark.parametrize(
    ("suffix", "tier"),
    [("prod", "prod"), ("staging", "staging"), ("pr7", "pr"), ("dev", "dev"), ("alice", "dev")],
)
def test_a_suffix_finds_its_tiers_row(suffix, tier):
    table = TierTable(full_table())
    assert table.for_suffix(suffix) is table[tier]


def test_a_row_adds_its_own_fields_to_the_bases():
    names = [field.name for field in dataclasses.fields(SizedTier)]
    assert names == ["log_retention_days", "kms_deletion_window_days", "size"]


def test_log_retentions_are_the_ones_cloudwatch_logs_accepts():
    # botocore documents the values PutRetentionPolicy accepts; CloudWatch refuses any other.
    model = botocore.session.get_session().get_service_model("logs")
    documented = model.shape_for("Days").documentation
    accepted = re.search(r"Possible values are: ([0-9, and]+)\.", documented).group(1)
    assert LOG_RETENTION_DAYS == tuple(int(days) for days in re.findall(r"[0-9]+", accepted))


def test_key_deletion_windows_are_the_ones_kms_accepts():
    model = botocore.session.get_session().get_service_model("kms")
    request = model.operation_model("ScheduleKeyDeletion").input_shape
    documented = request.members["PendingWindowInDays"].documentation
    low, high = re.search(r"between ([0-9]+) and ([0-9]+), inclusive", documented).groups()
    assert KMS_DELETION_WINDOW_DAYS == range(int(low), int(high) + 1)


@pytest.mark.parametrize("days", [0, 10, 4 * 365])
def test_a_retention_cloudwatch_logs_would_refuse_is_refused_when_the_row_is_built(days):
    with pytest.raises(TierTableError, match=rf"log_retention_days {days} is not a retention"):
        row(log_retention_days=days)


@pytest.mark.parametrize("days", [6, 31])
def test_a_key_deletion_window_kms_would_refuse_is_refused_when_the_row_is_built(days):
    with pytest.raises(TierTableError, match=rf"kms_deletion_window_days {days} is outside the 7"):
        row(kms_deletion_window_days=days)


@dataclasses.dataclass(frozen=True)
class ReservingTier(Tier):
    """A row that reserves Lambda concurrency for a function."""

    api_reserved_concurrency: int | None


@pytest.mark.parametrize("reserved", [0, -1, True])
def test_a_reservation_that_would_stop_or_unset_a_function_is_refused(reserved):
    with pytest.raises(TierTableError, match=f"api_reserved_concurrency {reserved} must be"):
        ReservingTier(14, 7, api_reserved_concurrency=reserved)
    assert ReservingTier(14, 7, api_reserved_concurrency=None).api_reserved_concurrency is None
    assert ReservingTier(14, 7, api_reserved_concurrency=5).api_reserved_concurrency == 5
