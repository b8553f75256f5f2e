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
from typing import TYPE_CHECKING, Any

import httpx

from studio.core.job_outputs import OutputSaver
from studio.core.jobs import InvalidTransition, Job, JobBusy, JobStatus
from studio.core.store_errors import LeaseLost, StoreError
from studio.providers.base import (
    Failed,
    Pending,
    PreparedCall,
    Provider,
    ProviderContext,
    ProviderError,
    RemoteHandle,
    Submitted,
    Succeeded,
)
from studio.providers.polling import (
    PollingGaveUp,
    PollPolicy,
    RetryAfterTooLong,
    describe_wait,
    poll_until_done,
)

if TYPE_CHECKING:
    from studio.core.service import Studio

log = logging.getLogger(__name__)

# Submit errors after which the provider may still have received the job.
_MAYBE_SENT = {"timeout", "network"}
_SUBMIT_ATTEMPTS = 4
_MAY_STILL_RUN = ("cancelled here, but the provider could not stop it: it may still finish "
                  "and be charged")
# Where a model without history starts its poll-outage deadline (seconds, by kind).
DEFAULT_EXPECTED_SECONDS = {"image": 60.0, "video": 300.0}
# Poll answers that leave the outputs fetchable once the user acts (key, credits).
_KEEP_REMOTE_STATUS = {401, 402, 403}
_CHECK_LATER = "its remote id is kept: Check again (or studio-cli resume) fetches it later"


