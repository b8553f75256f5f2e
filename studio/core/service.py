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
from studio.core.downloads import partial_files
from studio.core.joblog import JobLog
from studio.core.jobs import Job, JobBusy, JobStatus, NotRecoverable, new_job_id
from studio.core.leases import Leases, new_owner_id
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
    from studio.core.compare import CompareGroups
    from studio.core.votes import Votes

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
        self.store = Store(self.paths.db_file)  # StoreDamaged/StoreTooNew: see store_errors
        self.joblog = JobLog(self.paths, self.redactor)
        # This instance's lease owner id: one owner per job across processes.
        self.leases = Leases(self.store, new_owner_id())
        self.runner = JobRunner(self)
        self.catalog = Catalog(self)
        self._transport = transport
        self._http: httpx.AsyncClient | None = None
        self._http_lock: asyncio.Lock | None = None

    @cached_property
    def compare(self) -> CompareGroups:
        """Compare groups: fan-out, adaptation records, re-runs (one per studio)."""
        from studio.core.compare import CompareGroups

        return CompareGroups(self)

    @cached_property
    def votes(self) -> Votes:
        """Votes and blind rounds over compare groups (one per studio)."""
        from studio.core.votes import Votes

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
        # Owned from before it is queued: another process's resume never picks it up.
        self.leases.take(job.id)
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
        """Pick up what earlier sessions (or other processes) left: queued jobs are sent,
        jobs with a remote id are polled and their outputs downloaded, including `unknown`
        and `failed` ones the provider may still hold (`recoverable`). A job another live
        process drives is left alone; one caught mid-submit becomes `unknown` and is never
        resent. Leftover `.part` files are removed first. Returns the ids now running."""
        self.clean_partial_downloads()
        resumed = []
        for listed in self.store.resumable_jobs():
            if listed.id in self.runner.active() or not self.leases.take(listed.id):
                continue  # driven here already, or by another live process
            job = self.store.get_job(listed.id)  # as it is now, under the lease
            started = job is not None and self._resume_one(job)
            if started:
                resumed.append(listed.id)
            else:
                self.leases.release(listed.id)
        return resumed

    def _resume_one(self, job: Job) -> bool:
        if job.status is JobStatus.QUEUED:
            try:
                call = self.prepare(self.check(RenderRequest.model_validate(job.request)))
            except (ValueError, KeyError) as exc:
                self.store.update_job(job.id, status=JobStatus.FAILED,
                                      error=f"could not resume: {exc}",
                                      finished_at=time.time())
                return False
            self.runner.start(job.id, call)
            return True
        if job.remote_id and (job.status.active or job.recoverable):
            self.runner.start(job.id, None)
            return True
        if job.status.active:  # submitting, or submitted without an id
            self.store.update_job(
                job.id, status=JobStatus.UNKNOWN, finished_at=time.time(),
                error="the app stopped while submitting this job",
                message="the provider may have received it; check its dashboard before "
                        "retrying")
        return False

    async def check_again(self, job_id: str) -> Job:
        """The Queue's "Check again": ask the provider about an `unknown` or `failed` job
        that has a remote id, and download what is there. Raises NotRecoverable when the
        job never reached the provider (retry it instead) or is already finished, JobBusy
        when another process drives it right now."""
        job = self.store.get_job(job_id)
        if job is None:
            raise KeyError(job_id)
        if job_id in self.runner.active():
            return job
        if job.status not in (JobStatus.UNKNOWN, JobStatus.FAILED, JobStatus.SUBMITTED,
                              JobStatus.RUNNING):
            raise NotRecoverable(f"job {job_id} is {job.status.value}: there is nothing to "
                                 "check again")
        if not job.remote_id:
            raise NotRecoverable(f"job {job_id} never got a remote id from the provider, so "
                                 "it cannot be looked up; retry it as a new job")
        holder = self.leases.held_elsewhere(job_id)
        if holder is not None:
            raise JobBusy(f"job {job_id} is being run by another Provider Studio process "
                          f"({holder.owner}); it was left alone")
        self.runner.start(job_id, None)
        return self.store.get_job(job_id) or job

    def clean_partial_downloads(self) -> list[Path]:
        """Remove `.part` files left by a killed download (never those of a job that a
        live process is downloading right now). Returns what was removed."""
        removed: list[Path] = []
        root = self.paths.assets_dir
        if not root.is_dir():
            return removed
        active = set(self.runner.active())
        for job_dir in root.iterdir():
            parts = partial_files(job_dir)
            if not parts or job_dir.name in active or self.leases.held_elsewhere(job_dir.name):
                continue
            for part in parts:
                part.unlink(missing_ok=True)
                removed.append(part)
        if removed:
            log.info("studio.partial_downloads_removed count=%d", len(removed))
        return removed

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
