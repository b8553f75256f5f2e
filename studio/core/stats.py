"""Spend & speed: the dashboard's numbers, from the store (and `studio-cli stats --json`).

Over a window of the last `days` local days (today included):
- spend per provider per day and per ISO week (Monday), estimate beside actual. A job
  counts as the spend ledger counts it (core.spend): live, accepted by the provider (a
  remote id, a submit time, or `succeeded`/`unknown`), dated by its submit time. `actual`
  sums only what providers reported; `spent` is actual where reported, else the estimate;
- latency per provider/model of succeeded jobs, request start to finish (core.timing):
  min, p25, p50, p75, p90, max (linear interpolation between ranks) and a histogram of
  `BINS` equal bins from 0 to the slowest run;
- outcomes per provider and per provider/model of live jobs created in the window;
- the compare scoreboard (all of the artist's votes) with its uncertainty.
Outputs made on this computer (masks, saved frames: core.local_assets) are not renders
and are left out.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from studio.core.local_assets import LOCAL_PROVIDER
from studio.core.store import Store

if TYPE_CHECKING:  # the scoreboard pulls numpy in: only when it is asked for
    from studio.core.compare.scoreboard import ScoreRow

BINS = 8
SCHEMA = 1
_SENDING = ("(SELECT MIN(e.at) FROM events e WHERE e.job_id = j.id AND e.kind = 'status' "
            "AND json_extract(e.data, '$.to') = 'submitting')")

def _usd(column: str) -> str:
    """SQL for `column`'s JSON `usd` when it is a number, else NULL (CASE is lazy)."""
    return (f"CASE WHEN json_valid({column}) THEN CASE WHEN json_type({column}, '$.usd') IN "
            f"('real', 'integer') THEN json_extract({column}, '$.usd') END END")


# Columns by position (a refresh reads every job of the window: ~10,000 rows).
_ROWS = f"""
SELECT j.provider, j.model, j.status, j.dry_run, {_usd('j.estimate')}, {_usd('j.actual_cost')},
       j.remote IS NOT NULL, j.created_at, j.submitted_at, j.finished_at,
       CASE WHEN j.status = 'succeeded' THEN {_SENDING} END
FROM jobs j
WHERE (j.created_at >= ?1 OR j.submitted_at >= ?1) AND j.provider != ?2
"""
_ACTIVE = ("draft", "queued", "submitting", "submitted", "running")


@dataclass
class Spend:
    estimate_usd: float = 0.0
    actual_usd: float = 0.0
    spent_usd: float = 0.0
    jobs: int = 0
    actual_jobs: int = 0  # jobs whose provider reported a cost
    unpriced_jobs: int = 0  # jobs with neither figure

    def add(self, estimate: float | None, actual: float | None) -> None:
        self.jobs += 1
        self.estimate_usd += estimate or 0.0
        if actual is not None:
            self.actual_usd += actual
            self.actual_jobs += 1
        spent = actual if actual is not None else estimate
        if spent is None:
            self.unpriced_jobs += 1
        self.spent_usd += spent or 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"estimate_usd": round(self.estimate_usd, 6),
                "actual_usd": round(self.actual_usd, 6), "spent_usd": round(self.spent_usd, 6),
                "jobs": self.jobs, "actual_jobs": self.actual_jobs,
                "unpriced_jobs": self.unpriced_jobs}


@dataclass
class Latency:
    provider: str
    model: str
    seconds: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        runs = sorted(self.seconds)
        top = runs[-1] if runs else 0.0
        width = top / BINS if top > 0 else 1.0 / BINS
        counts = [0] * BINS
        for s in runs:
            counts[min(int(s / width), BINS - 1)] += 1
        return {"provider": self.provider, "model": self.model,
                "target": f"{self.provider}:{self.model}", "count": len(runs),
                "min": _r(runs[0]) if runs else None,
                **{f"p{q}": _r(quantile(runs, q / 100)) for q in (25, 50, 75, 90)},
                "max": _r(top) if runs else None,
                "mean": _r(sum(runs) / len(runs)) if runs else None,
                "histogram": {"edges": [_r(i * width) for i in range(BINS + 1)],
                              "counts": counts}}


@dataclass
class Outcomes:
    sent: int = 0
    succeeded: int = 0
    failed: int = 0
    cancelled: int = 0
    unknown: int = 0
    active: int = 0

    def add(self, status: str) -> None:
        self.sent += 1
        if status in ("succeeded", "failed", "cancelled", "unknown"):
            setattr(self, status, getattr(self, status) + 1)
        elif status in _ACTIVE:
            self.active += 1

    def as_dict(self) -> dict[str, Any]:
        done = self.succeeded + self.failed
        return {"sent": self.sent, "succeeded": self.succeeded, "failed": self.failed,
                "cancelled": self.cancelled, "unknown": self.unknown, "active": self.active,
                "success_rate": round(self.succeeded / done, 4) if done else None,
                "failure_rate": round(self.failed / done, 4) if done else None}


