"""The spend guard: live jobs are checked against the budgets before anything is written
as queued or sent.

The check and the reservation are one store transaction (BEGIN IMMEDIATE: the database's
write lock), so two processes submitting at once cannot both squeeze under one budget: a
job that fits is written as a live draft carrying its estimate (its reservation), one that
does not is written as `refused` with the budget, the figures and a sentence. A fan-out is
checked whole first and, when it fits, holds its total until each job is written; when it
does not, every live job of it is refused and none is sent.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from studio.core.budget import (
    Budget,
    BudgetSettings,
    Refusal,
    applicable,
    budgets_of,
    first_crossing,
    refusal_for,
    unpriced_refusal,
)
from studio.core.jobs import Job, JobStatus
from studio.core.pod_spend import pod_spend
from studio.core.spend import SpendLedger, Totals
from studio.core.spend_quote import BudgetLine, Quote, QuoteItem, quote_item
from studio.core.spend_status import BudgetStatus, budget_status
from studio.core.store import Store
from studio.providers.base import RenderRequest

if TYPE_CHECKING:
    from studio.core.ports import Spending

log = logging.getLogger(__name__)

# A fan-out's hold outlives a process that died while sending it by this much at most.
HOLD_SECONDS = 600.0
REFUSED_EVENT = "refused"  # events row kind; data = Refusal.as_dict()


@dataclass
class _FanOut:
    """A fan-out's hold on the budget while its jobs are sent."""
    hold: str
    refusal: Refusal | None


_FAN_OUT: contextvars.ContextVar[_FanOut | None] = contextvars.ContextVar(
    "spend_fan_out", default=None)


@dataclass
class BatchOutcome:
    """Jobs sent one after another until a budget refused one: the rest were not written."""

    jobs: list[Job] = field(default_factory=list)
    not_sent: int = 0
    refusal: Refusal | None = None

    @property
    def message(self) -> str:
        if self.refusal is None:
            return ""
        done = len(self.jobs) - 1
        return (f"Budget reached after {done} of {done + 1 + self.not_sent} jobs: "
                f"{self.refusal.reason} The {self.not_sent} after it were not sent either."
                if self.not_sent else self.refusal.reason)


