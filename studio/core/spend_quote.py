"""What an action (one job, a fan-out, a batch) would spend, before it is sent: per job
and model, and what each budget it touches has left. The GUI asks with it and the CLI's
`--max-usd` checks it; the service itself enforces the budgets (core.spend_guard).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from studio.core.budget import Budget, Refusal, money
from studio.core.requests import CheckedRequest
from studio.providers.base import Price, RenderRequest
from studio.providers.info import ImageTransport

if TYPE_CHECKING:
    from studio.core.ports import Spending


@dataclass(frozen=True)
class QuoteItem:
    """One job of the action."""

    provider: str
    model: str
    name: str  # provider and model as people read them
    live: bool  # False: a dry-run, which sends nothing and costs nothing
    usd: float | None  # the estimate
    counted_usd: float | None  # what the budgets count: the estimate, else the highest seen
    basis: str
    exact: bool
    reason: str = ""  # why it is a dry-run

    def as_dict(self) -> dict[str, Any]:
        return {"provider": self.provider, "model": self.model, "name": self.name,
                "live": self.live, "estimate_usd": _round(self.usd),
                "counted_usd": _round(self.counted_usd), "exact": self.exact,
                "basis": self.basis, **({"dry_run_reason": self.reason} if self.reason else {})}


@dataclass(frozen=True)
class BudgetLine:
    """One budget the action touches: what it has left now and after the action."""

    budget: Budget
    spent_usd: float
    pending_usd: float
    adds_usd: float

    @property
    def left_usd(self) -> float:
        return max(0.0, self.budget.limit_usd - self.spent_usd - self.pending_usd)

    @property
    def after_usd(self) -> float:
        return self.budget.limit_usd - self.spent_usd - self.pending_usd - self.adds_usd

    def as_dict(self) -> dict[str, Any]:
        return {"budget": self.budget.as_dict(), "spent_usd": _round(self.spent_usd),
                "pending_usd": _round(self.pending_usd), "left_usd": _round(self.left_usd),
                "this_action_usd": _round(self.adds_usd), "left_after_usd": _round(
                    self.after_usd)}


@dataclass(frozen=True)
class Quote:
    """What an action would cost, against which budgets, and whether it may go."""
    items: list[QuoteItem]
    lines: list[BudgetLine]
    threshold_usd: float  # Settings' per-action confirmation amount
    refusal: Refusal | None  # what the service would answer if it were sent now

    @property
    def live(self) -> list[QuoteItem]:
        return [i for i in self.items if i.live]

    @property
    def live_usd(self) -> float:
        return sum(i.counted_usd or 0.0 for i in self.live)

    @property
    def unpriced(self) -> list[QuoteItem]:
        return [i for i in self.live if i.counted_usd is None]

    def needs_confirmation(self, allow_below: float | None = None) -> bool:
        """Above the threshold (or an amount the artist allowed for the session), or a live
        job whose price nobody knows (unless the artist allowed the session an amount)."""
        if not self.live:
            return False
        limit = max(self.threshold_usd, allow_below or 0.0)
        return self.live_usd > limit or (bool(self.unpriced) and allow_below is None)

    def summary(self) -> str:
        """One line: the live total, each live job's figure, unpriced ones named."""
        parts = [f"{i.name}: {money(i.counted_usd) if i.counted_usd is not None else 'unpriced'}"
                 for i in self.live]
        n = len(self.live)
        return (f"{n} live job{'s' if n != 1 else ''} ≈ {money(self.live_usd)}"
                + (f" ({'; '.join(parts)})" if parts else ""))

    def as_dict(self) -> dict[str, Any]:
        return {"live_usd": _round(self.live_usd), "threshold_usd": self.threshold_usd,
                "items": [i.as_dict() for i in self.items],
                "budgets": [line.as_dict() for line in self.lines],
                "unpriced": [f"{i.provider}:{i.model}" for i in self.unpriced],
                "refusal": self.refusal.as_dict() if self.refusal else None}


def quote_item(studio: Spending, request: RenderRequest, checked: CheckedRequest, price: Price,
               counted: float | None) -> QuoteItem:
    """One job as `Studio.submit` would decide it now: live or dry-run, and its price."""
    provider = checked.provider
    decision = studio.decision(provider.info.id, checked.mode.kind)
    reason = "" if decision.live else decision.reason
    if decision.live and _needs_host(provider.info.image_transport, request.input_images):
        reason = studio.image_host.unavailable(studio.settings.image_host, provider) or ""
    return QuoteItem(provider.info.id, checked.model.id,
                     f"{provider.info.name} · {checked.model.name}", not reason, price.usd,
                     counted if not reason else price.usd, price.basis, price.exact, reason)


def _needs_host(transport: ImageTransport, images: Sequence[str]) -> bool:
    return transport is ImageTransport.URL and any(
        not ref.startswith("https://") for ref in images)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
