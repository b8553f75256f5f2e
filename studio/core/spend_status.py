"""Budgets with what has been spent and what is left, today and this month: what
`studio-cli budget show` prints and the status bar shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from studio.core.budget import (
    PERIODS,
    BudgetLimit,
    BudgetSettings,
    Period,
    local_zone,
    money,
    period_names,
)
from studio.core.spend import Totals

_PERIOD_KEYS: dict[Period, str] = {"day": "today", "month": "this_month"}


@dataclass(frozen=True)
class Figures:
    budget_usd: float | None
    spent_usd: float
    pending_usd: float  # reserved by jobs on their way

    @property
    def left_usd(self) -> float | None:
        if self.budget_usd is None:
            return None
        return max(0.0, self.budget_usd - self.spent_usd - self.pending_usd)

    def as_dict(self) -> dict[str, Any]:
        left = self.left_usd
        return {"budget_usd": self.budget_usd, "spent_usd": round(self.spent_usd, 6),
                "pending_usd": round(self.pending_usd, 6),
                "left_usd": None if left is None else round(left, 6)}


@dataclass(frozen=True)
class BudgetStatus:
    now: float
    confirm_above_usd: float
    overall: dict[Period, Figures]
    providers: dict[str, dict[Period, Figures]]

    def tightest_today(self) -> tuple[str, Figures] | None:
        """The daily budget with the least left (overall or a provider's), if any is set."""
        rows = [("overall", self.overall["day"])] + [
            (p, figures["day"]) for p, figures in self.providers.items()]
        rows = [(who, f) for who, f in rows if f.budget_usd is not None]
        if not rows:
            return None
        return min(rows, key=lambda row: row[1].left_usd or 0.0)

    def today_text(self) -> str:
        """`Today $1.20 · $3.80 left (overall)`: the status bar's words."""
        spent = self.overall["day"]
        text = f"Today {money(spent.spent_usd + spent.pending_usd)}"
        tightest = self.tightest_today()
        if tightest is None:
            return text + " · no daily budget"
        who, figures = tightest
        return text + f" · {money(figures.left_usd or 0.0)} left ({who})"

    def as_dict(self) -> dict[str, Any]:
        names = period_names(self.now)
        return {
            "time_zone": f"local time, {local_zone(self.now)}",
            "today": names["day"], "this_month": names["month"],
            "confirm_above_usd": self.confirm_above_usd,
            "overall": _periods(self.overall),
            "providers": {p: _periods(f) for p, f in self.providers.items()},
        }


def _periods(figures: dict[Period, Figures]) -> dict[str, Any]:
    return {_PERIOD_KEYS[p]: figures[p].as_dict() for p in PERIODS}


def budget_status(settings: BudgetSettings, totals: Totals, now: float) -> BudgetStatus:
    """Every provider with a budget or with spending this month, and the overall total."""
    def figures(provider: str | None, limits: BudgetLimit) -> dict[Period, Figures]:
        return {p: Figures(limits.of(p), totals.of(provider, p).spent_usd,
                           totals.of(provider, p).pending_usd) for p in PERIODS}

    names = sorted({*settings.providers, *totals.providers()})
    return BudgetStatus(now, settings.confirm_above_usd, figures(None, settings.overall),
                        {p: figures(p, settings.providers.get(p, BudgetLimit()))
                         for p in names})
