"""The narrow views of the Studio that its parts take, so no part imports the facade.

`Studio` (core.service) builds the runner, the catalog, the cost meter and the compare
groups, and hands each only what it uses: usually itself, seen through one of these
protocols. A test may pass anything with the same shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import sqlite3

    import httpx

    from studio.core.config import Settings
    from studio.core.events import StoreEvent
    from studio.core.image_host import ImageHosting
    from studio.core.jobs import Asset, Job, JobStatus
    from studio.core.policy import Decision
    from studio.core.redaction import Redactor
    from studio.core.requests import CheckedRequest
    from studio.core.secrets import KeyLookup
    from studio.core.store import Store
    from studio.providers.base import (
        KeySpec,
        Kind,
        PreparedCall,
        Price,
        Provider,
        ProviderContext,
        RenderRequest,
    )


class SettingsSource(Protocol):
    """The settings as they are now (Settings can replace them at any time)."""

    @property
    def settings(self) -> Settings: ...


class ProviderAccess(Protocol):
    """What calling a provider takes: the provider set, each one's context (base URL, key,
    options) and the shared HTTP client, made on first use."""

    @property
    def providers(self) -> Mapping[str, Provider]: ...

    def context(self, provider_id: str) -> ProviderContext: ...

    async def http(self) -> httpx.AsyncClient: ...


class ProviderKeys(Protocol):
    """Which key a provider uses, and where it comes from (never the value in a log)."""

    def key_for(self, provider_id: str) -> KeyLookup: ...


class LivePolicy(Protocol):
    """Live or dry-run for one provider and kind, with the reason."""

    def decision(self, provider_id: str, kind: Kind) -> Decision: ...


class JobStore(Protocol):
    """The job rows the runner, the output saver and the cost meter read and write."""

    def get_job(self, job_id: str) -> Job | None: ...

    def update_job(self, job_id: str, *, lease_owner: str | None = None,
                   **changes: Any) -> Job: ...

    def complete_job(self, job_id: str, assets: list[Asset], *, lease_owner: str | None,
                     **changes: Any) -> Job: ...

    def list_jobs(self, *, statuses: Iterable[JobStatus] | None = None, limit: int = 1000,
                  offset: int = 0, newest_first: bool = True) -> list[Job]: ...

    def recent_durations(self, provider: str, model: str, limit: int = 20) -> list[float]: ...

    def sent_at(self, job_id: str) -> float | None: ...


class JobLogWriter(Protocol):
    """Per-job logs and raw provider answers, redacted on the way to disk."""

    def append(self, provider: str, job_id: str, event: str, **data: Any) -> None: ...

    def export_response(self, provider: str, job_id: str, name: str, body: Any) -> None: ...

    def announce(self, kind: str, event: str, provider: str, job_id: str,
                 **data: Any) -> None: ...


class BudgetGate(Protocol):
    """The spend guard as fan-outs see it: a whole action is admitted, or none of it."""

    def fan_out(self, requests: Sequence[RenderRequest]) -> AbstractAsyncContextManager[Any]: ...


class Submissions(Protocol):
    """What compare groups build on: checking, preparing and submitting requests through the
    one policy, in the studio's store (where they keep their own tables)."""

    @property
    def providers(self) -> Mapping[str, Provider]: ...

    @property
    def store(self) -> Store: ...

    @property
    def redactor(self) -> Redactor: ...

    def check(self, request: RenderRequest, *, load_images: bool = True) -> CheckedRequest: ...

    def prepare(self, checked: CheckedRequest) -> PreparedCall: ...

    async def submit(self, request: RenderRequest, *, retried_from: str | None = None,
                     force_dry_run: str | None = None) -> Job: ...

    @property
    def budget(self) -> BudgetGate: ...


class Spending(Protocol):
    """What the spend guard reads and drives: settings, providers, the store and the job
    log, the live/dry-run policy, estimates, and submit (for batches)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def providers(self) -> Mapping[str, Provider]: ...

    @property
    def store(self) -> Store: ...

    @property
    def joblog(self) -> JobLogWriter: ...

    @property
    def image_host(self) -> ImageHosting: ...

    def decision(self, provider_id: str, kind: Kind) -> Decision: ...

    def check(self, request: RenderRequest, *, load_images: bool = True) -> CheckedRequest: ...

    def estimate(self, request: RenderRequest) -> Price: ...

    async def submit(self, request: RenderRequest, *, retried_from: str | None = None,
                     force_dry_run: str | None = None) -> Job: ...


class ConnectionTests(Protocol):
    """Settings' "Test connection": the saved-key check, and what a check with a typed key
    needs (the provider's context, the HTTP client, the redactor that learns the key)."""

    @property
    def providers(self) -> Mapping[str, Provider]: ...

    @property
    def redactor(self) -> Redactor: ...

    def context(self, provider_id: str) -> ProviderContext: ...

    async def http(self) -> httpx.AsyncClient: ...

    async def check_connection(self, provider_id: str) -> tuple[bool, str]: ...


class Tables(Protocol):
    """A core part's own tables in studio.db (quality metrics, assistant runs): reads, one
    atomic write at a time, events published after the commit, and the asset rows."""

    def query(self, sql: str, args: Iterable[Any] = ()) -> list[sqlite3.Row]: ...

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def publish(self, event: StoreEvent) -> None: ...

    def get_asset(self, asset_id: str) -> Asset | None: ...


class SharedHttp(Protocol):
    """The studio's one HTTP client (made on first use, closed with the studio)."""

    async def http(self) -> httpx.AsyncClient: ...


class KeyVault(Protocol):
    """Keys by their declaration: environment first, then the OS keyring."""

    def lookup(self, spec: KeySpec) -> KeyLookup: ...

    def store(self, spec: KeySpec, value: str) -> None: ...

    def delete(self, spec: KeySpec) -> bool: ...