class JobRunner:
    def __init__(self, studio: Studio) -> None:
        self.studio = studio
        self.leases = studio.leases
        self.outputs = OutputSaver(studio)
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._limits: dict[str, asyncio.Semaphore] = {}
        self._user_cancelled: set[str] = set()
        self._lost: set[str] = set()
        self._heartbeat: asyncio.Task[None] | None = None
        self._closing = False

    @property
    def store(self):
        return self.studio.store

    @property
    def owner(self) -> str:
        return self.leases.owner

    def active(self) -> list[str]:
        return [j for j, t in self._tasks.items() if not t.done()]

    def _limit(self, provider: str) -> asyncio.Semaphore:
        if provider not in self._limits:
            n = self.studio.settings.network.max_concurrent_per_provider
            self._limits[provider] = asyncio.Semaphore(n)
        return self._limits[provider]

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
            async with self._limit(job.provider):
                job = self.store.get_job(job_id)
                if job is None:
                    return
                result: Succeeded | Failed | None = None
                if call is not None:
                    if job.status is not JobStatus.QUEUED:
                        return  # another owner moved it on before this one got the lease
                    submitted = await self._submit(job, call)
                    if submitted is None:  # outcome unknown: never resubmit, never poll
                        return
                    result = submitted.result
                    synchronous = result is not None
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
            self._set(job_id, JobStatus.UNKNOWN, error=exc.message, error_code=exc.code,
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

    async def _submit(self, job: Job, call: PreparedCall) -> Submitted | None:
        provider = self.studio.providers[job.provider]
        ctx = self.studio.context(job.provider)
        # Everything slow comes before `submitting`, so a kill in that state means the
        # request was (about to be) on the wire: the window for `unknown` stays small.
        http = await self.studio.http()
        self.studio.joblog.append(job.provider, job.id, "submit", request=job.prepared)
        self._set(job.id, JobStatus.SUBMITTING)  # under the lease: a lost one never sends
        try:
            submitted = await self._submit_with_retry(provider, http, call, ctx, job)
        except ProviderError as exc:
            accepted_but_garbled = exc.code == "malformed_response" and (exc.status or 0) < 400
            if exc.code in _MAYBE_SENT or accepted_but_garbled:
                self._set(job.id, JobStatus.UNKNOWN, error=exc.message, error_code=exc.code,
                          message="the provider may have received this job; check its "
                                  "dashboard before retrying", finished_at=time.time())
                return None
            raise
        except asyncio.CancelledError:
            current = self.store.get_job(job.id)
            if current is not None and current.status is JobStatus.SUBMITTING:
                self._set(job.id, JobStatus.UNKNOWN, error="stopped while submitting",
                          message="the provider may have received this job; check its "
                                  "dashboard", finished_at=time.time())
            raise
        self._record_remote(job.id, submitted)
        self.studio.joblog.append(job.provider, job.id, "submitted",
                                  remote_id=submitted.handle.remote_id)
        self.studio.joblog.export_response(job.provider, job.id, "submit", submitted.raw)
        return submitted

    def _record_remote(self, job_id: str, submitted: Submitted) -> None:
        """Persist the remote id before anything else can go wrong, lease or not: it is
        what lets anyone fetch the paid result later."""
        remote = submitted.handle.to_json()
        try:
            self._set(job_id, JobStatus.SUBMITTED, remote=remote, submitted_at=time.time())
        except LeaseLost:
            # Another process took the job over (and marked it unknown): keep the id.
            self.store.update_job(job_id, remote=remote, recoverable=True,
                                  submitted_at=time.time())
            raise

    async def _submit_with_retry(
        self, provider: Provider, http: httpx.AsyncClient, call: PreparedCall,
        ctx: ProviderContext, job: Job,
    ) -> Submitted:
        """Retry only answers that mean "not accepted": 429 and 503, after Retry-After
        (capped). Meanwhile the job is back to queued: nothing is in flight."""
        cap = self.studio.settings.network.max_retry_after_seconds
        for attempt in range(_SUBMIT_ATTEMPTS):
            try:
                return await provider.submit(http, call, ctx)
            except ProviderError as exc:
                refused = exc.retryable and exc.status in (429, 503)
                if not refused or attempt == _SUBMIT_ATTEMPTS - 1:
                    raise
                wait = exc.retry_after if exc.retry_after is not None else 2.0 ** attempt
                if wait > cap:
                    raise ProviderError(
                        f"{exc.message}; the provider asked to wait {describe_wait(wait)}, "
                        f"longer than the {describe_wait(cap)} cap "
                        "(network.max_retry_after_seconds); nothing was sent",
                        status=exc.status, code="retry_after_too_long",
                        retry_after=wait) from None
                self._set(job.id, JobStatus.QUEUED,
                          message=f"{exc.message}; retrying in {wait:.0f} s")
                await asyncio.sleep(wait)
                self._set(job.id, JobStatus.SUBMITTING)
        raise AssertionError("unreachable")

    async def _poll(self, job: Job) -> Succeeded | Failed:
        provider = self.studio.providers[job.provider]
        ctx = self.studio.context(job.provider)
        handle = RemoteHandle.from_json(job.remote or {})
        http = await self.studio.http()
        net = self.studio.settings.network

        def on_update(p: Pending) -> None:
            changes: dict[str, Any] = {
                "progress": p.progress, "queue_position": p.queue_position,
                "message": self.studio.redactor.text(p.message) if p.message else None}
            current = self.store.get_job(job.id)
            if p.state == "running" and current and current.status != JobStatus.RUNNING:
                changes.update(status=JobStatus.RUNNING, started_at=time.time())
            self.store.update_job(job.id, lease_owner=self.owner, **changes)

        def on_error(exc: ProviderError, wait: float) -> None:
            self.studio.joblog.append(job.provider, job.id, "poll_error", error=exc.message,
                                      code=exc.code)
            self.store.update_job(job.id, lease_owner=self.owner, message=self.studio.redactor
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
            kind = self.studio.providers[job.provider].model(job.model).kind.value
        except (KeyError, ProviderError):
            kind = "video"
        return DEFAULT_EXPECTED_SECONDS.get(kind, DEFAULT_EXPECTED_SECONDS["video"])

    def expected_seconds(self, provider: str, model: str) -> float | None:
        """Typical submit-to-done time of this model's recent successful jobs."""
        runs = self.store.recent_durations(provider, model, limit=20)
        return statistics.median(runs) if len(runs) >= 2 else None

    async def _finish(self, job_id: str, result: Succeeded | Failed) -> None:
        job = self.store.get_job(job_id)
        assert job is not None
        self.studio.joblog.export_response(job.provider, job_id, "result", result.raw)
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
        self._set(job_id, JobStatus.CANCELLED, message=message, finished_at=time.time())

    async def _cancel_remote(self, job: Job) -> bool:
        """Ask the provider to stop; False when it could not (the job may still run)."""
        provider = self.studio.providers[job.provider]
        try:
            stopped = await asyncio.shield(provider.cancel(
                await self.studio.http(), RemoteHandle.from_json(job.remote or {}),
                self.studio.context(job.provider)))
        except ProviderError as exc:
            self.studio.joblog.append(job.provider, job.id, "cancel_failed", error=exc.message)
            return False
        self.studio.joblog.append(job.provider, job.id,
                                  "cancel_sent" if stopped else "cancel_refused")
        return bool(stopped)

    def _fail(self, job_id: str, message: str, code: str | None, *,
              recoverable: bool) -> None:
        try:
            job = self.store.get_job(job_id)
            if job is None or job.status.terminal:
                return
            message = self.studio.redactor.text(message)
            keep = recoverable and bool(job.remote_id)
            if keep:
                message = f"{message} ({_CHECK_LATER})"
            self._set(job_id, JobStatus.FAILED, error=message, error_code=code,
                      recoverable=keep, finished_at=time.time())
            self.studio.joblog.append(job.provider, job_id, "failed", error=message,
                                      code=code)
        except (LeaseLost, StoreError):
            log.warning("runner.fail_not_recorded job=%s", job_id)

    def _set(self, job_id: str, status: JobStatus, **changes: Any) -> Job:
        for key in ("message", "error"):
            if isinstance(changes.get(key), str):
                changes[key] = self.studio.redactor.text(changes[key])
        return self.store.update_job(job_id, lease_owner=self.owner, status=status,
                                     **changes)
