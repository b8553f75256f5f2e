"""Which selected jobs Retry and Check again act on, and the question a paid re-run asks.

Retry sends again only jobs that finished unsuccessfully (failed, unknown, cancelled).
Running a job that succeeded again is a deliberate choice: when it would be sent live the
user is asked first, with its price.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from studio.core.jobs import Job, JobStatus
from studio.core.service import Studio
from studio.providers.base import ProviderError, RenderRequest
from studio.ui.widgets import money

UNSUCCESSFUL = (JobStatus.FAILED, JobStatus.UNKNOWN, JobStatus.CANCELLED)
DONE = (JobStatus.SUCCEEDED, JobStatus.DRY_RUN)


def to_retry(jobs: Sequence[Job]) -> list[Job]:
    return [j for j in jobs if j.status in UNSUCCESSFUL]


def to_run_again(jobs: Sequence[Job]) -> list[Job]:
    return [j for j in jobs if j.status in DONE]


def can_check_again(job: Job) -> bool:
    """The provider can be asked about it: it has a remote id and did not end well."""
    return job.status in (JobStatus.UNKNOWN, JobStatus.FAILED) and bool(job.remote_id)


@dataclass(frozen=True)
class RerunCost:
    """What re-running jobs would cost."""
    live: int  # how many would be sent to a provider (and charged)
    usd: float | None  # their estimated total; None when a price is unknown
    unpriced: int = 0  # live jobs without a dollar estimate

    @property
    def question(self) -> str:
        n = self.live
        jobs = "this job" if n == 1 else f"these {n} jobs"
        if self.usd is None:
            price = "at a price this studio does not know"
        else:
            price = f"for about {money(self.usd)}" + (
                f" (and {self.unpriced} without a price)" if self.unpriced else "")
        return (f"{'It' if n == 1 else 'They'} already succeeded. Run {jobs} again, live, "
                f"{price}? The provider charges for every run.")


def rerun_cost(studio: Studio, jobs: Sequence[Job]) -> RerunCost:
    """What running these jobs again would send live, and its estimated price now."""
    live, total, unpriced = 0, 0.0, 0
    for job in jobs:
        try:
            request = RenderRequest.model_validate(job.request)
            provider = studio.providers[request.provider]
            kind = provider.model(request.model).kind
            if not studio.decision(request.provider, kind).live:
                continue
            usd = studio.estimate(request).usd
        except (KeyError, ValueError, ValidationError, ProviderError):
            continue  # a request that cannot be sent any more fails with its reason
        live += 1
        if usd is None:
            unpriced += 1
        else:
            total += usd
    return RerunCost(live, total if live > unpriced else None, unpriced)
