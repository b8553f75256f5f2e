"""The async job runner: submit, persist the remote id at once, poll, download, record.

One task per live job on the current event loop, bounded per provider, each under the
job's lease (core.leases): no other process drives it meanwhile. Cancelling a job cancels
its task and asks the provider to stop. Shutting down leaves running jobs as they are, so
the next start resumes them; a job caught mid-submit becomes `unknown`. A job that has a
remote id is never written off: poll outages leave it `unknown`, failed downloads leave it
`failed` but `recoverable`, and `resume` or "Check again" fetch it later.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import statistics
import time
from typing import Any

from studio.core.job_outputs import OutputSaver
from studio.core.job_submit import JobSubmitter
from studio.core.jobs import InvalidTransition, Job, JobBusy, JobStatus
from studio.core.leases import Leases
from studio.core.ports import JobLogWriter, JobStore, ProviderAccess, SettingsSource
from studio.core.redaction import Redactor
from studio.core.send_queue import SendQueue
from studio.core.store_errors import LeaseLost, StoreError
from studio.providers.base import (
    Failed,
    Pending,
    PreparedCall,
    ProviderError,
    RemoteHandle,
    Succeeded,
)
from studio.providers.polling import (
    PollingGaveUp,
    PollPolicy,
    RetryAfterTooLong,
    poll_until_done,
)

log = logging.getLogger(__name__)

_MAY_STILL_RUN = ("cancelled here, but the provider could not stop it: it may still finish "
                  "and be charged")
# Where a model without history starts its poll-outage deadline (seconds, by kind).
DEFAULT_EXPECTED_SECONDS = {"image": 60.0, "video": 300.0}
# Poll answers that leave the outputs fetchable once the user acts (key, credits).
_KEEP_REMOTE_STATUS = {401, 402, 403}
_CHECK_LATER = "its remote id is kept: Check again (or studio-cli resume) fetches it later"


class JobRunner:
    def __init__(self, access: ProviderAccess, store: JobStore, leases: Leases, *,
                 joblog: JobLogWriter, redactor: Redactor, config: SettingsSource,
                 outputs: OutputSaver) -> None:
        self.access = access
        self.store = store
        self.leases = leases
        self.joblog = joblog
        self.redactor = redactor
        self.config = config
        self.outputs = outputs
        self.submitter = JobSubmitter(access, store, joblog, config, self._set,
                                      before_send=outputs.costs.before_send)
        self._tasks: dict[str, asyncio.Task[None]] = {}
        # Bounded per provider, in an order the artist can change, with a pause switch.
        self.sends = SendQueue(self._limit)
        self._user_cancelled: set[str] = set()
        self._lost: set[str] = set()
        self._holding: set[str] = set()  # jobs whose output came with the submit answer
        self._heartbeat: asyncio.Task[None] | None = None
        self._closing = False

    @property
    def owner(self) -> str:
        return self.leases.owner

    def active(self) -> list[str]:
        return [j for j, t in self._tasks.items() if not t.done()]

    def _limit(self, provider: str) -> int:
        return self.config.settings.network.max_concurrent_per_provider

    def start(self, job_id: str, call: PreparedCall | None) -> asyncio.Task[None]:
        """Run a queued job (with its call) or poll one that has a remote id (call=None).

        Takes the job's lease first; raises JobBusy when another process holds it."""
        running = self._tasks.get(job_id)
        if running is not None and not running.done():
            return running
        if not self.leases.take(job_id):
            raise JobBusy(f"job {job_id} is being run by another Provider Studio process")
        task = asyncio.get_running_loop().create_task(self._run(job_id, call),
                                                      name=f"job-{job_id}")
        self._tasks[job_id] = task
        task.add_done_callback(functools.partial(self._done, job_id))
        if self._heartbeat is None or self._heartbeat.done():
            self._heartbeat = asyncio.get_running_loop().create_task(
                self._beat(), name="lease-heartbeat")
        return task

    def _done(self, job_id: str, task: asyncio.Task[None]) -> None:
        if self._tasks.get(job_id) is task:
            self._tasks.pop(job_id, None)
        self._lost.discard(job_id)
        self._holding.discard(job_id)
        try:
            self.leases.release(job_id)
        except StoreError:  # it expires on its own
            log.warning("runner.release_failed job=%s", job_id)

    async def _beat(self) -> None:
        """Renew this process's leases while it has jobs; stop a job whose lease was
        taken over (this process stalled past the expiry)."""
        while self.active():
            await asyncio.sleep(self.leases.seconds / 3)
            try:
                held = self.leases.renew()
            except StoreError:
                log.warning("runner.heartbeat_failed")
                continue
            for job_id in self.active():
                if job_id not in held:
                    log.warning("runner.lease_lost job=%s", job_id)
                    self._lost.add(job_id)
                    self._tasks[job_id].cancel()

    def holding_answer(self, job_id: str) -> bool:
        """The provider sent the output with its submit answer (no remote copy to fetch
        later) and this process is saving it: stopping now would lose a paid output."""
        return job_id in self._holding

    async def wait(self, job_id: str) -> None:
        task = self._tasks.get(job_id)
        if task is not None:
            await asyncio.wait({task})

    async def cancel(self, job_id: str) -> Job:
        job = self.store.get_job(job_id)
        if job is None:
            raise KeyError(job_id)
        if job.status.terminal and not (job.status is JobStatus.UNKNOWN and job.remote_id):
            return job
        task = self._tasks.get(job_id)
        if task is not None and not task.done():
            if not task.cancelling():  # a second cancel would cut the first one's clean-up
                self._user_cancelled.add(job_id)
                task.cancel()
            await asyncio.wait({task})
            return self.store.get_job(job_id) or job
        # Not driven here: left from an earlier session, or driven by another process
        # (which finds its lease gone at its next write and stops).
        self.leases.drop(job_id)
        stopped = await self._cancel_remote(job) if job.remote else True
        return self.store.update_job(job_id, status=JobStatus.CANCELLED,
                                     finished_at=time.time(), recoverable=False,
                                     message="cancelled" if stopped else _MAY_STILL_RUN)

    async def close(self) -> None:
        self._closing = True
        # An output that came with the submit answer exists nowhere else: finish saving it.
        holding = [t for j, t in self._tasks.items() if j in self._holding and not t.done()]
        if holding:
            await asyncio.wait(holding, timeout=60)
        tasks = [t for t in self._tasks.values() if not t.done()]
        for t in tasks:
            t.cancel()
        if tasks:
            await asyncio.wait(tasks)
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat

    # -- the life of one job -----------------------------------------------------------------

    async def _run(self, job_id: str, call: PreparedCall | None) -> None:
        job = self.store.get_job(job_id)
        if job is None:
            return
        synchronous = False
        try:
            async with self.sends.slot(job_id, job.provider, sends=call is not None):
                job = self.store.get_job(job_id)
                if job is None:
                    return
                result: Succeeded | Failed | None = None
                if call is not None:
                    if job.status is not JobStatus.QUEUED:
                        return  # another owner moved it on before this one got the lease
                    submitted = await self.submitter.submit(job, call)
                    if submitted is None:  # outcome unknown: never resubmit, never poll
                        return
                    result = submitted.result
                    synchronous = result is not None
                    if synchronous:
                        self._holding.add(job_id)
                    job = self.store.get_job(job_id) or job
                elif not self._ready_to_poll(job):
                    return
                if result is None:
                    job = self._recheck(job)
                    result = await self._poll(job)
                await self._finish(job_id, result)
        except LeaseLost:
            log.info("runner.lease_lost job=%s", job_id)
        except asyncio.CancelledError:
            await self._on_cancel(job_id)
        except InvalidTransition as exc:
            if not self._ended_elsewhere(job_id):
                log.exception("runner.bad_transition job=%s", job_id)
                self._fail(job_id, f"internal error: {exc}", "internal", recoverable=True)
        except PollingGaveUp as exc:
            self._end(job_id, JobStatus.UNKNOWN, error=exc.message, error_code=exc.code,
                      recoverable=True, finished_at=time.time(),
                      message=f"the provider did not answer in time; {_CHECK_LATER}")
        except ProviderError as exc:
            keep = not synchronous and (exc.retryable or exc.status in _KEEP_REMOTE_STATUS
                                        or isinstance(exc, RetryAfterTooLong))
            message = exc.message
            if synchronous:
                message += (" (the provider sent the output with its answer, so it cannot be "
                            "fetched again; this job may have been charged)")
            self._fail(job_id, message, exc.code, recoverable=keep)
        except StoreError:
            # The database refused the write (locked, damaged): the lease lapses and a
            # later resume picks the job up where the database last saw it.
            log.exception("runner.store_error job=%s", job_id)
        except Exception as exc:  # a bug must still end the job visibly
            log.exception("runner.crash job=%s", job_id)
            self._fail(job_id, f"internal error: {type(exc).__name__}: {exc}", "internal",
                       recoverable=not synchronous)

    def _ready_to_poll(self, job: Job) -> bool:
        return bool(job.remote_id) and job.status in (
            JobStatus.SUBMITTED, JobStatus.RUNNING, JobStatus.UNKNOWN, JobStatus.FAILED)

    def _recheck(self, job: Job) -> Job:
        """A finished-unsuccessfully job is asked about again: back to submitted."""
        if job.status not in (JobStatus.UNKNOWN, JobStatus.FAILED):
            return job
        return self._set(job.id, JobStatus.SUBMITTED, error=None, error_code=None,
                         finished_at=None, recoverable=False,
                         message="checking with the provider again")

    def _ended_elsewhere(self, job_id: str) -> bool:
        job = self.store.get_job(job_id)
        return job is not None and job.status in (JobStatus.CANCELLED, JobStatus.SUCCEEDED)

    async def _poll(self, job: Job) -> Succeeded | Failed:
        provider = self.access.providers[job.provider]
        ctx = self.access.context(job.provider)
        handle = RemoteHandle.from_json(job.remote or {})
        http = await self.access.http()
        net = self.config.settings.network

        def on_update(p: Pending) -> None:
            changes: dict[str, Any] = {
                "progress": p.progress, "queue_position": p.queue_position,
                "message": self.redactor.text(p.message) if p.message else None}
            current = self.store.get_job(job.id)
            if p.state == "running" and current and current.status != JobStatus.RUNNING:
                changes.update(status=JobStatus.RUNNING, started_at=time.time())
            self.store.update_job(job.id, lease_owner=self.owner, **changes)

        def on_error(exc: ProviderError, wait: float) -> None:
            self.joblog.append(job.provider, job.id, "poll_error", error=exc.message,
                                      code=exc.code)
            self.store.update_job(job.id, lease_owner=self.owner, message=self.redactor
                                  .text(f"{exc.message}; checking again in {wait:.0f} s"))

        history = self.expected_seconds(job.provider, job.model)
        policy = PollPolicy(
            hint=provider.poll_hint, expected_seconds=history,
            deadline_seconds=history or self._default_expected(job),
            outage_margin=net.poll_outage_margin_seconds,
            backoff_cap=net.poll_backoff_cap_seconds,
            max_retry_after=net.max_retry_after_seconds,
            elapsed_before=max(0.0, time.time() - (job.submitted_at or time.time())))
        return await poll_until_done(lambda: provider.poll(http, handle, ctx), policy=policy,
                                     on_update=on_update, on_error=on_error)

    def _default_expected(self, job: Job) -> float:
        try:
            kind = self.access.providers[job.provider].model(job.model).kind.value
        except (KeyError, ProviderError):
            kind = "video"
        return DEFAULT_EXPECTED_SECONDS.get(kind, DEFAULT_EXPECTED_SECONDS["video"])

    def expected_seconds(self, provider: str, model: str) -> float | None:
        """Typical request-start-to-done time of this model's recent successful jobs."""
        runs = self.store.recent_durations(provider, model, limit=20)
        return statistics.median(runs) if len(runs) >= 2 else None

    async def _finish(self, job_id: str, result: Succeeded | Failed) -> None:
        job = self.store.get_job(job_id)
        if job is None:  # a real check: asserts are gone under python -O
            raise KeyError(job_id)
        self.joblog.export_response(job.provider, job_id, "result", result.raw)
        if isinstance(result, Failed):
            if result.code == "cancelled":
                self._set(job_id, JobStatus.CANCELLED, message=result.message,
                          finished_at=time.time())
            else:
                self._fail(job_id, result.message, result.code, recoverable=False)
            return
        await self.outputs.save(job, result)

    async def _on_cancel(self, job_id: str) -> None:
        user = job_id in self._user_cancelled
        self._user_cancelled.discard(job_id)
        if job_id in self._lost:
            return  # another process owns it now
        job = self.store.get_job(job_id)
        if job is None or job.status.terminal:
            return
        if not user and self._closing:
            return  # shutting down: leave it for resume
        message = "cancelled"
        if job.remote and not await self._cancel_remote(job):
            message = _MAY_STILL_RUN
        self._end(job_id, JobStatus.CANCELLED, message=message, finished_at=time.time())

    async def _cancel_remote(self, job: Job) -> bool:
        """Ask the provider to stop; False when it could not (the job may still run)."""
        provider = self.access.providers[job.provider]
        try:
            stopped = await asyncio.shield(provider.cancel(
                await self.access.http(), RemoteHandle.from_json(job.remote or {}),
                self.access.context(job.provider)))
        except ProviderError as exc:
            self.joblog.append(job.provider, job.id, "cancel_failed", error=exc.message)
            return False
        self.joblog.append(job.provider, job.id,
                                  "cancel_sent" if stopped else "cancel_refused")
        return bool(stopped)

    def _fail(self, job_id: str, message: str, code: str | None, *,
              recoverable: bool) -> None:
        try:
            job = self.store.get_job(job_id)
            if job is None or job.status.terminal:
                return
            message = self.redactor.text(message)
            keep = recoverable and bool(job.remote_id)
            if keep:
                message = f"{message} ({_CHECK_LATER})"
            self._set(job_id, JobStatus.FAILED, error=message, error_code=code,
                      recoverable=keep, finished_at=time.time())
            self.joblog.append(job.provider, job_id, "failed", error=message,
                                      code=code)
        except (LeaseLost, StoreError):
            log.warning("runner.fail_not_recorded job=%s", job_id)

    def _end(self, job_id: str, status: JobStatus, **changes: Any) -> None:
        """A final write from an error path: if the job is no longer ours, let it be."""
        try:
            self._set(job_id, status, **changes)
        except (StoreError, InvalidTransition):
            log.warning("runner.end_not_recorded job=%s status=%s", job_id, status.value)

    def _set(self, job_id: str, status: JobStatus, **changes: Any) -> Job:
        for key in ("message", "error"):
            if isinstance(changes.get(key), str):
                changes[key] = self.redactor.text(changes[key])
        return self.store.update_job(job_id, lease_owner=self.owner, status=status,
                                     **changes)