class SpendGuard:
    def __init__(self, studio: Spending) -> None:
        self.studio = studio
        self.store = studio.store
        self.ledger = SpendLedger(studio.store, self.billing)
        self.clock = time.time

    @property
    def settings(self) -> BudgetSettings:
        return self.studio.settings.budgets

    def budgets(self) -> list[Budget]:
        return budgets_of(self.settings)

    def billing(self, provider_id: str) -> str:
        """The account a provider's jobs are paid from: its key owner (Pika: fal)."""
        provider = self.studio.providers.get(provider_id)
        return (provider.info.key_from or provider_id) if provider else provider_id

    # -- one job ----------------------------------------------------------------------

    def admit(self, job: Job, estimate: dict[str, Any]) -> Job:
        """Write a live job, checked: as a draft that reserves its estimate, or `refused`
        with the reason. Returns the job as written."""
        job.estimate = estimate
        fan_out = _FAN_OUT.get()
        now = self.clock()
        with self.store.transaction() as db:
            if fan_out is not None and fan_out.refusal is not None:
                refusal: Refusal | None = fan_out.refusal
            else:
                if fan_out is not None:  # its share of the fan-out's hold becomes the job
                    db.execute("DELETE FROM budget_holds WHERE id = (SELECT id FROM "
                               "budget_holds WHERE hold = ? AND provider = ? AND model = ? "
                               "ORDER BY id LIMIT 1)", (fan_out.hold, job.provider, job.model))
                refusal = self._check(job, estimate, now)
            if refusal is None:
                return self.store.create_job(job)
            job.status = JobStatus.REFUSED
            job.error, job.error_code = refusal.reason, "budget"
            job.message = "nothing was sent"
            job.finished_at = now
            job = self.store.create_job(job)
            db.execute("INSERT INTO events (job_id, at, kind, data) VALUES (?, ?, ?, ?)",
                       (job.id, now, REFUSED_EVENT, json.dumps(refusal.as_dict())))
        self.studio.joblog.append(job.provider, job.id, REFUSED_EVENT, **refusal.as_dict())
        log.info("budget.refused provider=%s job=%s budget=%r estimate_usd=%s left_usd=%.6f",
                 job.provider, job.id, refusal.budget.label, refusal.estimate_usd,
                 refusal.left_usd)
        return job

    def _check(self, job: Job, estimate: dict[str, Any], now: float) -> Refusal | None:
        billing = self.billing(job.provider)
        budgets = applicable(self.budgets(), billing)
        if not budgets:
            return None
        usd = self._counted(job.provider, job.model, estimate.get("usd"))
        totals = self.ledger.totals(now)
        if usd is None:
            tightest = min(budgets, key=lambda b: b.limit_usd - totals.used(b))
            return unpriced_refusal(tightest, _left(tightest, totals),
                                    self._name(job.provider, job.model))
        crossing = first_crossing({billing: usd}, budgets, _used(budgets, totals))
        return refusal_for(crossing, usd) if crossing else None

    def _counted(self, provider: str, model: str, usd: Any) -> float | None:
        """What the budgets count for a job: its estimate, else its model's highest price."""
        if isinstance(usd, int | float):
            return float(usd)
        return self.ledger.highest_price(provider, model)

    def _name(self, provider_id: str, model_id: str) -> str:
        provider = self.studio.providers.get(provider_id)
        model = provider.models.get(model_id) if provider else None
        return f"{provider.info.name if provider else provider_id} · " \
               f"{model.name if model else model_id}"

    def refusal_of(self, job: Job) -> Refusal | None:
        return refusal_of(self.store, job)

    # -- several jobs -----------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def fan_out(self, requests: Sequence[RenderRequest]) -> AsyncIterator[Quote]:
        """Check a fan-out whole and hold its total while its jobs are submitted inside
        the block (each `Studio.submit` takes its share). When the whole would cross a
        budget, every live job submitted inside is refused: none is sent."""
        quote = self.quote(requests)
        hold = uuid.uuid4().hex
        now = self.clock()
        with self.store.transaction() as db:
            db.execute("DELETE FROM budget_holds WHERE expires_at <= ?", (now,))
            refusal = self._check_many(quote.live, now)
            if refusal is None:
                db.executemany(
                    "INSERT INTO budget_holds (hold, provider, model, usd, created_at, "
                    "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                    [(hold, i.provider, i.model, i.counted_usd, now, now + HOLD_SECONDS)
                     for i in quote.live if i.counted_usd])
        token = _FAN_OUT.set(_FanOut(hold, refusal))
        try:
            yield quote
        finally:
            _FAN_OUT.reset(token)
            with self.store.transaction() as db:
                db.execute("DELETE FROM budget_holds WHERE hold = ?", (hold,))

    def _check_many(self, live: list[QuoteItem], now: float) -> Refusal | None:
        budgets = [b for b in self.budgets()
                   if any(b.covers(self.billing(i.provider)) for i in live)]
        if not budgets:
            return None
        totals = self.ledger.totals(now)
        for item in live:
            if item.counted_usd is None:
                covering = applicable(budgets, self.billing(item.provider))
                if covering:
                    tightest = min(covering, key=lambda b: b.limit_usd - totals.used(b))
                    return unpriced_refusal(tightest, _left(tightest, totals), item.name,
                                            len(live))
        charges: dict[str, float] = {}
        for item in live:
            billing = self.billing(item.provider)
            charges[billing] = charges.get(billing, 0.0) + (item.counted_usd or 0.0)
        crossing = first_crossing(charges, budgets, _used(budgets, totals))
        if crossing is None:
            return None
        return refusal_for(crossing, sum(charges.values()), len(live))

    async def batch(self, requests: Sequence[RenderRequest], *,
                    on_job: Callable[[int, Job], bool] | None = None) -> BatchOutcome:
        """Submit one after another (a batch, a chain's links); the first job a budget
        refuses stops the rest, which are not written at all. `on_job(position, job)` sees
        each job as it is written; returning False stops the rest too (cancelled)."""
        outcome = BatchOutcome()
        for n, request in enumerate(requests):
            job = await self.studio.submit(request)
            outcome.jobs.append(job)
            go_on = on_job(n, job) if on_job is not None else True
            if job.status is JobStatus.REFUSED:
                outcome.refusal = self.refusal_of(job)
            if job.status is JobStatus.REFUSED or not go_on:
                outcome.not_sent = len(requests) - n - 1
                break
        return outcome

    # -- figures ----------------------------------------------------------------------

    def quote(self, requests: Sequence[RenderRequest]) -> Quote:
        """Itemised estimate of an action and what each budget it touches has left.
        Raises RequestError for a request that cannot be sent."""
        items = []
        for request in requests:
            checked = self.studio.check(request, load_images=False)
            price = self.studio.estimate(request)
            counted = self._counted(checked.provider.info.id, checked.model.id, price.usd)
            items.append(quote_item(self.studio, request, checked, price, counted))
        totals = self.ledger.totals(self.clock())
        live = [i for i in items if i.live]
        lines = []
        for budget in self.budgets():
            scope = [i for i in live if budget.covers(self.billing(i.provider))]
            if scope:
                usage = totals.of(budget.provider, budget.period)
                lines.append(BudgetLine(budget, usage.spent_usd, usage.pending_usd,
                                        sum(i.counted_usd or 0.0 for i in scope)))
        return Quote(items, lines, self.settings.confirm_above_usd,
                     self._check_many(live, totals.now) if live else None)

    def status(self, now: float | None = None) -> BudgetStatus:
        """Budgets, spent, reserved and left, overall and per provider, today and this
        month (local time); and what the pods last seen up cost."""
        now = self.clock() if now is None else now
        return budget_status(self.settings, self.ledger.totals(now), now,
                             pod_spend(self.store))


def refusal_of(store: Store, job: Job) -> Refusal | None:
    """The budget, figures and reason a refused job was recorded with."""
    if job.status is not JobStatus.REFUSED:
        return None
    for event in reversed(store.events(job.id)):
        if event.get("kind") == REFUSED_EVENT and "budget" in event:
            try:
                return Refusal.from_dict(event)
            except (KeyError, TypeError, ValueError):
                return None
    return None


def _used(budgets: list[Budget], totals: Totals) -> dict[Budget, float]:
    return {b: totals.used(b) for b in budgets}


def _left(budget: Budget, totals: Totals) -> float:
    return max(0.0, budget.limit_usd - totals.used(budget))
