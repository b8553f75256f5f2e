"""The dashboard's figures (`Studio.stats`, core.stats) over 10,000 live jobs of the last
30 days: what one refresh costs on the GUI thread (it runs when jobs finish, at most every
0.4 s, and only while the Dashboard is shown). No target: the figure says whether it
needs a worker thread.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

from bench.common import median, temp_home
from studio.core.jobs import Asset, Job, JobStatus, new_job_id
from studio.core.paths import StudioPaths
from studio.core.service import Studio

ROUNDS = 9
MODELS = [("fal", "fal-ai/flux/dev"), ("fal", "fal-ai/flux/schnell"), ("stability", "core"),
          ("luma", "ray-2"), ("runway", "gen4_turbo"), ("pika", "v2.2")]


def _fill(studio: Studio, n: int) -> None:
    from bench.gallery_data import _insert

    rng = random.Random(7)
    now = time.time()
    with studio.store.transaction() as db:
        for i in range(n):
            provider, model = MODELS[i % len(MODELS)]
            sent = now - rng.uniform(0, 29 * 86400)
            ok = rng.random() > 0.08
            job = Job(id=new_job_id(), provider=provider, model=model, mode="txt2img",
                      prompt=f"bench {i}", request={"prompt": "x"}, dry_run=False,
                      status=JobStatus.SUCCEEDED if ok else JobStatus.FAILED,
                      created_at=sent - 0.2, updated_at=sent, submitted_at=sent,
                      finished_at=sent + rng.uniform(2, 90),
                      remote={"remote_id": f"r{i}", "urls": {}},
                      estimate={"usd": 0.04, "approximate": False},
                      actual_cost={"usd": 0.035} if i % 3 == 0 else None)
            _insert(db, job, Asset(id=f"a{i:06d}", job_id=job.id, path=f"/bench/{i}.png",
                                   sha256=f"{i:064x}", media_type="image/png", bytes=1,
                                   created_at=sent))
            db.execute("INSERT INTO events (job_id, at, kind, data) VALUES (?, ?, 'status', ?)",
                       (job.id, sent - 0.1, json.dumps({"from": "queued", "to": "submitting"})))


def main(argv: list[str]) -> dict[str, float]:
    parser = argparse.ArgumentParser(prog="dashboard_stats")
    parser.add_argument("--jobs", type=int, default=10_000)
    args = parser.parse_args(argv)
    with temp_home() as home:
        studio = Studio(StudioPaths.resolve(Path(home)), env={})
        try:
            _fill(studio, args.jobs)
            times = []
            for _ in range(ROUNDS):
                began = time.perf_counter()
                data = studio.stats(30)
                times.append(time.perf_counter() - began)
        finally:
            studio.store.close()
    ms = median(times) * 1000
    jobs = sum(t["jobs"] for t in data["spend"]["totals"])
    print(f"dashboard_stats: Studio.stats(30) over {args.jobs:,} live jobs ({jobs:,} counted), "
          f"median of {ROUNDS}: {ms:.1f} ms")
    return {"stats_ms": ms}


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
