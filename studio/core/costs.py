"""Actual cost: what a finished job cost, in the provider's own numbers.

Two ways a provider tells it:
- it reports the cost of the job itself: its adapter puts it on `Succeeded.actual` (RunPod:
  executionTime x the endpoint's rate);
- it reports no per-job cost but its balance shows each charge (`bills_from_balance`:
  Runway credits, Luma credits, Stability credits, Vivid Flow credits). The meter keeps the
  last balance it saw per provider (the catalog's quota refreshes and its own reads),
  reads it just before sending a job when it has none yet (the first job of a provider
  in this process), and reads it again when a job ends: the drop is the job's cost, but
  only when the earlier reading was taken before the job was sent and no other job of
  that provider ran in between. Anything else using the account meanwhile (its web app,
  another machine) would be counted too: the basis says so.
The submitter calls `before_send()` for each job it sends; the runner asks `actual()`
once, when a job has succeeded.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import time
from dataclasses import dataclass
from typing import Any

from studio.core.jobs import Job, JobStatus
from studio.core.ports import JobStore, ProviderAccess
from studio.providers.base import Price, PriceSource, ProviderError, Quota, Succeeded

log = logging.getLogger(__name__)
_RECENT_JOBS = 500
_READ_BEFORE_SECONDS = 5.0  # the longest a balance read may hold a job back
_SENT_KEPT = 1000  # send times kept for jobs not yet settled (failed jobs never are)


@dataclass(frozen=True)
class Reading:
    """A provider's quota as read at a moment."""
    at: float  # time.time()
    quota: Quota


class CostMeter:
    def __init__(self, access: ProviderAccess, jobs: JobStore) -> None:
        self.access = access
        self.jobs = jobs
        self._last: dict[str, Reading] = {}
        # Job id -> when the balance was read after it: its charge is in that reading.
        self._settled: dict[str, float] = {}
        # Job id -> when it was sent from this process: a reading before that misses its charge.
        self._sent: dict[str, float] = {}

    def observe(self, provider_id: str, quota: Quota | None, at: float | None = None) -> None:
        """A balance just read (by the catalog, or by the meter itself)."""
        if quota is not None:
            self._last[provider_id] = Reading(time.time() if at is None else at, quota)

    def last(self, provider_id: str) -> Reading | None:
        return self._last.get(provider_id)

    async def before_send(self, job: Job) -> None:
        """Just before a job goes out: with no balance reading yet for its provider, read
        one (a failed or slow read is logged and costs the job nothing), then note when the
        job was sent."""
        access = self.access
        provider = access.providers.get(job.provider)
        if provider is None or not provider.info.bills_from_balance:
            return
        if job.provider not in self._last:
            try:
                async with asyncio.timeout(_READ_BEFORE_SECONDS):
                    quota = await provider.balance(await access.http(),
                                                   access.context(job.provider))
            except (ProviderError, ValueError, TimeoutError) as exc:
                log.info("cost.balance_unread provider=%s job=%s error=%s", job.provider,
                         job.id, exc or "timed out")
            else:
                self.observe(job.provider, quota)
        if len(self._sent) >= _SENT_KEPT:
            del self._sent[next(iter(self._sent))]  # the oldest: a job that never settled
        self._sent[job.id] = time.time()

    async def actual(self, job: Job, result: Succeeded) -> dict[str, Any] | None:
        """The job's actual cost as a price record, or None when the provider cannot tell."""
        # Sent from this process: when. Resumed from an earlier one: its creation bounds it.
        sent = self._sent.pop(job.id, job.created_at)
        if result.actual is not None:
            return result.actual.as_dict()
        access = self.access
        provider = access.providers.get(job.provider)
        if provider is None or not provider.info.bills_from_balance:
            return None
        before = self._last.get(job.provider)
        try:
            after = await provider.balance(await access.http(), access.context(job.provider))
        except (ProviderError, ValueError) as exc:  # a failed read costs the job nothing
            log.info("cost.balance_unread provider=%s error=%s", job.provider, exc)
            return None
        now = time.time()
        self.observe(job.provider, after, now)
        self._settled[job.id] = now
        if before is None or after is None or before.at > sent:
            return None  # no reading from before the job went out
        if self._others_ran(job, before.at, now):
            return None
        return _difference(provider.info.name, provider.info.docs_url, before.quota, after)

    def _others_ran(self, job: Job, since: float, until: float) -> bool:
        """Did another live job of the same provider run at any time between the readings?"""
        for other in self.jobs.list_jobs(limit=_RECENT_JOBS):
            if other.id == job.id or other.provider != job.provider or other.dry_run:
                continue
            if other.status is JobStatus.DRY_RUN or other.created_at > until:
                continue
            if self._settled.get(other.id, until) <= since:
                continue  # finished, and its charge was already in the earlier reading
            if other.finished_at is None or other.finished_at >= since:
                return True
        return False


def _difference(name: str, docs_url: str, before: Quota, after: Quota) -> dict[str, Any] | None:
    spent = before.remaining - after.remaining
    if spent < 0 or before.unit != after.unit:
        return None  # topped up meanwhile, or a different unit: cannot tell
    usd = None
    if before.usd is not None and after.usd is not None:
        usd = before.usd - after.usd
    elif before.unit == "usd":
        usd = spent
    source = PriceSource(docs_url, datetime.date.today().isoformat(), first_party=True,
                         note="the provider's balance endpoint")
    return Price(usd=usd, credits=spent if before.unit == "credits" else None,
                 approximate=False, source=source,
                 basis=f"{name} balance before and after this job: {before.remaining:g} -> "
                       f"{after.remaining:g} {before.unit} (other use of the account in that "
                       "time would count too)").as_dict()
