"""The reads views make through Studio (core/service.py, "reads for views") over a store of
10,000 jobs with one output each: what each costs on the thread that calls it.

The Gallery and the Queue call these on the GUI thread; anything near a frame (16 ms) is a
candidate for a worker thread. No target yet: the figures say where the time goes.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import median, temp_home
from studio.core.jobs import Asset, Job, JobStatus, new_job_id
from studio.core.paths import StudioPaths
from studio.core.service import Studio

ROUNDS = 15


def _fill(studio: Studio, n: int) -> None:
    from bench.gallery_data import _insert

    start = time.time() - n
    with studio.store.transaction() as db:
        for i in range(n):
            job = Job(id=new_job_id(), provider="fal", model="fal-ai/flux/dev", mode="txt2img",
                      prompt=f"bench prompt {i} a lighthouse at dusk",
                      request={"prompt": "x", "params": {"seed": i}},
                      status=JobStatus.SUCCEEDED, created_at=start + i, updated_at=start + i)
            asset = Asset(id=f"a{i:06d}", job_id=job.id, path=f"/bench/{i}.jpg",
                          sha256=f"{i:064x}", media_type="image/jpeg", bytes=1,
                          created_at=start + i)
            _insert(db, job, asset)


def _time(fn: Callable[[], Any]) -> float:
    times = []
    for _ in range(ROUNDS):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return median(times) * 1000


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="view_reads")
    parser.add_argument("--jobs", type=int, default=10_000)
    args = parser.parse_args(argv)
    with temp_home() as home:
        studio = Studio(StudioPaths.resolve(Path(home)), env={})
        try:
            _fill(studio, args.jobs)
            ids = studio.asset_ids()
            job_id = studio.jobs(limit=1)[0].id
            print(f"view_reads: {args.jobs:,} jobs, median of {ROUNDS} calls")
            for name, fn in [
                ("jobs(limit=1000)            Queue reload", lambda: studio.jobs(limit=1000)),
                ("asset_ids()                 Gallery refresh", studio.asset_ids),
                ("asset_ids(text=...)         Gallery search",
                 lambda: studio.asset_ids(text="lighthouse")),
                ("assets_with_jobs(64 ids)    visible rows",
                 lambda: studio.assets_with_jobs(ids[:64])),
                ("job + job_assets            Inspector",
                 lambda: (studio.job(job_id), studio.job_assets(job_id))),
            ]:
                print(f"  {name}: {_time(fn):6.2f} ms")
        finally:
            studio.store.close()


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