def quantile(sorted_values: list[float], q: float) -> float | None:
    """The q-quantile, linear between ranks (numpy's default, `statistics` 'inclusive')."""
    if not sorted_values:
        return None
    pos = q * (len(sorted_values) - 1)
    low = math.floor(pos)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (pos - low)


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def window_start(days: int, now: float) -> float:
    """Local midnight `days - 1` days before today."""
    today = datetime.fromtimestamp(now).date()
    first = today - timedelta(days=days - 1)
    return datetime(first.year, first.month, first.day).timestamp()


def compute(store: Store, scoreboard: Iterable[ScoreRow], days: int = 30,
            now: float | None = None) -> dict[str, Any]:
    """Every figure of the dashboard as one JSON-ready dict (shape in docs/dashboard.md)."""
    if days < 1:
        raise ValueError("days must be 1 or more")
    now = time.time() if now is None else now
    since = window_start(days, now)
    first = datetime.fromtimestamp(since).date()
    day_list = [first + timedelta(days=i) for i in range(days)]
    daily: dict[tuple[str, date], Spend] = defaultdict(Spend)
    weekly: dict[tuple[str, date], Spend] = defaultdict(Spend)
    totals: dict[str, Spend] = defaultdict(Spend)
    latency: dict[tuple[str, str], Latency] = {}
    by_provider: dict[str, Outcomes] = defaultdict(Outcomes)
    by_model: dict[tuple[str, str], Outcomes] = defaultdict(Outcomes)
    dry_runs: dict[str, int] = defaultdict(int)
    for (provider, model, status, dry_run, estimate, actual, has_remote, created_at,
         submitted_at, finished_at, sending_at) in store.query(_ROWS, (since, LOCAL_PROVIDER)):
        # Masks and saved frames made on this computer (LOCAL_PROVIDER) are not renders.
        live = not dry_run and status not in ("dry_run", "refused")
        if not live:
            if status == "dry_run" and created_at >= since:
                dry_runs[provider] += 1
            continue
        accepted = has_remote or submitted_at is not None or status in ("succeeded", "unknown")
        at = submitted_at if submitted_at is not None else created_at
        if accepted and since <= at <= now:
            day = datetime.fromtimestamp(at).date()
            for bucket in (daily[(provider, day)], weekly[(provider, week_of(day))],
                           totals[provider]):
                bucket.add(estimate, actual)
        if created_at < since:
            continue
        if status != "draft":
            by_provider[provider].add(status)
            by_model[(provider, model)].add(status)
        if status == "succeeded" and finished_at is not None:
            start = sending_at or submitted_at or created_at
            runs = latency.setdefault((provider, model), Latency(provider, model))
            runs.seconds.append(max(0.0, finished_at - start))
    return {
        "schema": SCHEMA, "days": days, "since": since, "until": now,
        "spend": {
            "currency": "USD",
            "days": [d.isoformat() for d in day_list],
            "weeks": sorted({week_of(d).isoformat() for d in day_list}),
            "daily": [{"provider": p, "day": d.isoformat(), **s.as_dict()}
                      for (p, d), s in sorted(daily.items())],
            "weekly": [{"provider": p, "week": w.isoformat(), **s.as_dict()}
                       for (p, w), s in sorted(weekly.items())],
            "totals": [{"provider": p, **s.as_dict()} for p, s in sorted(totals.items())],
        },
        "latency": [runs.as_dict() for _, runs in sorted(latency.items())],
        "outcomes": {
            "providers": [{"provider": p, "dry_runs": dry_runs.get(p, 0), **o.as_dict()}
                          for p, o in sorted(by_provider.items())],
            "models": [{"provider": p, "model": m, "target": f"{p}:{m}", **o.as_dict()}
                       for (p, m), o in sorted(by_model.items())],
            "dry_runs": sum(dry_runs.values()),
        },
        "scoreboard": [scoreboard_row(r) for r in scoreboard],
    }


def scoreboard_row(row: ScoreRow) -> dict[str, Any]:
    """A scoreboard row with its error bar: rating ± Z standard errors (Elo-like)."""
    from studio.core.compare.scoreboard import Z

    return {**row.as_dict(), "low": round(row.rating - Z * row.uncertainty, 1),
            "high": round(row.rating + Z * row.uncertainty, 1), "z": Z}
