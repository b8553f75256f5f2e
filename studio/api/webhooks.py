"""Webhooks: when a job that asked for one ends, POST its status object to that URL.

Registrations live in the studio database (table `api_webhooks`), so a job resumed after a
restart still calls back. Delivery retries with backoff, never follows a redirect to
another host, uses short timeouts, and sends only the redacted job record (no keys).
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

from studio.core.jobview import job_dict
from studio.core.store import StoreEvent

if TYPE_CHECKING:
    from studio.core.service import Studio

log = logging.getLogger(__name__)

_DDL = """
CREATE TABLE IF NOT EXISTS api_webhooks (
    job_id TEXT PRIMARY KEY, url TEXT NOT NULL, created_at REAL NOT NULL,
    delivered_at REAL, gave_up_at REAL, attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT);
"""
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
        self._pending: dict[str, str] = {}  # job id -> url, not yet delivered
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._http: httpx.AsyncClient | None = None
        studio.store.ensure_schema(_DDL)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Listen for job ends; deliver what ended while nobody was listening."""
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        rows = self.studio.store.query(
            "SELECT job_id, url FROM api_webhooks WHERE delivered_at IS NULL "
            "AND gave_up_at IS NULL")
        self._pending = {r["job_id"]: r["url"] for r in rows}
        self._unsubscribe = self.studio.store.subscribe(self._on_event)
        for job_id in list(self._pending):
            job = self.studio.store.get_job(job_id)
            if job is None:
                self._pending.pop(job_id)
            elif job.status.terminal:
                self._schedule(job_id)

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

    def register(self, job_id: str, url: str) -> None:
        """Remember the webhook; a job that has already ended (a dry-run) is sent now."""
        with self.studio.store.transaction() as db:
            db.execute("INSERT OR REPLACE INTO api_webhooks (job_id, url, created_at) "
                       "VALUES (?, ?, ?)", (job_id, url, time.time()))
        self._pending[job_id] = url
        job = self.studio.store.get_job(job_id)
        if job is not None and job.status.terminal:
            self._schedule(job_id)

    def status(self, job_id: str) -> dict[str, Any] | None:
        rows = self.studio.store.query(
            "SELECT url, delivered_at, gave_up_at, attempts, last_error FROM api_webhooks "
            "WHERE job_id=?",
            [job_id])
        return dict(rows[0]) if rows else None

    def _on_event(self, event: StoreEvent) -> None:
        job = event.job
        if event.kind != "status_changed" or job is None or not job.status.terminal:
            return
        if event.job_id not in self._pending or self._loop is None:
            return
        if threading.get_ident() == self._loop_thread:
            self._schedule(event.job_id)
        else:  # the store calls us on the thread that made the change
            self._loop.call_soon_threadsafe(self._schedule, event.job_id)

    def _schedule(self, job_id: str) -> None:
        running = self._tasks.get(job_id)
        if job_id not in self._pending or (running is not None and not running.done()):
            return
        task = asyncio.ensure_future(self._deliver(job_id, self._pending[job_id]))
        self._tasks[job_id] = task
        task.add_done_callback(lambda _t, j=job_id: self._tasks.pop(j, None))

    # -- delivery --------------------------------------------------------------------------

    async def _deliver(self, job_id: str, url: str) -> None:
        # The runner marks a job succeeded before it stores the outputs: let it finish.
        await self.studio.runner.wait(job_id)
        job = self.studio.store.get_job(job_id)
        if job is None:
            return
        data = self.studio.redactor.value(self._payload(job_dict(job, self.studio.store)))
        body = json.dumps(data, separators=(",", ":"), default=str).encode()
        headers = {"Content-Type": "application/json", "User-Agent": "ProviderStudio-Webhook",
                   "X-Studio-Event": "job.finished", "X-Studio-Delivery": uuid.uuid4().hex,
                   "X-Studio-Signature": sign(self._secret(), body)}
        error = ""
        for attempt in range(1, self.attempts + 1):
            retry, error = await self._post_once(url, body, headers)
            self._record(job_id, attempt, None if error else time.time(), error)
            if not error:
                self._pending.pop(job_id, None)
                log.info("webhook.delivered job=%s host=%s attempt=%d", job_id,
                         urlsplit(url).hostname, attempt)
                return
            if not retry:
                break
            if attempt < self.attempts:
                await asyncio.sleep(self.base_delay * 2 ** (attempt - 1))
        self._pending.pop(job_id, None)
        with self.studio.store.transaction() as db:
            db.execute("UPDATE api_webhooks SET gave_up_at=? WHERE job_id=?",
                       (time.time(), job_id))
        log.warning("webhook.failed job=%s host=%s error=%s", job_id, urlsplit(url).hostname,
                    error)

    async def _post_once(self, url: str, body: bytes, headers: dict[str, str]
                         ) -> tuple[bool, str]:
        """(retryable, error); error is "" on success."""
        http = self._client()
        target = url
        for _ in range(MAX_REDIRECTS + 1):
            try:
                response = await http.post(target, content=body, headers=headers)
            except httpx.HTTPError as exc:
                return True, f"{type(exc).__name__}"
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

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(
                timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 3.0)),
                follow_redirects=False, trust_env=False)
        return self._http
