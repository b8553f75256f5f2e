"""Never submitted twice: two real processes resuming the same STUDIO_HOME at once drive
each job exactly once (one lease owner per job), against the sandbox over HTTP."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from studio.core.jobs import Job, JobStatus, new_job_id
from studio.core.service import Studio
from studio.core.store import Store
from tests.conftest import set_faults
from tests.core.live_helpers import flux, leftovers, live_studio, submissions

ROOT = Path(__file__).resolve().parents[2]

# A process that keeps resuming until every job of the home is finished (like `serve`
# and `studio-cli resume` running side by side); it prints the ids it drove.
WORKER = """
import asyncio, sys
from studio.core.service import Studio
from studio.core.jobs import JobStatus

async def main():
    studio = Studio(sandbox_url=sys.argv[1])
    mine = set()
    try:
        while True:
            mine.update(await studio.resume())
            open_jobs = studio.store.list_jobs(statuses=[s for s in JobStatus if s.active])
            if not open_jobs and not studio.runner.active():
                break
            await asyncio.sleep(0.03)
    finally:
        await studio.aclose()
    print(" ".join(sorted(mine)))

asyncio.run(main())
"""


def queue_jobs(studio: Studio, n: int, prefix: str) -> list[str]:
    """Live jobs written as queued and not sent yet (what a killed GUI or `generate`
    without --wait leaves)."""
    return queue_jobs_in(studio.store, n, prefix)


def queue_jobs_in(store: Store, n: int, prefix: str) -> list[str]:
    ids = []
    for i in range(n):
        request = flux(prompt=f"{prefix} {i}", seed=i)
        job = Job(id=new_job_id(), provider="fal", model=request.model, mode="txt2img",
                  prompt=request.prompt, request=request.model_dump(mode="json"),
                  dry_run=False, sandbox=True)
        store.create_job(job)
        store.update_job(job.id, status=JobStatus.QUEUED)
        ids.append(job.id)
    return ids


def spawn(sandbox_url: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", WORKER, sandbox_url], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


async def test_two_processes_resuming_together_submit_each_job_once(home, sandbox):
    set_faults(sandbox, queue_seconds=0.3, run_seconds=0.4)
    studio = live_studio(home, sandbox)
    ids = queue_jobs(studio, 20, "two owners")
    await studio.aclose()

    workers = [spawn(sandbox.url) for _ in range(2)]
    store = Store(home.db_file)
    try:
        # While both run, more jobs arrive (as from the GUI): both race for them.
        deadline = time.monotonic() + 60
        while not store.query("SELECT 1 FROM jobs WHERE remote IS NOT NULL LIMIT 1"):
            assert time.monotonic() < deadline, "no job was ever submitted"
            time.sleep(0.01)
        ids += queue_jobs_in(store, 10, "two owners late")
        outputs = [w.communicate(timeout=120) for w in workers]
        assert [w.returncode for w in workers] == [0, 0], [err for _, err in outputs]
        driven = [set(out.split()) for out, _ in outputs]
        assert driven[0] | driven[1] == set(ids)

        prompts = [r["body"]["prompt"] for r in submissions(sandbox, "fal")]
        assert sorted(prompts) == sorted(  # each job submitted exactly once
            [f"two owners {i}" for i in range(20)] + [f"two owners late {i}" for i in range(10)])
        jobs = [store.get_job(i) for i in ids]
        assert {j.status for j in jobs} == {JobStatus.SUCCEEDED}, [j.error for j in jobs]
        assert not any("InvalidTransition" in (j.error or "") for j in jobs)
        assert all(len(store.assets_for_job(i)) == 1 for i in ids)
        assert store.query("SELECT COUNT(*) FROM leases")[0][0] == 0
    finally:
        store.close()


async def test_a_killed_worker_leaves_what_resume_completes(home, sandbox):
    set_faults(sandbox, queue_seconds=0.2, run_seconds=0.6)
    studio = live_studio(home, sandbox)
    ids = queue_jobs(studio, 8, "killed")
    await studio.aclose()

    worker = spawn(sandbox.url)
    store = Store(home.db_file)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # some have a remote id, none finished yet
            remote = store.query("SELECT COUNT(*) FROM jobs WHERE remote IS NOT NULL")[0][0]
            if remote >= 3:
                break
            time.sleep(0.01)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        store.close()

    again = Studio(home, sandbox_url=sandbox.url)  # the next start
    try:
        for job_id in await again.resume():
            await again.wait(job_id)
        jobs = [again.store.get_job(i) for i in ids]
    finally:
        await again.aclose()
    by_status = {s: [j for j in jobs if j.status is s] for s in JobStatus}
    # Only a job caught between sending and recording its id may be unknown.
    assert len(by_status[JobStatus.SUCCEEDED]) + len(by_status[JobStatus.UNKNOWN]) == 8
    assert all(not j.remote_id for j in by_status[JobStatus.UNKNOWN])
    prompts = [r["body"]["prompt"] for r in submissions(sandbox, "fal")]
    assert len(prompts) == len(set(prompts))  # nothing sent twice
    succeeded = {j.prompt for j in by_status[JobStatus.SUCCEEDED]}
    assert succeeded <= set(prompts)
    assert leftovers(home.data_dir) == []
