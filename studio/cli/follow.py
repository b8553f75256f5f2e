"""Following jobs from a short-lived command: until the provider has accepted them
(`generate` without --wait), until they end (`wait`), or one look at the provider
(`job --refresh`).

A command that returns early lets go of its jobs on exit (their leases are released), so
`wait`, `resume`, `serve` or the app take them over; none is ever sent twice.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from typing import Any

from studio.core.jobs import Job, JobBusy, JobStatus
from studio.core.service import Studio
from studio.providers.base import Failed, Pending, ProviderError, RemoteHandle, Succeeded

# How often `wait` re-reads a job that another process drives (its writes send us no events).
ELSEWHERE_POLL_SECONDS = 1.0


def accepted(studio: Studio, job: Job) -> bool:
    """The provider has the job (its remote id is stored) and can be asked for it later,
    or it has ended here. An output sent with the submit answer is saved first: the
    provider keeps no copy of it."""
    if job.status.terminal:
        return True
    return bool(job.remote_id) and not studio.runner.holding_answer(job.id)


async def until_accepted(studio: Studio, job_ids: Iterable[str]) -> list[Job]:
    """Wait until every job is accepted by its provider or has ended (a 429 with
    Retry-After keeps it queued meanwhile). Returns the jobs as they are then."""
    ids = list(job_ids)
    loop = asyncio.get_running_loop()
    changed = asyncio.Event()

    def on_event(event: Any) -> None:
        if event.job_id in ids:  # the store may call from a worker thread
            loop.call_soon_threadsafe(changed.set)

    unsubscribe = studio.store.subscribe(on_event)
    try:
        while True:
            jobs = [j for i in ids if (j := studio.store.get_job(i)) is not None]
            waiting = [j.id for j in jobs if not accepted(studio, j)]
            running = [i for i in waiting if i in studio.runner.active()]
            if not running:  # accepted, ended, or nobody here is driving it any more
                return jobs
            changed.clear()
            waits: set[asyncio.Future[Any]] = {
                asyncio.ensure_future(studio.runner.wait(i)) for i in running}
            waits.add(asyncio.ensure_future(changed.wait()))
            _, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
    finally:
        unsubscribe()


async def until_done(studio: Studio, job_id: str) -> Job:
    """Drive the job from here until it ends; a job another process drives is followed
    by re-reading it (and taken over if that process goes away)."""
    while True:
        try:
            if await studio.drive(job_id):
                return await studio.wait(job_id)
        except JobBusy:
            await asyncio.sleep(ELSEWHERE_POLL_SECONDS)
            continue
        job = studio.store.get_job(job_id)
        if job is None:
            raise KeyError(job_id)
        if not job.status.active:
            return job


async def refresh(studio: Studio, job: Job) -> tuple[Job, str]:
    """Ask the provider about the job once. A job that finished there is fetched (outputs
    downloaded) before returning; one still running has its progress recorded. Returns
    the job and a line saying what happened."""
    holder = studio.leases.held_elsewhere(job.id)
    if holder is not None:
        return job, f"being run by another Provider Studio process ({holder.owner})"
    if job.status is JobStatus.QUEUED:
        if await studio.drive(job.id):
            [job] = await until_accepted(studio, [job.id])
        return job, _acceptance(job)
    recheck = job.status in (JobStatus.UNKNOWN, JobStatus.FAILED)
    if not job.remote_id or not (job.status.active or recheck):
        return job, "nothing to ask the provider: " + (
            "it never got a remote id" if job.status.terminal and not job.remote_id
            else f"it is {job.status.value}")
    provider = studio.providers[job.provider]
    try:
        result = await provider.poll(await studio.http(), RemoteHandle.from_json(job.remote or {}),
                                     studio.context(job.provider))
    except ProviderError as exc:
        return job, f"the provider did not answer: {studio.redactor.text(exc.message)}"
    if isinstance(result, Pending):
        return _record_pending(studio, job, result), (
            f"{result.state} at the provider"
            + ("" if result.progress is None else f" ({result.progress:.0%})"))
    assert isinstance(result, Succeeded | Failed)
    if recheck:
        try:
            await studio.check_again(job.id)
        except JobBusy as exc:
            return job, str(exc)
        job = await studio.wait(job.id)
    else:
        job = await until_done(studio, job.id)
    return job, f"{job.status.value} at the provider"


def _record_pending(studio: Studio, job: Job, pending: Pending) -> Job:
    """Progress as the provider reported it, written under the job's lease."""
    if not studio.leases.take(job.id):
        return job
    try:
        changes: dict[str, Any] = {"progress": pending.progress,
                                   "queue_position": pending.queue_position}
        if pending.message:
            changes["message"] = studio.redactor.text(pending.message)
        if job.status in (JobStatus.UNKNOWN, JobStatus.FAILED):
            # Still running there: unfinished again, so resume or wait finishes it.
            changes.update(status=JobStatus.SUBMITTED, error=None, error_code=None,
                           finished_at=None, recoverable=False)
        if pending.state == "running" and job.status is not JobStatus.RUNNING:
            changes.update(status=JobStatus.RUNNING, started_at=job.started_at or time.time())
        return studio.store.update_job(job.id, lease_owner=studio.leases.owner, **changes)
    finally:
        studio.leases.release(job.id)


def _acceptance(job: Job) -> str:
    if job.remote_id:
        return f"accepted by {job.provider} (remote id {job.remote_id})"
    if job.status.terminal:
        return f"{job.status.value} before the provider accepted it"
    return f"{job.status.value}, not accepted yet"


def acceptance_note(job: Job) -> str:
    """What `generate` (without --wait) says on stderr once it returns."""
    if job.remote_id and not job.status.terminal:
        return (f"job {job.id} accepted by {job.provider} (remote id {job.remote_id}); "
                f"`studio-cli wait {job.id}` finishes it, `studio-cli job {job.id} "
                "--refresh` shows where it is")
    return ""
