"""Fill a store with real sandbox jobs, and the dashboard's figures worked out another way
(from the Job objects, core.timing and `statistics`), to check core.stats against."""

from __future__ import annotations

import asyncio
import statistics
from collections import defaultdict
from datetime import datetime

from studio.core.compare.adapt import Brief, Target
from studio.core.jobs import JobStatus
from studio.core.service import Studio
from studio.providers.base import RenderRequest
from tests.conftest import set_faults
from tests.core.live_helpers import flux


async def fill(studio: Studio, sandbox) -> None:
    """Three fal jobs, two Stability jobs (billed from its credits: an actual cost), one
    fal job the provider fails, one dry-run (Luma without its video flag), a voted group."""
    # The fal jobs run side by side (fal bills per job, not from a balance); the Stability
    # ones one after another, so each one's credit drop is its own actual cost.
    fal = [await studio.submit(flux(seed=seed)) for seed in (1, 2, 3)]
    await asyncio.gather(*(studio.wait(job.id) for job in fal))
    for seed in (4, 5):
        job = await studio.submit(RenderRequest(provider="stability", model="core",
                                                prompt="a lighthouse", seed=seed))
        await studio.wait(job.id)
    set_faults(sandbox, fail_next={"provider": "fal", "message": "NSFW content detected"})
    failed = await studio.wait((await studio.submit(flux(seed=6))).id)
    assert failed.status is JobStatus.FAILED
    group = await studio.compare.create(Brief(prompt="a teapot", seed=9, aspect="1:1"),
                                        [Target.parse("fal:fal-ai/flux/schnell"),
                                         Target.parse("stability:core")])
    jobs = group.latest_jobs()
    for job_id in jobs:
        assert (await studio.wait(job_id)).status is JobStatus.SUCCEEDED
    studio.votes.cast(group.id, jobs, winner=jobs[1], ratings={jobs[1]: 5, jobs[0]: 2})


def expected(studio: Studio) -> dict:
    """Per provider spend (estimate, actual), per model latencies, per provider outcomes."""
    spend: dict = defaultdict(lambda: {"estimate": 0.0, "actual": 0.0, "jobs": 0,
                                       "actual_jobs": 0, "days": set()})
    runs: dict = defaultdict(list)
    outcomes: dict = defaultdict(lambda: defaultdict(int))
    for job in studio.store.list_jobs(limit=10_000):
        if job.provider == "studio":  # masks and frames made on this computer
            continue
        if job.dry_run:
            outcomes[job.provider]["dry_runs"] += 1
            continue
        s = spend[job.provider]
        s["jobs"] += 1
        s["estimate"] += (job.estimate or {}).get("usd") or 0.0
        if job.actual_cost and job.actual_cost.get("usd") is not None:
            s["actual"] += job.actual_cost["usd"]
            s["actual_jobs"] += 1
        s["days"].add(datetime.fromtimestamp(job.submitted_at or job.created_at).date())
        outcomes[job.provider][job.status.value] += 1
        latency = studio.latency_seconds(job)
        if latency is not None:
            runs[f"{job.provider}:{job.model}"].append(latency)
    return {"spend": spend, "runs": runs, "outcomes": outcomes}


def percentiles(values: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p25": cuts[24], "p50": statistics.median(values), "p75": cuts[74],
            "p90": cuts[89], "max": max(values), "min": min(values)}
