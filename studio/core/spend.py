"""The spend ledger: what live jobs have spent and reserved, per billing provider, in the
local day and month (core.budget says what those are).

A live job counts as
- spent once the provider accepted it (it has a remote id or a submit time), at the actual
  cost the provider reported, else its estimate; so does a `succeeded` job, and an `unknown`
  one (the provider may have received it, so it may have been charged). It is dated by its
  submit time; a job the provider accepted counts even if it later failed or was cancelled
  (providers may bill those), until an actual cost says otherwise;
- reserved while it is on its way (`queued`, `submitting`, or a fresh live `draft`: the
  budget check writes the job as a draft in the same transaction, which is its reservation);
- nothing when it never reached the provider (a failed submit, refused, dry-run).
A job with no USD figure counts at its model's highest price seen here, else nothing.
A fan-out's hold (table budget_holds) reserves its jobs until each of them is written.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from studio.core.budget import PERIODS, Budget, Period, period_starts
from studio.core.store import Store

# A live draft older than this was left by a process that died before sending it.
DRAFT_HOLD_SECONDS = 600.0


def _usd(column: str) -> str:
    """SQL for `column`'s JSON `usd` number, NULL when absent or unreadable (CASE is lazy)."""
    return (f"CASE WHEN json_valid({column}) THEN CASE WHEN json_type({column}, '$.usd') IN "
            f"('real', 'integer') THEN json_extract({column}, '$.usd') END END")


_ROWS = f"""
SELECT provider, model, status, submitted_at, created_at, updated_at,
       CASE WHEN json_valid(remote) THEN json_extract(remote, '$.remote_id') END AS remote_id,
       {_usd('actual_cost')} AS actual, {_usd('estimate')} AS estimate
FROM jobs
WHERE dry_run = 0 AND status NOT IN ('dry_run', 'refused')
  AND (created_at >= ? OR submitted_at >= ?)
"""
_HIGHEST = f"""
SELECT MAX(usd) FROM (
    SELECT {_usd('actual_cost')} AS usd FROM jobs WHERE provider = ? AND model = ?
    UNION ALL
    SELECT {_usd('estimate')} FROM jobs WHERE provider = ? AND model = ?)
"""
_SPENT_STATUSES = ("succeeded", "unknown")
_ON_THE_WAY = ("queued", "submitting")


@dataclass
class Usage:
    spent_usd: float = 0.0
    pending_usd: float = 0.0  # reserved by jobs on their way and fan-out holds

    @property
    def used_usd(self) -> float:
        return self.spent_usd + self.pending_usd


@dataclass
class Totals:
    """Usage per (billing provider, period); provider None is the overall total."""

    now: float
    usage: dict[tuple[str | None, Period], Usage] = field(default_factory=dict)

    def of(self, provider: str | None, period: Period) -> Usage:
        return self.usage.get((provider, period)) or Usage()

    def used(self, budget: Budget) -> float:
        return self.of(budget.provider, budget.period).used_usd

    def providers(self) -> list[str]:
        return sorted({p for p, _ in self.usage if p is not None})

    def _add(self, provider: str, at: float, starts: dict[Period, float], usd: float,
             pending: bool) -> None:
        for period in PERIODS:
            if at < starts[period]:
                continue
            for key in ((provider, period), (None, period)):
                usage = self.usage.setdefault(key, Usage())
                if pending:
                    usage.pending_usd += usd
                else:
                    usage.spent_usd += usd


class SpendLedger:
    def __init__(self, store: Store, billing: Callable[[str], str]) -> None:
        self.store = store
        self.billing = billing  # job provider id -> the account that pays (its key owner)

    def totals(self, now: float | None = None) -> Totals:
        """Spent and reserved per billing provider, this local day and month. Call it inside
        the store's transaction to check and reserve atomically."""
        now = time.time() if now is None else now
        starts = period_starts(now)
        since = starts["month"]
        totals = Totals(now)
        highest: dict[tuple[str, str], float | None] = {}
        for row in self.store.query(_ROWS, (since, since)):
            counted = _counted(row, now)
            if counted is None:
                continue
            pending, at = counted
            usd = row["actual"] if row["actual"] is not None else row["estimate"]
            if usd is None:
                key = (row["provider"], row["model"])
                if key not in highest:
                    highest[key] = self.highest_price(*key)
                usd = highest[key]
            if usd:
                totals._add(self.billing(row["provider"]), at, starts, float(usd), pending)
        for hold in self.store.query("SELECT provider, usd FROM budget_holds "
                                     "WHERE expires_at > ?", (now,)):
            totals._add(self.billing(hold["provider"]), now, starts, float(hold["usd"]), True)
        return totals

    def highest_price(self, provider: str, model: str) -> float | None:
        """The highest USD figure (estimate or actual) any job of this model had here."""
        rows = self.store.query(_HIGHEST, (provider, model, provider, model))
        value = rows[0][0] if rows else None
        return float(value) if value is not None else None


def _counted(row, now: float) -> tuple[bool, float] | None:
    """(pending?, when it counts) for a live job's row, or None when it costs nothing."""
    status = row["status"]
    if row["remote_id"] or row["submitted_at"] is not None or status in _SPENT_STATUSES:
        return False, row["submitted_at"] or row["created_at"]
    if status in _ON_THE_WAY:
        return True, row["created_at"]
    if status == "draft" and (row["updated_at"] or 0) >= now - DRAFT_HOLD_SECONDS:
        return True, row["created_at"]
    return None
