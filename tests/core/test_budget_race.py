"""Two real processes submitting at the same moment cannot both squeeze under one budget:
the check and the reservation are one transaction holding the database's write lock."""

import os
import subprocess
import sys
import time
from pathlib import Path

from studio.core.config import set_value
from studio.core.jobs import JobStatus
from studio.core.store import Store
from tests.core.live_helpers import live_studio, submissions

ROOT = Path(__file__).resolve().parents[2]

# Waits for the start gate, then sends its jobs one by one (or as one fan-out), waits for
# the live ones and prints each job's status.
WORKER = """
import asyncio, os, sys, time
from studio.core.service import Studio
from studio.providers.base import RenderRequest

async def main():
    url, gate, tag, how = sys.argv[1:5]
    studio = Studio(sandbox_url=url)
    requests = [RenderRequest(provider="fal", model="fal-ai/flux/dev", prompt=f"{tag} {i}")
                for i in range(int(sys.argv[5]))]
    studio.estimate(requests[0])  # warm: the race is the submits, not the imports
    await studio.http()
    open(gate + "." + tag.replace(" ", "-"), "w").close()  # ready
    while not os.path.exists(gate):
        time.sleep(0.001)
    try:
        if how == "fan-out":
            jobs = await studio.submit_many(requests)
        else:
            jobs = [await studio.submit(r) for r in requests]
        jobs = [await studio.wait(j.id) if j.status.value != "refused" else j for j in jobs]
    finally:
        await studio.aclose()
    print(" ".join(j.status.value for j in jobs))

asyncio.run(main())
"""


def _race(home, sandbox, tmp_path, how: str, n: int) -> list[list[str]]:
    gate = tmp_path / f"go-{how}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, sandbox.url, str(gate),
                                 f"{how} {w}", how, str(n)], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for w in range(2)]
    ready = [tmp_path / f"go-{how}.{how}-{w}" for w in range(2)]
    deadline = time.monotonic() + 60
    while not all(r.exists() for r in ready):  # both warmed up and waiting at the gate
        assert time.monotonic() < deadline and all(w.poll() is None for w in workers)
        time.sleep(0.005)
    gate.touch()  # they start within a millisecond of each other
    outputs = [w.communicate(timeout=120) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], [err for _, err in outputs]
    return [out.split() for out, _ in outputs]


async def test_two_processes_cannot_both_spend_the_last_of_a_budget(home, sandbox, tmp_path):
    studio = live_studio(home, sandbox)
    # Four $0.025 jobs fit in $0.10; the two processes try six each, interleaved.
    studio.update_settings(set_value(studio.settings, "budgets.overall.daily_usd", "0.1"))
    await studio.aclose()

    statuses = _race(home, sandbox, tmp_path, "one-by-one", 6)
    flat = [s for worker in statuses for s in worker]
    assert flat.count("succeeded") == 4 and flat.count("refused") == 8, statuses
    assert len(submissions(sandbox, "fal")) == 4
    store = Store(home.db_file)
    try:
        jobs = store.list_jobs()
        spent = sum(j.estimate["usd"] for j in jobs if j.status is JobStatus.SUCCEEDED)
        assert spent <= 0.1 + 1e-9
        refused = [j for j in jobs if j.status is JobStatus.REFUSED]
        assert all("overall daily budget ($0.10; $0.00 left)" in j.error for j in refused)
    finally:
        store.close()


async def test_two_fan_outs_at_once_cannot_both_fit(home, sandbox, tmp_path):
    studio = live_studio(home, sandbox)
    # One fan-out of three $0.025 jobs fits in $0.10, two do not.
    studio.update_settings(set_value(studio.settings, "budgets.overall.daily_usd", "0.1"))
    await studio.aclose()

    statuses = _race(home, sandbox, tmp_path, "fan-out", 3)
    assert sorted(statuses) == [["refused"] * 3, ["succeeded"] * 3], statuses
    assert len(submissions(sandbox, "fal")) == 3
    store = Store(home.db_file)
    try:
        assert store.query("SELECT COUNT(*) FROM budget_holds")[0][0] == 0
    finally:
        store.close()
