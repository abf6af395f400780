"""What every variant's tier table holds, and the one lookup from a suffix to its row.

Each variant's ``tiers.py`` extends ``Tier`` with its own settings and lists one row per tier
of lib/environment.py in a ``TierTable``, which refuses a table that misses one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Generic, TypeVar

from lib.environment import TIERS as TIER_NAMES
from lib.environment import tier_of

# The retentions CloudWatch Logs accepts (PutRetentionPolicy); it refuses any other number.
LOG_RETENTION_DAYS = (
    *(1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731),
    *(1096, 1827, 2192, 2557, 2922, 3288, 3653),
)
# How long KMS waits before it deletes a key scheduled for deletion: 7 to 30 days.
KMS_DELETION_WINDOW_DAYS = range(7, 31)
# A row's fields that reserve Lambda concurrency end so. Lambda refuses a reservation that
# leaves the account's unreserved concurrency under 100 (configuration-concurrency.html), and a
# new account may start with a quota of 10, where it refuses any: so the tables reserve for
# staging and prod, which run where the quota was raised, and leave dev and pr (None) unreserved.
RESERVED_CONCURRENCY_SUFFIX = "reserved_concurrency"


class TierTableError(ValueError):
    """A tier row or table that no deployment could use."""


@dataclass(frozen=True)
class Tier:
    """What one tier of every variant gets: how long its logs are kept, and how long a key of
    a destroyed stack can still be recovered."""

    log_retention_days: int
    kms_deletion_window_days: int

    def __post_init__(self) -> None:
        if self.log_retention_days not in LOG_RETENTION_DAYS:
            raise TierTableError(
                f"log_retention_days {self.log_retention_days} is not a retention CloudWatch "
                f"Logs accepts: {', '.join(map(str, LOG_RETENTION_DAYS))}"
            )
        if self.kms_deletion_window_days not in KMS_DELETION_WINDOW_DAYS:
            raise TierTableError(
                f"kms_deletion_window_days {self.kms_deletion_window_days} is outside the "
                f"{KMS_DELETION_WINDOW_DAYS.start} to {KMS_DELETION_WINDOW_DAYS.stop - 1} days "
                "KMS accepts"
            )
        for field in fields(self):
            value = getattr(self, field.name)
            reserves = field.name.endswith(RESERVED_CONCURRENCY_SUFFIX)
            if reserves and value is not None and (isinstance(value, bool) or value < 1):
                # Zero would stop every invocation: Lambda's way of turning a function off.
                raise TierTableError(
                    f"{field.name} {value} must be a number of concurrent executions of at "
                    "least 1, or None to leave the function unreserved"
                )


RowT = TypeVar("RowT", bound=Tier)


class TierTable(Mapping[str, RowT], Generic[RowT]):
    """One row per tier of lib/environment.py, by tier name; built only when every tier has
    its row and every row is a ``Tier``."""

    def __init__(self, rows: Mapping[str, RowT]) -> None:
        missing = [name for name in TIER_NAMES if name not in rows]
        unknown = [name for name in rows if name not in TIER_NAMES]
        if missing or unknown:
            problems = [f"no row for {', '.join(missing)}"] if missing else []
            problems += [f"a row for no tier: {', '.join(unknown)}"] if unknown else []
            raise TierTableError(
                f"tier table has {' and '.join(problems)}; it needs exactly one row for each "
                f"tier of lib/environment.py ({', '.join(TIER_NAMES)})"
            )
        for name, row in rows.items():
            if not isinstance(row, Tier):
                raise TierTableError(f"tier table row {name} is a {type(row).__name__}, not a Tier")
        self._rows = dict(rows)

    def __getitem__(self, name: str) -> RowT:
        return self._rows[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def for_suffix(self, suffix: str) -> RowT:
        """The row an environment suffix gets: ``prod``, ``staging``, ``pr`` for ``pr123``,
        else ``dev`` (lib/environment.py's ``tier_of``)."""
        return self._rows[tier_of(suffix)]
