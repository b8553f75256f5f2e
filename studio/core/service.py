"""Studio: the one service the GUI, the CLI and the automation API all drive."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from studio.core.catalog import Catalog
from studio.core.config import Settings, load_settings, save_settings
from studio.core.joblog import JobLog
from studio.core.jobs import Job, JobStatus, new_job_id
from studio.core.paths import StudioPaths
from studio.core.policy import Decision, decide
from studio.core.redaction import Redactor
from studio.core.requests import CheckedRequest, check_request
from studio.core.runner import JobRunner
from studio.core.secrets import KeyLookup, KeyStore
from studio.core.store import Store
from studio.core.workflows import ImportedWorkflow, WorkflowLibrary, own_workflow_hosts
from studio.providers import registry
from studio.providers.base import (
    KeySpec,
    PreparedCall,
    Price,
    Provider,
    ProviderContext,
    RenderRequest,
)
from studio.providers.http import check_base_url

if TYPE_CHECKING:
    from studio.core.compare.groups import CompareGroups
    from studio.core.compare.votes import Votes
    from studio.core.first_run import FirstRun
    from studio.core.library import Library
    from studio.core.preferences import Preferences, PreferenceStore

log = logging.getLogger(__name__)


@dataclass
class Submission:
    job: Job
    call: PreparedCall | None = field(default=None, repr=False)


class Studio:
    def __init__(
        self,
        paths: StudioPaths | None = None,
        *,
        env: Mapping[str, str] | None = None,
        sandbox_url: str | None = None,
        providers: Mapping[str, Provider] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.paths = (paths or StudioPaths.resolve()).ensure()
        self.env = env if env is not None else os.environ
        loaded = load_settings(self.paths.config_file)
        self.settings: Settings = loaded.settings
        self.warnings: list[str] = loaded.warnings
        self.sandbox_url = sandbox_url.rstrip("/") if sandbox_url else None
        self.keys = KeyStore(self.env, sandbox=self.sandbox_url is not None)
        self.providers: Mapping[str, Provider] = own_workflow_hosts(providers or registry())
        self.workflows = WorkflowLibrary(self.paths.workflows_dir, self.providers)
        self.warnings += self.workflows.load_all()  # a bad file is a warning, never a crash
        self.redactor = Redactor(self.keys.known_values(self._key_specs()))
        self.store = Store(self.paths.db_file)
        self.joblog = JobLog(self.paths, self.redactor)
        self.runner = JobRunner(self)
        self.catalog = Catalog(self)
        self._transport = transport
        self._http: httpx.AsyncClient | None = None
        self._http_lock: asyncio.Lock | None = None

    @cached_property
    def compare(self) -> CompareGroups:
        """Compare groups: fan-out, adaptation records, re-runs (one per studio)."""
        from studio.core.compare.groups import CompareGroups

        return CompareGroups(self)

    @cached_property
    def votes(self) -> Votes:
        """Votes and blind rounds over compare groups (one per studio)."""
        from studio.core.compare.votes import Votes

        return Votes(self.store)

    def _key_specs(self) -> list[KeySpec]:
        return [p.info.key for p in self.providers.values()]

    # -- settings and keys --------------------------------------------------------------------

    def update_settings(self, settings: Settings) -> None:
        save_settings(self.paths.config_file, settings)
        self.settings = settings
        self.catalog.invalidate()

    def key_for(self, provider_id: str) -> KeyLookup:
        provider = self.providers[provider_id]
        owner = self.providers.get(provider.info.key_from or "", provider)
        return self.keys.lookup(owner.info.key)

    def store_key(self, provider_id: str, value: str) -> None:
        self.keys.store(self.providers[provider_id].info.key, value)
        self.redactor.add([value.strip()])
        self.catalog.invalidate()

    def delete_key(self, provider_id: str) -> bool:
        removed = self.keys.delete(self.providers[provider_id].info.key)
        self.catalog.invalidate()
        return removed

    def base_url(self, provider_id: str) -> str:
        provider = self.providers[provider_id]
        owner_id = provider.info.key_from or provider_id
        if self.sandbox_url:
            return f"{self.sandbox_url}/{owner_id}"
        env_name = f"STUDIO_{owner_id.upper()}_BASE_URL"
        url = (self.env.get(env_name) or self.settings.base_urls.get(owner_id)
               or self.providers[owner_id].info.default_base_url)
        return check_base_url(url)

    def context(self, provider_id: str) -> ProviderContext:
        return ProviderContext(base_url=self.base_url(provider_id),
                               key=self.key_for(provider_id).value,
                               sandbox=self.sandbox_url is not None)

    def decision(self, provider_id: str, kind: Any) -> Decision:
        provider = self.providers[provider_id]
        return decide(provider.family[kind], self.settings, self.key_for(provider_id),
                      key_required=provider.info.key_required,
                      reachable=self.catalog.reachable(provider_id),
                      disabled=provider.disabled_reason(self.settings.model_dump(mode="json")))

    async def check_connection(self, provider_id: str) -> tuple[bool, str]:
        """Settings' "Test connection": one provider's health and balance, in words."""
        provider = self.providers[provider_id]
        owner = provider.info.key_from or provider_id
        if provider.info.key_required and not self.key_for(provider_id).present:
            return False, "No key: paste one and save it, or set " + " or ".join(
                self.providers[owner].info.key.env)
        errors = await self.catalog.refresh(force=True, only=[owner])
        if owner in errors:
            return False, errors[owner]
        detail = self.catalog.health_detail(owner)
        quota = self.catalog.quota(owner)
        if quota is not None:
            money = f" (${quota.usd:,.2f})" if quota.usd is not None else ""
            return True, f"Connected: {quota.remaining:,g} {quota.unit}{money} left"
        if detail:
            return True, f"Connected: {detail}"
        return True, ("Key present. This provider has no balance endpoint, so the key is "
                      "first checked by a live job.")

    async def server_choices(self, provider_id: str, model_id: str, field: str) -> list[str]:
        """The values a (self-hosted) server offers for a param, e.g. its checkpoints."""
        provider = self.providers[provider_id]
        return await provider.server_choices(await self.http(), self.context(provider_id),
                                             model_id, field)

    def expected_seconds(self, provider_id: str, model_id: str) -> float | None:
        """Typical submit-to-done time of a model from this studio's own history."""
        return self.runner.expected_seconds(provider_id, model_id)

    def import_workflow(self, source: Path | str | bytes, name: str | None = None, *,
                        replace: bool = False) -> ImportedWorkflow:
        """Import a ComfyUI API-format workflow (a file, or its JSON): validated in full,
        saved under paths.workflows_dir, and a model of ComfyUI and RunPod from now on.
        Raises WorkflowImportError (nothing saved) when it cannot be used."""
        return self.workflows.import_workflow(source, name, replace=replace)

    # -- requests ----------------------------------------------------------------------------

    def check(self, request: RenderRequest, *, load_images: bool = True) -> CheckedRequest:
        return check_request(request, self.providers, load_images=load_images,
                             allow_weaker_safety=self.settings.content_policy.allow_weaker_safety)

    def estimate(self, request: RenderRequest) -> Price:
        checked = self.check(request, load_images=False)
        return checked.model.price(checked.params)

    def prepare(self, checked: CheckedRequest) -> PreparedCall:
        return checked.provider.build(checked.request, checked.params, checked.images,
                                      self.context(checked.request.provider))

    async def submit(
        self,
        request: RenderRequest,
        *,
        retried_from: str | None = None,
        force_dry_run: str | None = None,
    ) -> Job:
        """Validate, decide live or dry-run, write the job, then (live) start it."""
        await asyncio.sleep(0)  # a burst of submissions still lets the GUI paint between them
        checked = self.check(request)  # raises RequestError before anything is written
        decision = self.decision(request.provider, checked.mode.kind)
        if force_dry_run:
            decision = Decision(False, force_dry_run, "dry-run")
        call = self.prepare(checked)
        record = self.redactor.value(call.record())
        estimate = checked.model.price(checked.params).as_dict()
        job = Job(
            id=new_job_id(), provider=request.provider, model=request.model,
            mode=checked.mode.value, prompt=self.redactor.text(request.prompt),
            request=self.redactor.value(_normalised(request, checked)),
            dry_run=not decision.live, dry_run_reason="" if decision.live else decision.reason,
            sandbox=self.sandbox_url is not None, compare_group=request.compare_group,
            retried_from=retried_from, input_hashes=[i.sha256 for i in checked.images],
        )
        self.store.create_job(job)
        kind = checked.mode.kind.value
        if not decision.live:
            job = self.store.update_job(job.id, status=JobStatus.DRY_RUN, prepared=record,
                                        estimate=estimate, finished_at=time.time())
            self.joblog.append(job.provider, job.id, "dry-run", reason=decision.reason,
                               request=record, estimate=estimate)
            self.joblog.announce(kind, "dry-run", job.provider, job.id, model=job.model,
                                 reason=decision.reason, payload_shape=_shape(call))
            return job
        job = self.store.update_job(job.id, status=JobStatus.QUEUED, prepared=record,
                                    estimate=estimate)
        self.joblog.announce(kind, "live", job.provider, job.id, model=job.model,
                             payload_shape=_shape(call))
        self.runner.start(job.id, call)
        return job

    async def wait(self, job_id: str) -> Job:
        await self.runner.wait(job_id)
        job = self.store.get_job(job_id)
        if job is None:
            raise KeyError(job_id)
        return job

    async def cancel(self, job_id: str) -> Job:
        return await self.runner.cancel(job_id)

    async def retry(self, job_id: str) -> Job:
        """A new job with the same request, linked to the old one; history is kept."""
        old = self.store.get_job(job_id)
        if old is None:
            raise KeyError(job_id)
        request = RenderRequest.model_validate(old.request)
        return await self.submit(request, retried_from=old.id)

    async def resume(self) -> list[str]:
        """Pick up jobs an earlier session left unfinished. Returns the ids resumed."""
        resumed = []
        for job in self.store.list_jobs(statuses=[JobStatus.QUEUED, JobStatus.SUBMITTING,
                                                  JobStatus.SUBMITTED, JobStatus.RUNNING]):
            if job.id in self.runner.active():
                continue
            if job.status == JobStatus.SUBMITTING or (job.status != JobStatus.QUEUED
                                                       and not job.remote):
                self.store.update_job(
                    job.id, status=JobStatus.UNKNOWN, finished_at=time.time(),
                    error="the app stopped while submitting this job",
                    message="the provider may have received it; check its dashboard before "
                            "retrying")
                continue
            if job.status == JobStatus.QUEUED:
                try:
                    checked = self.check(RenderRequest.model_validate(job.request))
                    call = self.prepare(checked)
                except (ValueError, KeyError) as exc:
                    self.store.update_job(job.id, status=JobStatus.FAILED,
                                          error=f"could not resume: {exc}",
                                          finished_at=time.time())
                    continue
                self.runner.start(job.id, call)
            else:
                self.runner.start(job.id, None)
            resumed.append(job.id)
        return resumed

    # -- lifecycle ---------------------------------------------------------------------------

    async def http(self) -> httpx.AsyncClient:
        if self._http is None:
            # Loading the CA bundle takes tens of ms: do it off the event loop, once.
            if self._http_lock is None:
                self._http_lock = asyncio.Lock()
            async with self._http_lock:
                if self._http is None:
                    ssl_context = await asyncio.to_thread(httpx.create_ssl_context)
                    self._http = self._make_http(ssl_context)
        return self._http

    def _make_http(self, ssl_context: Any) -> httpx.AsyncClient:
        net = self.settings.network
        return httpx.AsyncClient(
            verify=ssl_context,
            transport=self._transport,
            timeout=httpx.Timeout(net.request_timeout_seconds, connect=10.0),
            # httpcore scans its pool on every request: a bounded pool keeps that cheap.
            limits=httpx.Limits(max_connections=48, max_keepalive_connections=32),
            follow_redirects=True,
            headers={"User-Agent": "ProviderStudio/0.1"},
        )

    async def aclose(self) -> None:
        await self.runner.close()
        for provider in self.providers.values():
            await provider.aclose()
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        self.store.close()

    # -- the artist's library, preferences, timings and first run (used by the UI) -------

    @cached_property
    def library(self) -> Library:
        """Boards, the trash, stacks and sorting around the gallery (one per studio)."""
        from studio.core.library import Library

        return Library(self.store, self.paths.assets_dir)

    @cached_property
    def preference_store(self) -> PreferenceStore:
        from studio.core.preferences import PreferenceStore

        store = PreferenceStore(self.paths.config_dir)
        if store.warning:
            self.warnings.append(store.warning)
        return store

    def preferences(self) -> Preferences:
        """Theme, favourite and recent models, the Queue's clear mark."""
        return self.preference_store.current

    def save_preferences(self, preferences: Preferences) -> Preferences:
        return self.preference_store.save(preferences)

    def set_favourite(self, provider: str, model: str, on: bool) -> Preferences:
        from studio.core.preferences import target_key

        prefs = self.preferences().with_favourite(target_key(provider, model), on)
        return self.save_preferences(prefs)

    def note_used(self, targets: list[tuple[str, str]]) -> Preferences:
        """Remember models just sent to (newest first) for the pickers' Recent list."""
        from studio.core.preferences import target_key

        prefs = self.preferences().with_used(target_key(p, m) for p, m in targets)
        return self.save_preferences(prefs)

    def latency_seconds(self, job: Job | None) -> float | None:
        """Request start to finish (synchronous providers included)."""
        from studio.core.timing import latency_seconds

        return latency_seconds(self.store, job)

    def typical_seconds(self, provider_id: str, model_id: str) -> float | None:
        """A model's median request-start-to-finish time from this studio's history."""
        from studio.core.timing import typical_seconds

        return typical_seconds(self.store, provider_id, model_id)

    def first_run(self) -> FirstRun:
        """What is live, what is a dry-run and why, and what has been made so far."""
        from studio.core.first_run import summarise

        return summarise(self.catalog.entries(), self.store, sandbox=self.sandbox_url is not None)

    async def check_typed_key(self, provider_id: str, key: str) -> tuple[bool, str]:
        """"Test connection" with a key typed in Settings but not saved yet."""
        from studio.core.connection import check_typed_key

        return await check_typed_key(self, provider_id, key)


def _normalised(request: RenderRequest, checked: CheckedRequest) -> dict[str, Any]:
    """The request as validated: params with their types and defaults filled in."""
    data = request.model_dump(mode="json")
    data["mode"] = checked.mode.value
    data["params"] = checked.params.model_dump(mode="json")
    return data


def _shape(call: PreparedCall) -> dict[str, Any]:
    """Field names only: enough to debug, never values."""
    if isinstance(call.json_body, dict):
        return {"json": sorted(call.json_body)}
    return {"form": sorted(call.form or {}), "files": [f.field for f in call.files]}
