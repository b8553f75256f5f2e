"""Budgets with what has been spent and what is left, today and this month: what
`studio-cli budget show` prints and the status bar shows. Beside them, what the RunPod
pods last seen up cost (core.pod_spend): shown, not counted against the job budgets."""

from __future__ import annotations

from dataclasses import dataclass, field
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
from studio.core.pod_spend import PodSpend
from studio.core.spend import Totals

_PERIOD_KEYS: dict[Period, str] = {"day": "today", "month": "this_month"}


@dataclass(frozen=True)
class Figures:
    """A budget's figures for one period."""
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
    """Spend against the budgets, overall and per provider."""
    now: float
    confirm_above_usd: float
    overall: dict[Period, Figures]
    providers: dict[str, dict[Period, Figures]]
    pods: PodSpend = field(default_factory=lambda: PodSpend(0, 0.0, 0.0, None))

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
        text += " · no daily budget" if tightest is None else \
            f" · {money(tightest[1].left_usd or 0.0)} left ({tightest[0]})"
        # Pods are not here: the status bar's Pods label beside it shows their live cost
        # (this figure is as of the last read); the tooltip and `budget show` list it.
        return text

    def pods_text(self, lead: str = "") -> str:
        """`Pods: 2 up, $1.23 so far, $1.23/h` (empty without a pod up)."""
        pods = self.pods
        if not pods.pods:
            return ""
        return (f"{lead}Pods: {pods.pods} up, {money(pods.usd_so_far)} so far, "
                f"{money(pods.usd_per_hour)}/h")

    def as_dict(self) -> dict[str, Any]:
        names = period_names(self.now)
        return {
            "time_zone": f"local time, {local_zone(self.now)}",
            "today": names["day"], "this_month": names["month"],
            "confirm_above_usd": self.confirm_above_usd,
            "overall": _periods(self.overall),
            "providers": {p: _periods(f) for p, f in self.providers.items()},
            "pods": self.pods.as_dict(),
        }


def _periods(figures: dict[Period, Figures]) -> dict[str, Any]:
    return {_PERIOD_KEYS[p]: figures[p].as_dict() for p in PERIODS}


def budget_status(settings: BudgetSettings, totals: Totals, now: float,
                  pods: PodSpend | None = None) -> BudgetStatus:
    """Every provider with a budget or with spending this month, and the overall total;
    beside them, the pods last seen up."""
    def figures(provider: str | None, limits: BudgetLimit) -> dict[Period, Figures]:
        return {p: Figures(limits.of(p), totals.of(provider, p).spent_usd,
                           totals.of(provider, p).pending_usd) for p in PERIODS}

    names = sorted({*settings.providers, *totals.providers()})
    return BudgetStatus(now, settings.confirm_above_usd, figures(None, settings.overall),
                        {p: figures(p, settings.providers.get(p, BudgetLimit()))
                         for p in names}, pods or PodSpend(0, 0.0, 0.0, None))
