"""Webhooks: when a job that asked for one ends, POST its status object to that URL.

Registrations live in the studio database (table `api_webhooks`), so a job resumed after a
restart still calls back. Delivery retries with backoff, never follows a redirect to
another host, uses short timeouts, and sends only the redacted job record (no keys).

Targets are public addresses or this computer unless the user allows more
(webhook_targets): checked when registered and again, resolved, before every delivery,
which then goes to the address that was checked.

A job can end twice: `unknown` (or a recoverable `failed`) and later, after Check again or
resume, `succeeded`. Each distinct final status is sent once, in order; the header
`X-Studio-Final: false` says another call may follow.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import httpx

from studio.api.webhook_targets import AllowList, WebhookRefused, numeric_trick, resolve_target
from studio.core.jobs import Job, JobStatus
from studio.core.jobview import job_dict
from studio.core.store import StoreEvent

if TYPE_CHECKING:
    from studio.core.service import Studio

log = logging.getLogger(__name__)

_DDL = """
CREATE TABLE IF NOT EXISTS api_webhooks (
    job_id TEXT PRIMARY KEY, url TEXT NOT NULL, created_at REAL NOT NULL,
    delivered_at REAL, gave_up_at REAL, attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT, sent_status TEXT);
"""
# Added after the first release: the final status the last delivery (or give-up) was for.
_ADD_SENT_STATUS = "ALTER TABLE api_webhooks ADD COLUMN sent_status TEXT"
# Final statuses after which no other can follow.
_SETTLED = frozenset({JobStatus.SUCCEEDED, JobStatus.CANCELLED, JobStatus.DRY_RUN})
_RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_REDIRECTS = 3


def check_webhook_url(url: str) -> str:
    """http(s) with a host (loopback allowed), no credentials in it; else ValueError."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError("a webhook must be an http:// or https:// URL")
    if not parts.hostname:
        raise ValueError("a webhook URL needs a host")
    if parts.username or parts.password:
        raise ValueError("a webhook URL must not carry a user name or password")
    try:
        _ = parts.port
    except ValueError:
        raise ValueError("the webhook URL has an invalid port") from None
    try:
        parts.hostname.encode("idna")  # labels of 1-63 characters, a name DNS can carry
    except UnicodeError:
        raise ValueError("the webhook host is not a valid host name") from None
    trick = numeric_trick(parts.hostname)
    if trick:
        raise ValueError(f"the webhook host {parts.hostname!r} is {trick}")
    return url


