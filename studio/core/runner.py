"""The async job runner: submit, persist the remote id at once, poll, download, record.

One task per live job on the current event loop, bounded per provider. Cancelling a job
cancels its task and asks the provider to stop. Shutting down leaves running jobs as they
are, so the next start resumes them; a job caught mid-submit becomes `unknown`.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from studio.core.downloads import save_output
from studio.core.jobs import Asset, Job, JobStatus
from studio.core.media import probe
from studio.core.provenance import build_record, write_sidecar
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
from studio.providers.polling import PollPolicy, poll_until_done

if TYPE_CHECKING:
    from studio.core.service import Studio

log = logging.getLogger(__name__)

# Submit errors after which the provider may still have received the job.
_MAYBE_SENT = {"timeout", "network"}
_SUBMIT_ATTEMPTS = 4
_MAY_STILL_RUN = ("cancelled here, but the provider could not stop it: it may still finish "
                  "and be charged")


class JobRunner:
    def __init__(self, studio: Studio) -> None:
        self.studio = studio
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._limits: dict[str, asyncio.Semaphore] = {}
        self._user_cancelled: set[str] = set()
        self._closing = False

    @property
    def store(self):
        return self.studio.store

    def active(self) -> list[str]:
        return [j for j, t in self._tasks.items() if not t.done()]

    def _limit(self, provider: str) -> asyncio.Semaphore:
        if provider not in self._limits:
            n = self.studio.settings.network.max_concurrent_per_provider
            self._limits[provider] = asyncio.Semaphore(n)
        return self._limits[provider]

    def start(self, job_id: str, call: PreparedCall | None) -> asyncio.Task[None]:
        """Run a queued job (with its call) or resume polling a submitted one (call=None)."""
        task = asyncio.get_running_loop().create_task(self._run(job_id, call),
                                                      name=f"job-{job_id}")
        self._tasks[job_id] = task
        task.add_done_callback(lambda t, j=job_id: self._tasks.pop(j, None)
                               if self._tasks.get(j) is t else None)
        return task

    async def wait(self, job_id: str) -> None:
        task = self._tasks.get(job_id)
        if task is not None:
            await asyncio.wait({task})

    async def cancel(self, job_id: str) -> Job:
        job = self.store.get_job(job_id)
        if job is None:
            raise KeyError(job_id)
        if job.status.terminal:
            return job
        task = self._tasks.get(job_id)
        if task is not None and not task.done():
            self._user_cancelled.add(job_id)
            task.cancel()
            await asyncio.wait({task})
            return self.store.get_job(job_id) or job
        # No task: a job left from an earlier session that has not been resumed.
        stopped = await self._cancel_remote(job) if job.remote else True
        return self._set(job_id, JobStatus.CANCELLED, finished_at=time.time(),
                         message="cancelled" if stopped else _MAY_STILL_RUN)

    async def close(self) -> None:
        self._closing = True
        tasks = [t for t in self._tasks.values() if not t.done()]
        for t in tasks:
            t.cancel()
        if tasks:
            await asyncio.wait(tasks)

    # -- the life of one job -----------------------------------------------------------------

    async def _run(self, job_id: str, call: PreparedCall | None) -> None:
        job = self.store.get_job(job_id)
        if job is None:
            return
        try:
            async with self._limit(job.provider):
                job = self.store.get_job(job_id)
                if job is None or job.status.terminal:
                    return
                result: Succeeded | Failed | None = None
                if call is not None:
                    submitted = await self._submit(job, call)
                    if submitted is None:  # outcome unknown: never resubmit, never poll
                        return
                    result = submitted.result
                    job = self.store.get_job(job_id) or job
                if result is None:
                    result = await self._poll(job)
                await self._finish(job_id, result)
        except asyncio.CancelledError:
            await self._on_cancel(job_id)
        except ProviderError as exc:
            self._fail(job_id, exc.message, exc.code)
        except Exception as exc:  # a bug must still end the job visibly
            log.exception("runner.crash job=%s", job_id)
            self._fail(job_id, f"internal error: {type(exc).__name__}: {exc}", "internal")

    async def _submit(self, job: Job, call: PreparedCall) -> Submitted | None:
        provider = self.studio.providers[job.provider]
        ctx = self.studio.context(job.provider)
        self._set(job.id, JobStatus.SUBMITTING)
        self.studio.joblog.append(job.provider, job.id, "submit", request=job.prepared)
        try:
            submitted = await self._submit_with_retry(provider, call, ctx, job)
        except ProviderError as exc:
            accepted_but_garbled = exc.code == "malformed_response" and (exc.status or 0) < 400
            if exc.code in _MAYBE_SENT or accepted_but_garbled:
                self._set(job.id, JobStatus.UNKNOWN, error=exc.message, error_code=exc.code,
                          message="the provider may have received this job; check its "
                                  "dashboard before retrying", finished_at=time.time())
                return None
            raise
        except asyncio.CancelledError:
            self._set(job.id, JobStatus.UNKNOWN, error="stopped while submitting",
                      message="the provider may have received this job; check its dashboard",
                      finished_at=time.time())
            raise
        # Persist the remote id before anything else can go wrong.
        self._set(job.id, JobStatus.SUBMITTED, remote=submitted.handle.to_json(),
                  submitted_at=time.time())
        self.studio.joblog.append(job.provider, job.id, "submitted",
                                  remote_id=submitted.handle.remote_id)
        self.studio.joblog.export_response(job.provider, job.id, "submit", submitted.raw)
        return submitted

    async def _submit_with_retry(
        self, provider: Provider, call: PreparedCall, ctx: ProviderContext, job: Job
    ) -> Submitted:
        """Retry only answers that mean "not accepted": 429 and 503, after Retry-After."""
        for attempt in range(_SUBMIT_ATTEMPTS):
            try:
                return await provider.submit(await self.studio.http(), call, ctx)
            except ProviderError as exc:
                if exc.status not in (429, 503) or attempt == _SUBMIT_ATTEMPTS - 1:
                    raise
                wait = exc.retry_after if exc.retry_after is not None else 2.0 ** attempt
                self.store.update_job(job.id, message=f"{exc.message}; retrying in "
                                                      f"{wait:.0f} s")
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    async def _poll(self, job: Job) -> Succeeded | Failed:
        provider = self.studio.providers[job.provider]
        ctx = self.studio.context(job.provider)
        handle = RemoteHandle.from_json(job.remote or {})
        http = await self.studio.http()

        def on_update(p: Pending) -> None:
            changes: dict[str, object] = {
                "progress": p.progress, "queue_position": p.queue_position,
                "message": self.studio.redactor.text(p.message) if p.message else None}
            current = self.store.get_job(job.id)
            if p.state == "running" and current and current.status != JobStatus.RUNNING:
                changes.update(status=JobStatus.RUNNING, started_at=time.time())
            self.store.update_job(job.id, **changes)

        policy = PollPolicy(hint=provider.poll_hint,
                            expected_seconds=self.expected_seconds(job.provider, job.model))
        return await poll_until_done(lambda: provider.poll(http, handle, ctx), policy=policy,
                                     on_update=on_update)

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
                self._fail(job_id, result.message, result.code)
            return
        provider = self.studio.providers[job.provider]
        ctx = self.studio.context(job.provider)
        http = await self.studio.http()
        max_bytes = self.studio.settings.network.max_download_mb * 1_000_000
        saved = []
        for index, output in enumerate(result.outputs):
            headers = provider.download_headers(ctx) if output.needs_auth else None
            file = await save_output(http, output, self.studio.paths.assets_dir / job_id,
                                     f"{index:02d}", max_bytes=max_bytes, headers=headers)
            info = await asyncio.to_thread(probe, file.path, file.media_type)
            saved.append(Asset(id=uuid.uuid4().hex[:16], job_id=job_id, path=str(file.path),
                               sha256=file.sha256, media_type=file.media_type,
                               bytes=file.bytes, width=info.width, height=info.height,
                               duration_seconds=info.duration_seconds, index=index))
        # What the provider says the job cost (its own figure, or its balance before/after).
        actual_cost = await self.studio.costs.actual(job, result)
        now = time.time()
        job = self._set(job_id, JobStatus.SUCCEEDED, seed=result.seed, finished_at=now,
                        progress=1.0, message=result.message, actual_cost=actual_cost)
        for asset in saved:
            record = build_record(job, asset, provider.info.name)
            asset.provenance = self.studio.redactor.value(record)
            await asyncio.to_thread(write_sidecar, Path(asset.path), record,
                                    self.studio.redactor)
            self.store.add_asset(asset)
        self.studio.joblog.append(job.provider, job_id, "succeeded",
                                  outputs=[a.sha256 for a in saved])

    async def _on_cancel(self, job_id: str) -> None:
        user = job_id in self._user_cancelled
        self._user_cancelled.discard(job_id)
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

    def _fail(self, job_id: str, message: str, code: str | None) -> None:
        job = self.store.get_job(job_id)
        if job is None or job.status.terminal:
            return
        message = self.studio.redactor.text(message)
        self._set(job_id, JobStatus.FAILED, error=message, error_code=code,
                  finished_at=time.time())
        self.studio.joblog.append(job.provider, job_id, "failed", error=message, code=code)

    def _set(self, job_id: str, status: JobStatus, **changes: object) -> Job:
        for key in ("message", "error"):
            if isinstance(changes.get(key), str):
                changes[key] = self.studio.redactor.text(changes[key])  # type: ignore[arg-type]
        return self.store.update_job(job_id, status=status, **changes)
