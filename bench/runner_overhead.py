"""Per-job overhead: 100 live jobs through the Studio runner vs a minimal httpx script.

Both run the same fal queue protocol (submit, status polls, result, download) against the
same sandbox process, side by side, alternating rounds. The script polls every 0.5 s, the
runner's minimum interval for fal, so the ratio measures our machinery, not a cadence.
Target: runner wall time <= 1.1x the script's.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import time
from pathlib import Path

import httpx

from bench.common import live_studio, median, sandbox_process, temp_home
from studio.core.jobs import JobStatus
from studio.providers.base import RenderRequest

MODEL = "fal-ai/flux/schnell"
BODY = {"prompt": "bench", "image_size": "square", "num_inference_steps": 4,
        "output_format": "png"}


async def script_round(url: str, jobs: int, concurrency: int, out: Path) -> float:
    limit = asyncio.Semaphore(concurrency)
    headers = {"Authorization": "Key bench"}

    async def one(http: httpx.AsyncClient, i: int) -> None:
        async with limit:
            r = await http.post(f"{url}/fal/{MODEL}", json={**BODY, "seed": i},
                                headers=headers)
            req = r.json()
            base = f"{url}/fal/fal-ai/flux/requests/{req['request_id']}"
            while True:
                s = (await http.get(f"{base}/status", params={"logs": "1"},
                                    headers=headers)).json()
                if s["status"] == "COMPLETED":
                    break
                await asyncio.sleep(0.5)
            result = (await http.get(base, headers=headers)).json()
            for n, image in enumerate(result["images"]):
                digest = hashlib.sha256()
                path = out / f"{i}-{n}.png"
                async with http.stream("GET", image["url"]) as resp:
                    with path.open("wb") as fh:
                        async for chunk in resp.aiter_bytes(1 << 16):
                            digest.update(chunk)
                            fh.write(chunk)

    start = time.perf_counter()
    async with httpx.AsyncClient(timeout=60) as http:
        await asyncio.gather(*(one(http, i) for i in range(jobs)))
    return time.perf_counter() - start


async def studio_round(url: str, jobs: int, concurrency: int, home: Path) -> float:
    studio = live_studio(home, url, concurrency)
    try:
        start = time.perf_counter()
        submitted = [await studio.submit(RenderRequest(
            provider="fal", model=MODEL, prompt="bench", seed=i,
            params={"image_size": "square", "output_format": "png"})) for i in range(jobs)]
        done = [await studio.wait(j.id) for j in submitted]
        elapsed = time.perf_counter() - start
        bad = [j for j in done if j.status is not JobStatus.SUCCEEDED]
        if bad:
            raise SystemExit(f"{len(bad)} jobs did not succeed: {bad[0].error}")
        return elapsed
    finally:
        await studio.aclose()


def main(argv: list[str] | None = None) -> dict[str, float]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=100)
    ap.add_argument("--concurrency", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    script_times, studio_times = [], []
    with sandbox_process(queue_seconds=0.3, run_seconds=1.0) as url:
        for _ in range(args.rounds):
            with temp_home() as d:
                script_times.append(asyncio.run(
                    script_round(url, args.jobs, args.concurrency, Path(d))))
            with temp_home() as d:
                studio_times.append(asyncio.run(
                    studio_round(url, args.jobs, args.concurrency, Path(d))))
    s, r = median(script_times), median(studio_times)
    print(f"runner_overhead: {args.jobs} jobs, concurrency {args.concurrency}, "
          f"{args.rounds} alternating rounds")
    print(f"  hand-written httpx script: median {s:.2f} s  {[round(x, 2) for x in script_times]}")
    print(f"  Studio runner:             median {r:.2f} s  {[round(x, 2) for x in studio_times]}")
    print(f"  ratio runner/script: {r / s:.3f}  (target <= 1.10)")
    return {"script_s": s, "runner_s": r, "ratio": r / s}


if __name__ == "__main__":
    main()
