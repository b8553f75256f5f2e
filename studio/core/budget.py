"""Spend budgets: how much live jobs may cost per day and per month, overall and per
provider account, and the per-action amount above which the artist is asked first.

A day is the computer's local calendar day (local midnight to local midnight) and a month
the local calendar month (from the 1st at local midnight): the artist's own day, not UTC's.
A provider budget is per billing account: Pika runs on fal's key, so it counts against
`fal`. Amounts are USD; providers that price in credits are converted by their price rules.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Period = Literal["day", "month"]
PERIODS: tuple[Period, ...] = ("day", "month")
# Sums of floats: a job that exactly fits is not refused for a rounding error.
EPSILON_USD = 1e-9
_PROVIDER_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class BudgetLimit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    daily_usd: float | None = Field(None, ge=0, description="Most a day may spend (USD); "
                                    "empty = no daily limit")
    monthly_usd: float | None = Field(None, ge=0, description="Most a month may spend (USD); "
                                      "empty = no monthly limit")

    def of(self, period: Period) -> float | None:
        return self.daily_usd if period == "day" else self.monthly_usd

    @property
    def empty(self) -> bool:
        return self.daily_usd is None and self.monthly_usd is None


class BudgetSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    confirm_above_usd: float = Field(
        2.0, ge=0, description="Ask before a live action estimated above this (USD)")
    overall: BudgetLimit = BudgetLimit()
    # Billing provider id (the key owner: `fal` for Pika too) -> its limits.
    providers: dict[str, BudgetLimit] = Field(default_factory=dict)

    @field_validator("providers")
    @classmethod
    def _providers(cls, value: dict[str, BudgetLimit]) -> dict[str, BudgetLimit]:
        for key in value:
            if not _PROVIDER_ID.match(key):
                raise ValueError(f"{key!r} is not a provider id")
        return {k: v for k, v in sorted(value.items()) if not v.empty}


@dataclass(frozen=True)
class Budget:
    """One limit that is set: overall (provider None) or one provider's, per period."""

    provider: str | None
    period: Period
    limit_usd: float

    @property
    def label(self) -> str:
        who = "overall" if self.provider is None else self.provider
        return f"{who} {'daily' if self.period == 'day' else 'monthly'} budget"

    def covers(self, billing_provider: str) -> bool:
        return self.provider is None or self.provider == billing_provider

    def as_dict(self) -> dict[str, Any]:
        return {"scope": "overall" if self.provider is None else "provider",
                "provider": self.provider, "period": self.period,
                "limit_usd": self.limit_usd, "label": self.label}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Budget:
        return cls(data.get("provider"), data["period"], float(data["limit_usd"]))


def budgets_of(settings: BudgetSettings) -> list[Budget]:
    """Every limit that is set, overall first."""
    out = [Budget(None, p, v) for p in PERIODS if (v := settings.overall.of(p)) is not None]
    for provider, limits in settings.providers.items():
        out += [Budget(provider, p, v) for p in PERIODS if (v := limits.of(p)) is not None]
    return out


def applicable(budgets: Iterable[Budget], billing_provider: str) -> list[Budget]:
    return [b for b in budgets if b.covers(billing_provider)]


@dataclass(frozen=True)
class Refusal:
    """Why a live job was not sent: the budget it would cross and the figures."""

    budget: Budget
    estimate_usd: float | None  # what the job (or its whole fan-out) would count
    left_usd: float
    reason: str
    jobs: int = 1  # > 1: refused with the rest of its fan-out

    def as_dict(self) -> dict[str, Any]:
        return {"budget": self.budget.as_dict(), "estimate_usd": _round(self.estimate_usd),
                "left_usd": _round(self.left_usd), "reason": self.reason, "jobs": self.jobs}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Refusal:
        estimate = data.get("estimate_usd")
        return cls(Budget.from_dict(data["budget"]),
                   None if estimate is None else float(estimate), float(data["left_usd"]),
                   str(data.get("reason") or ""), int(data.get("jobs") or 1))


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def money(usd: float) -> str:
    """$5.00, $0.06, $0.075, $0.0008: cents, unless that would hide a small price."""
    if abs(usd) >= 1 or abs(round(usd, 2) - usd) < 1e-9:
        return f"${usd:,.2f}"
    return f"${usd:.4f}".rstrip("0")


@dataclass(frozen=True)
class Crossing:
    """A budget an action would go over, and by how much."""
    budget: Budget
    adds_usd: float  # what the action adds within this budget's scope
    left_usd: float  # what is left of it before the action (never below 0)


def first_crossing(charges: Mapping[str, float], budgets: Iterable[Budget],
                   used: Mapping[Budget, float]) -> Crossing | None:
    """The budget an action would cross by the most, or None when it fits every one.

    `charges` is billing provider -> USD the action adds; `used` what each budget has
    spent or reserved already."""
    worst: tuple[float, Crossing] | None = None
    for budget in budgets:
        adds = sum(usd for provider, usd in charges.items() if budget.covers(provider))
        if adds <= 0:
            continue
        left = budget.limit_usd - used.get(budget, 0.0)
        over = adds - left
        if over > EPSILON_USD and (worst is None or over > worst[0]):
            worst = (over, Crossing(budget, adds, max(0.0, left)))
    return worst[1] if worst else None


def refusal_for(crossing: Crossing, estimate_usd: float, jobs: int = 1) -> Refusal:
    what = (f"this fan-out of {jobs} live jobs (≈ {money(crossing.adds_usd)})" if jobs > 1
            else f"this job (≈ {money(estimate_usd)})")
    budget = crossing.budget
    reason = (f"refused: {what} would cross the {budget.label} ({money(budget.limit_usd)}; "
              f"{money(crossing.left_usd)} left). Nothing was sent.")
    return Refusal(budget, crossing.adds_usd if jobs > 1 else estimate_usd,
                   crossing.left_usd, reason, jobs)


def unpriced_refusal(budget: Budget, left_usd: float, model_name: str,
                     jobs: int = 1) -> Refusal:
    group = f" (with the rest of its fan-out of {jobs} jobs)" if jobs > 1 else ""
    reason = (f"refused{group}: no price is known for {model_name} (none published, and no "
              f"earlier job of it here had one) while the {budget.label} is set "
              f"({money(left_usd)} left). Nothing was sent.")
    return Refusal(budget, None, left_usd, reason, jobs)


def period_starts(now: float) -> dict[Period, float]:
    """Unix times of the start of the local day and month that contain `now`."""
    local = datetime.datetime.fromtimestamp(now)  # naive local time
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return {"day": day.timestamp(), "month": day.replace(day=1).timestamp()}


def period_names(now: float) -> dict[Period, str]:
    local = datetime.datetime.fromtimestamp(now)
    return {"day": local.strftime("%Y-%m-%d"), "month": local.strftime("%Y-%m")}


def local_zone(now: float) -> str:
    aware = datetime.datetime.fromtimestamp(now).astimezone()
    offset = aware.strftime("%z")
    return f"{aware.tzname()} (UTC{offset[:3]}:{offset[3:]})"