def _origin(url: str) -> tuple[str, str, int | None]:
    p = urlsplit(url)
    return p.scheme, (p.hostname or "").lower(), p.port or (443 if p.scheme == "https" else 80)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookDispatcher:
    def __init__(
        self,
        studio: Studio,
        secret: Callable[[], str],
        *,
        attempts: int = 4,
        base_delay: float = 0.5,
        timeout: float = 5.0,
        payload: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        self.studio = studio
        self._secret = secret
        self.attempts = attempts
        self.base_delay = base_delay
        self.timeout = timeout
        self._payload = payload or (lambda d: d)
        self._urls: dict[str, str] = {}  # job id -> url, while another call may be due
        self._sent: dict[str, str | None] = {}  # job id -> the status last sent (or tried)
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._http: httpx.AsyncClient | None = None
        studio.store.ensure_schema(_DDL)
        if not self._has_sent_status():
            try:
                studio.store.ensure_schema(_ADD_SENT_STATUS)
            except Exception:  # another process added it first
                if not self._has_sent_status():
                    raise

    def _has_sent_status(self) -> bool:
        rows = self.studio.store.query("PRAGMA table_info(api_webhooks)")
        return "sent_status" in {r["name"] for r in rows}

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Listen for job ends; deliver what ended while nobody was listening."""
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        settled = ", ".join(f"'{s.value}'" for s in _SETTLED)
        rows = self.studio.store.query(
            "SELECT job_id, url, sent_status FROM api_webhooks WHERE sent_status IS NULL "
            f"OR sent_status NOT IN ({settled})")
        self._urls = {r["job_id"]: r["url"] for r in rows}
        self._sent = {r["job_id"]: r["sent_status"] for r in rows}
        self._unsubscribe = self.studio.store.subscribe(self._on_event)
        for job_id in list(self._urls):
            self._schedule(job_id)

    async def drain(self) -> None:
        """Wait for the deliveries in progress (with their retries) to finish."""
        while tasks := [t for t in self._tasks.values() if not t.done()]:
            await asyncio.wait(tasks)

    async def aclose(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        tasks = [t for t in self._tasks.values() if not t.done()]
        for t in tasks:
            t.cancel()
        if tasks:
            await asyncio.wait(tasks)
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    # -- registration ----------------------------------------------------------------------

    def allow_list(self) -> AllowList:
        """The hosts and networks the user allowed besides public ones (read at each use)."""
        return AllowList.parse(self.studio.settings.automation_api.webhook_allowed_hosts)

    def register(self, job_id: str, url: str) -> None:
        """Remember the webhook; a job that has already ended (a dry-run) is sent now."""
        with self.studio.store.transaction() as db:
            db.execute("INSERT OR REPLACE INTO api_webhooks (job_id, url, created_at) "
                       "VALUES (?, ?, ?)", (job_id, url, time.time()))
        self._urls[job_id] = url
        self._sent[job_id] = None
        self._schedule(job_id)

    def status(self, job_id: str) -> dict[str, Any] | None:
        rows = self.studio.store.query(
            "SELECT url, delivered_at, gave_up_at, attempts, last_error FROM api_webhooks "
            "WHERE job_id=?",
            [job_id])
        return dict(rows[0]) if rows else None

    def _on_event(self, event: StoreEvent) -> None:
        job = event.job
        if job is None or not job.status.terminal or self._loop is None:
            return
        if event.job_id not in self._urls:
            return
        if threading.get_ident() == self._loop_thread:
            self._schedule(event.job_id)
        else:  # the store calls us on the thread that made the change
            self._loop.call_soon_threadsafe(self._schedule, event.job_id)

    def _schedule(self, job_id: str) -> None:
        """Start a delivery unless one runs (it looks again for a newer status when done)."""
        running = self._tasks.get(job_id)
        if job_id not in self._urls or (running is not None and not running.done()):
            return
        task = asyncio.ensure_future(self._deliver_all(job_id))
        self._tasks[job_id] = task
        task.add_done_callback(lambda t, j=job_id: self._tasks.pop(j, None)
                               if self._tasks.get(j) is t else None)

    # -- delivery --------------------------------------------------------------------------

    async def _deliver_all(self, job_id: str) -> None:
        """Send each final status the job reaches, once, until none is left to send."""
        while job_id in self._urls:
            # The runner marks a job succeeded before it stores the outputs: let it finish.
            await self.studio.runner.wait(job_id)
            job = self.studio.store.get_job(job_id)
            if job is None or not job.status.terminal or self._sent.get(job_id) == job.status:
                return  # running again (a later event comes), or already sent
            await self._deliver(job, self._urls[job_id])
            self._sent[job_id] = job.status.value
            if job.status in _SETTLED or (job.status is JobStatus.FAILED
                                          and not job.recoverable):
                self._urls.pop(job_id, None)

    async def _deliver(self, job: Job, url: str) -> None:
        job_id = job.id
        data = self.studio.redactor.value(self._payload(job_dict(job, self.studio.store)))
        body = json.dumps(data, separators=(",", ":"), default=str).encode()
        final = job.status in _SETTLED or (job.status is JobStatus.FAILED
                                           and not job.recoverable)
        headers = {"Content-Type": "application/json", "User-Agent": "ProviderStudio-Webhook",
                   "X-Studio-Event": "job.finished", "X-Studio-Delivery": uuid.uuid4().hex,
                   "X-Studio-Final": "true" if final else "false",
                   "X-Studio-Signature": sign(self._secret(), body)}
        error = ""
        for attempt in range(1, self.attempts + 1):
            retry, error = await self._post_once(url, body, headers)
            self._record(job_id, attempt, None if error else time.time(), error)
            if not error:
                self._settle(job_id, job.status.value, gave_up=False)
                log.info("webhook.delivered job=%s host=%s attempt=%d status=%s", job_id,
                         urlsplit(url).hostname, attempt, job.status.value)
                return
            if not retry:
                break
            if attempt < self.attempts:
                await asyncio.sleep(self.base_delay * 2 ** (attempt - 1))
        self._settle(job_id, job.status.value, gave_up=True)
        log.warning("webhook.failed job=%s host=%s error=%s", job_id, urlsplit(url).hostname,
                    error)

    async def _post_once(self, url: str, body: bytes, headers: dict[str, str]
                         ) -> tuple[bool, str]:
        """(retryable, error); error is "" on success."""
        http = self._client()
        target = url
        for _ in range(MAX_REDIRECTS + 1):
            try:
                address = await resolve_target(target, self.allow_list())
            except WebhookRefused as exc:
                return False, str(exc)
            pinned, extra, extensions = _pinned(target, address)
            try:
                response = await http.post(pinned, content=body, headers={**headers, **extra},
                                           extensions=extensions)
            except httpx.HTTPError as exc:
                return True, f"{type(exc).__name__}"
            except (ValueError, UnicodeError) as exc:  # a URL httpx cannot send to
                return False, f"invalid webhook URL ({exc})"
            if not response.is_redirect:
                break
            location = urljoin(target, response.headers.get("location", ""))
            if _origin(location) != _origin(url):
                return False, "redirect to another host refused"
            target = location
        else:
            return False, "too many redirects"
        if response.is_success:
            return False, ""
        return response.status_code in _RETRY_STATUS, f"HTTP {response.status_code}"

    def _record(self, job_id: str, attempt: int, delivered_at: float | None,
                error: str) -> None:
        with self.studio.store.transaction() as db:
            db.execute("UPDATE api_webhooks SET attempts=?, delivered_at=?, last_error=? "
                       "WHERE job_id=?", (attempt, delivered_at, error or None, job_id))

    def _settle(self, job_id: str, status: str, *, gave_up: bool) -> None:
        """This status is done with (sent, or given up on): a restart does not repeat it."""
        with self.studio.store.transaction() as db:
            db.execute("UPDATE api_webhooks SET sent_status=?, gave_up_at=? WHERE job_id=?",
                       (status, time.time() if gave_up else None, job_id))

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(
                timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 3.0)),
                follow_redirects=False, trust_env=False)
        return self._http


def _pinned(url: str, address: Any) -> tuple[httpx.URL, dict[str, str], dict[str, Any]]:
    """The request to `address` itself, with the URL's host in the Host header (and in
    TLS SNI and certificate checks): the name is not looked up a second time."""
    original = httpx.URL(url)
    extensions: dict[str, Any] = {}
    if original.scheme == "https":
        extensions["sni_hostname"] = original.raw_host.decode("ascii")
    return (original.copy_with(host=str(address)), {"Host": original.netloc.decode("ascii")},
            extensions)
