"""Polling: how soon the runner notices a finished job, and how many status requests it spends.

Jobs run on the sandbox for several durations, each varied per job by a seeded random
factor (--jitter, default +-25 %), as real providers vary. For each job the bench records
when the provider finished (from the sandbox's own job table) and when the runner's poll
first saw it finished, plus the number of status requests.
Targets: median detection delay <= 1 s; <= 1 status request per 2 s per job on average.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

from bench.common import live_studio, median, pct, sandbox_process, temp_home
from studio.providers.base import RenderRequest, Succeeded
from studio.providers.fal import FalProvider

MODEL = "fal-ai/flux/schnell"


async def batch(url: str, home: Path, jobs: int, warmup: int,
                run_s: float) -> tuple[list[float], list[float]]:
    studio = live_studio(home, url, concurrency=jobs)
    fal = studio.providers["fal"]
    assert isinstance(fal, FalProvider)
    polls: dict[str, int] = {}
    seen_done: dict[str, float] = {}
    original = FalProvider.poll

    async def counting_poll(self, http, handle, ctx):
        result = await original(self, http, handle, ctx)
        polls[handle.remote_id] = polls.get(handle.remote_id, 0) + 1
        if isinstance(result, Succeeded):
            seen_done.setdefault(handle.remote_id, time.time())
        return result

    FalProvider.poll = counting_poll  # type: ignore[method-assign]
    try:
        delays, rates = [], []
        # Warm-up jobs teach the runner this model's typical duration, as real use does.
        for i in range(warmup):
            j = await studio.submit(RenderRequest(provider="fal", model=MODEL, prompt="w",
                                                  seed=i, params={"image_size": "square"}))
            await studio.wait(j.id)
        submitted = []
        for i in range(jobs):
            submitted.append(await studio.submit(RenderRequest(
                provider="fal", model=MODEL, prompt="bench", seed=100 + i,
                params={"image_size": "square"})))
            await asyncio.sleep(run_s / jobs)  # staggered, like an artist's clicks
        finished = await provider_finish_times(url)
        for j in submitted:
            done = await studio.wait(j.id)
            rid = done.remote_id
            delays.append(seen_done[rid] - finished[rid])
            lifetime = seen_done[rid] - done.submitted_at
            rates.append(polls[rid] / lifetime * 2)  # status requests per 2 s
        return delays, rates
    finally:
        FalProvider.poll = original  # type: ignore[method-assign]
        await studio.aclose()


async def provider_finish_times(url: str) -> dict[str, float]:
    """Wall-clock finish time of every sandbox job, by remote id."""
    import httpx

    async with httpx.AsyncClient() as http:
        jobs = (await http.get(f"{url}/_sandbox/jobs")).json()
    return {j["id"]: j["finishes_at_wall"] for j in jobs}


def main(argv: list[str] | None = None) -> dict[str, float]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=20)
    ap.add_argument("--durations", default="4,12,30", help="run seconds per batch")
    ap.add_argument("--jitter", type=float, default=0.25, help="+- fraction of run time")
    args = ap.parse_args(argv)
    all_delays, all_rates = [], []
    print(f"polling_latency: fal queue protocol on the sandbox, run times +-{args.jitter:.0%},"
          " 2 warm-up jobs per batch")
    for run_s in (float(x) for x in args.durations.split(",")):
        with sandbox_process(queue_seconds=1.0, run_seconds=run_s, run_jitter=args.jitter,
                             jitter_seed=7) as url, temp_home() as d:
            delays, rates = asyncio.run(batch(url, Path(d), args.jobs, 2, run_s))
        all_delays += delays
        all_rates += rates
        print(f"  run {run_s:>4.0f} s: detection delay median {median(delays):.2f} s, "
              f"p90 {pct(delays, 0.9):.2f} s; status requests per 2 s per job "
              f"mean {sum(rates) / len(rates):.2f}")
    m, r = median(all_delays), sum(all_rates) / len(all_rates)
    print(f"  all: median delay {m:.2f} s (target <= 1.0), mean requests per 2 s {r:.2f} "
          "(target <= 1.0)")
    return {"median_delay_s": m, "requests_per_2s": r}


if __name__ == "__main__":
    main()
