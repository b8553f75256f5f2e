"""Sending a job to its provider, once.

The job is `submitting` only while the request is (about to be) on the wire; answers that
mean "not accepted" (429, 503) put it back to `queued` while it waits (Retry-After, up to
the cap); an answer lost on the way makes it `unknown`, never resent; the remote id is
written the moment it arrives, whatever else happens.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx

from studio.core.jobs import Job, JobStatus
from studio.core.ports import JobLogWriter, JobStore, ProviderAccess, SettingsSource
from studio.core.store_errors import LeaseLost
from studio.providers.base import (
    PreparedCall,
    Provider,
    ProviderContext,
    ProviderError,
    Submitted,
)
from studio.providers.polling import describe_wait

# Submit errors after which the provider may still have received the job.
_MAYBE_SENT = {"timeout", "network"}
_SUBMIT_ATTEMPTS = 4


class JobSubmitter:
    def __init__(self, access: ProviderAccess, store: JobStore, joblog: JobLogWriter,
                 settings: SettingsSource, set_status: Callable[..., Job], *,
                 before_send: Callable[[Job], Awaitable[None]] | None = None) -> None:
        self.access = access
        self.store = store
        self.joblog = joblog
        self.config = settings
        self._status = set_status  # the runner's lease-checked status write
        self._before_send = before_send  # the cost meter's balance reading, if it needs one

    async def submit(self, job: Job, call: PreparedCall) -> Submitted | None:
        """Send the job once; None when the outcome is unknown (never resent)."""
        provider = self.access.providers[job.provider]
        ctx = self.access.context(job.provider)
        # Everything slow comes before `submitting`, so a kill in that state means the
        # request was (about to be) on the wire: the window for `unknown` stays small.
        http = await self.access.http()
        if self._before_send is not None:
            await self._before_send(job)
        self.joblog.append(job.provider, job.id, "submit", request=job.prepared)
        # Under the lease: a process that lost it never sends.
        self._status(job.id, JobStatus.SUBMITTING)
        try:
            submitted = await self._submit_with_retry(provider, http, call, ctx, job)
        except ProviderError as exc:
            accepted_but_garbled = exc.code == "malformed_response" and (exc.status or 0) < 400
            if exc.code in _MAYBE_SENT or accepted_but_garbled:
                self._status(job.id, JobStatus.UNKNOWN, error=exc.message,
                             error_code=exc.code, finished_at=time.time(),
                             message="the provider may have received this job; check its "
                                     "dashboard before retrying")
                return None
            raise
        except asyncio.CancelledError:
            current = self.store.get_job(job.id)
            if current is not None and current.status is JobStatus.SUBMITTING:
                self._status(job.id, JobStatus.UNKNOWN, error="stopped while submitting",
                             message="the provider may have received this job; check its "
                                     "dashboard", finished_at=time.time())
            raise
        self._record_remote(job.id, submitted)
        self.joblog.append(job.provider, job.id, "submitted",
                                  remote_id=submitted.handle.remote_id)
        self.joblog.export_response(job.provider, job.id, "submit", submitted.raw)
        return submitted

    def _record_remote(self, job_id: str, submitted: Submitted) -> None:
        """Persist the remote id before anything else can go wrong, lease or not: it is
        what lets anyone fetch the paid result later."""
        remote = submitted.handle.to_json()
        try:
            self._status(job_id, JobStatus.SUBMITTED, remote=remote, submitted_at=time.time())
        except LeaseLost:
            # Another process took the job over (resume marked it unknown, or the user
            # cancelled it there): keep the id, so it can still be looked up.
            current = self.store.get_job(job_id)
            keep = current is not None and current.status is JobStatus.UNKNOWN
            self.store.update_job(job_id, remote=remote, recoverable=keep,
                                  submitted_at=time.time())
            raise

    async def _submit_with_retry(
        self, provider: Provider, http: httpx.AsyncClient, call: PreparedCall,
        ctx: ProviderContext, job: Job,
    ) -> Submitted:
        """Retry only answers that mean "not accepted": 429 and 503, after Retry-After
        (capped). Meanwhile the job is back to queued: nothing is in flight."""
        cap = self.config.settings.network.max_retry_after_seconds
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
                self._status(job.id, JobStatus.QUEUED,
                             message=f"{exc.message}; retrying in {wait:.0f} s")
                await asyncio.sleep(wait)
                self._status(job.id, JobStatus.SUBMITTING)
        raise AssertionError("unreachable")
