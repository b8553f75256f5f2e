"""Studio: the one service the GUI, the CLI and the automation API all drive."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from studio.core.batches import BatchRecords
from studio.core.catalog import Catalog
from studio.core.config import Settings, load_settings, save_settings
from studio.core.connections import (
    base_url,
    load_providers,
    old_env_warnings,
    provider_options,
)
from studio.core.costs import CostMeter
from studio.core.declarations import ProviderSet
from studio.core.downloads import partial_files
from studio.core.events import Subscriber
from studio.core.image_host import (
    S3_SECRET,
    HostedImage,
    ImageHosting,
    inputs_record,
    needs_host,
)
from studio.core.inputs import image_facts
from studio.core.iteration import Iteration, Variations
from studio.core.job_outputs import OutputSaver
from studio.core.joblog import JobLog
from studio.core.jobs import Asset, Job, JobBusy, JobStatus, NotRecoverable, new_job_id
from studio.core.leases import Leases, new_owner_id
from studio.core.lineage import LineageRecords, Node
from studio.core.local_assets import is_local
from studio.core.paths import StudioPaths
from studio.core.policy import Decision, decide, gate_reason
from studio.core.quality_store import Opinion, QualityRecord, QualityStore
from studio.core.quality_worker import MetricsWorker, measure_stored
from studio.core.reachability import Reach
from studio.core.redaction import Redactor
from studio.core.requests import CheckedRequest, check_request
from studio.core.runner import JobRunner
from studio.core.secrets import KeyLookup, KeyStore
from studio.core.send_queue import SendQueue
from studio.core.settings_urls import check_new_urls
from studio.core.store import Store
from studio.core.workflows import ImportedWorkflow, WorkflowLibrary, own_workflow_hosts
from studio.providers import assistant_infos
from studio.providers.base import (
    KeySpec,
    PreparedCall,
    Price,
    Provider,
    ProviderContext,
    ProviderError,
    RenderRequest,
)

if TYPE_CHECKING:
    from studio.core.assist import Assistant
    from studio.core.compare.groups import CompareGroup, CompareGroups
    from studio.core.compare.scoreboard import ScoreRow
    from studio.core.compare.votes import Votes
    from studio.core.first_run import FirstRun
    from studio.core.library import Library
    from studio.core.pods.service import PodsService
    from studio.core.preferences import Preferences, PreferenceStore
    from studio.core.sequences.chains import Chains
    from studio.core.sequences.storyboard_resume import StoryboardRuns
    from studio.core.sequences.storyboard_spec import StoryboardSpec
    from studio.core.sequences.storyboards import Storyboards
    from studio.core.spend_guard import BatchOutcome, SpendGuard

log = logging.getLogger(__name__)


class Studio:
    def __init__(
        self,
        paths: StudioPaths | None = None,
        *,
        env: Mapping[str, str] | None = None,
        sandbox_url: str | None = None,
        providers: Mapping[str, Provider] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sandbox_live: bool = True,
    ) -> None:
        """`sandbox_live=False` makes the sandbox obey the real-world rule (flag AND key)
        instead of running every job live: to rehearse that rule against the emulator."""
        self.paths = (paths or StudioPaths.resolve()).ensure()
        self.env = env if env is not None else os.environ
        loaded = load_settings(self.paths.config_file)
        self.settings: Settings = loaded.settings
        self.warnings: list[str] = loaded.warnings
        self.sandbox_url = sandbox_url.rstrip("/") if sandbox_url else None
        self.sandbox_live = sandbox_live and self.sandbox_url is not None
        self.keys = KeyStore(self.env, sandbox=self.sandbox_url is not None)
        # Built for this Studio alone, with its environment: nothing is shared between them.
        if providers is None:
            providers, problems = load_providers(self.env)
            self.warnings += problems
        self.providers: Mapping[str, Provider] = ProviderSet(own_workflow_hosts(providers))
        self.warnings += old_env_warnings(self.providers, self.env)
        self.workflows = WorkflowLibrary(self.paths.workflows_dir, self.providers)
        self.warnings += self.workflows.load_all()  # a bad file is a warning, never a crash
        self.redactor = Redactor(self.keys.known_values(self._key_specs()))
        self.store = Store(self.paths.db_file)  # StoreDamaged/StoreTooNew: see store_errors
        self.joblog = JobLog(self.paths, self.redactor)
        # This instance's lease owner id: one owner per job across processes.
        self.leases = Leases(self.store, new_owner_id())
        # The parts see this Studio only through the narrow views of core.ports.
        self.costs = CostMeter(self, self.store)
        # Every new output's quality, measured in a low-priority thread once it is stored.
        self.quality_store = QualityStore(self.store)
        self.metrics = MetricsWorker(self.quality_store, config=self)
        outputs = OutputSaver(self, self.store, owner=self.leases.owner, joblog=self.joblog,
                              redactor=self.redactor, config=self, costs=self.costs,
                              assets_dir=self.paths.assets_dir,
                              parents=self.lineage_records.parents,
                              after_save=self.metrics.outputs_saved)
        self.runner = JobRunner(self, self.store, self.leases, joblog=self.joblog,
                                redactor=self.redactor, config=self, outputs=outputs)
        self.catalog = Catalog(self, keys=self, policy=self, config=self, costs=self.costs,
                               sandbox=self.sandbox_url is not None)
        self.image_host = ImageHosting(self.providers, self.keys, sandbox_url=self.sandbox_url)
        self._transport = transport
        self._http: httpx.AsyncClient | None = None
        self._http_lock: asyncio.Lock | None = None
        if self.pods_in_use():  # core.pods loads only for a studio that has run pods
            self.pods.restore()  # running pods' ComfyUI servers registered by earlier runs

    def keyring_changed(self) -> None:
        """The keyring backend in use changed (app.launch, after keyring's own search at
        start-up): read the keys again, and scrub the ones it holds from what is written."""
        self.keys.forget()
        self.redactor.add(self.keys.known_values(self._key_specs()))

    def pods_in_use(self) -> bool:
        """Has this studio run RunPod pods? Asked of the database, without loading the
        pods' code (start-up: bench/gui_startup)."""
        from studio.core.pods.records import pods_in_use

        return pods_in_use(self.store)

    @cached_property
    def compare(self) -> CompareGroups:
        """Compare groups: fan-out, adaptation records, re-runs (one per studio)."""
        from studio.core.compare.groups import CompareGroups

        return CompareGroups(self)

    @cached_property
    def storyboards(self) -> Storyboards:
        """Storyboards: scenes made keyframe -> clip, approved stage by stage (issue 14)."""
        from studio.core.sequences.storyboards import Storyboards

        return Storyboards(self)

    @cached_property
    def lineage_records(self) -> LineageRecords:
        """Which assets each job took as inputs (job_parents)."""
        return LineageRecords(self.store)

    @cached_property
    def batches(self) -> BatchRecords:
        """Batches of variations (job_batches)."""
        return BatchRecords(self.store)

    @cached_property
    def iteration(self) -> Iteration:
        return Iteration(self)

    @cached_property
    def chains(self) -> Chains:
        """Video chains: N image-to-video links from one image, stitched (core.sequences)."""
        from studio.core.sequences.chains import Chains

        return Chains(self)

    @cached_property
    def votes(self) -> Votes:
        """Votes and blind rounds over compare groups (one per studio)."""
        from studio.core.compare.votes import Votes

        return Votes(self.store)

    @cached_property
    def budget(self) -> SpendGuard:
        """Spend budgets: the check before live jobs, quotes, what is spent and left."""
        from studio.core.spend_guard import SpendGuard

        return SpendGuard(self)

    @cached_property
    def pods(self) -> PodsService:
        """RunPod pods and their ComfyUI servers (core.pods)."""
        from typing import cast

        from studio.core.pods.service import PodsService

        return PodsService(self, self.store, cast(dict[str, Provider], self.providers),
                           self.catalog)

    @cached_property
    def assist(self) -> Assistant:
        """The prompt assistant: enhance, analyze, storyboard, judge (core.assist)."""
        from studio.core.assist import Assistant, ChatAccess

        access = ChatAccess(self.keys, self, self, self.redactor, env=self.env,
                            sandbox_url=self.sandbox_url)
        return Assistant(access, self.store, self.quality_store, providers=self.providers,
                         joblog=self.joblog, redactor=self.redactor)

    def _key_specs(self) -> list[KeySpec]:
        return [*(p.info.key for p in self.providers.values()), S3_SECRET,
                *(info.key for info in assistant_infos())]

    # -- settings and keys --------------------------------------------------------------------

    def update_settings(self, settings: Settings) -> None:
        """Save new settings; raises ConfigError (nothing saved) for a URL that may not be
        used (core.settings_urls)."""
        check_new_urls(self.settings, settings)
        save_settings(self.paths.config_file, settings)
        self.settings = settings
        self.catalog.invalidate()

    def key_for(self, provider_id: str, *, real: bool = False) -> KeyLookup:
        """The key calls use; `real`: the one they would use outside the sandbox."""
        provider = self.providers[provider_id]
        owner = self.providers.get(provider.info.key_from or "", provider)
        return self.keys.lookup(owner.info.key, real=real)

    def store_key(self, provider_id: str, value: str) -> None:
        self.keys.store(self.providers[provider_id].info.key, value)
        self.redactor.add([value.strip()])
        self.catalog.invalidate(servers=False)
        self.catalog.servers.forget(provider_id)

    def store_image_host_secret(self, value: str) -> None:
        """The S3 image host's secret access key: into the keyring, never the settings."""
        self.keys.store(S3_SECRET, value)
        self.redactor.add([value.strip()])

    def delete_image_host_secret(self) -> bool:
        return self.keys.delete(S3_SECRET)

    def image_host_secret(self) -> KeyLookup:
        """Where the S3 image host's secret comes from (never its value to print)."""
        return self.keys.lookup(S3_SECRET)

    def delete_key(self, provider_id: str) -> bool:
        removed = self.keys.delete(self.providers[provider_id].info.key)
        self.catalog.invalidate(servers=False)
        self.catalog.servers.forget(provider_id)
        return removed

    @property
    def sending(self) -> SendQueue:
        """The order waiting live jobs go in, and the pause switch (the Queue's)."""
        return self.runner.sends

    def base_url(self, provider_id: str) -> str:
        """The provider's base URL: the sandbox's mount, STUDIO_<ID>_BASE_URL, Settings, or
        the declared default. Raises ValueError for a bad URL or an old variable name."""
        return base_url(self.providers, provider_id, self.env, self.settings, self.sandbox_url)

    def provider_options(self, provider_id: str) -> dict[str, Any]:
        """The provider's own settings (Settings.provider_options[<id>]), validated."""
        return provider_options(self.providers[provider_id], self.settings)

    def context(self, provider_id: str) -> ProviderContext:
        return ProviderContext(base_url=self.base_url(provider_id),
                               key=self.key_for(provider_id).value,
                               sandbox=self.sandbox_url is not None,
                               options=self.provider_options(provider_id))

    def decision(self, provider_id: str, kind: Any) -> Decision:
        provider = self.providers[provider_id]
        disabled = gate_reason(provider.info, self.settings) or provider.disabled_reason(
            self.settings.model_dump(mode="json"))
        return decide(provider.family[kind], self.settings,
                      self.key_for(provider_id, real=self.sandbox_live),
                      key_required=provider.info.key_required,
                      reachable=self.catalog.reachable(provider_id), disabled=disabled,
                      sandbox=self.sandbox_live,
                      # A server the artist runs (no key needed: ComfyUI, a pod's ComfyUI) is
                      # live only once it answers; a hosted endpoint only stops when silent.
                      unchecked=not provider.info.key_required
                      and self.catalog.reach(provider_id) is Reach.UNCHECKED)

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
        saved under paths.workflows_dir, and a model of every workflow host from now on.
        Raises WorkflowImportError (nothing saved) when it cannot be used."""
        return self.workflows.import_workflow(source, name, replace=replace)

    # -- requests ----------------------------------------------------------------------------

    def check(self, request: RenderRequest, *, load_images: bool = True) -> CheckedRequest:
        return check_request(request, self.providers, load_images=load_images,
                             allow_weaker_safety=self.settings.content_policy.allow_weaker_safety,
                             assets=self._asset_path)

    def _asset_path(self, asset_id: str) -> Path | None:
        asset = self.store.get_asset(asset_id)
        return Path(asset.path) if asset is not None else None

    def estimate(self, request: RenderRequest) -> Price:
        """The price of a request, from everything that changes the bill: params, the input
        images (count and size), the model's observed run time here, the provider's own
        settings."""
        checked = self.check(request, load_images=False)
        facts = [image_facts(ref, self._asset_path) for ref in request.input_images]
        return self._price(checked, facts)

    def _price(self, checked: CheckedRequest, facts: Sequence[Any]) -> Price:
        pid = checked.request.provider
        try:
            options = self.provider_options(pid)
        except ValueError:
            options = {}
        return checked.model.estimate(
            checked.params, facts, options=options,
            observed_seconds=self.expected_seconds(pid, checked.request.model))

    def prepare(self, checked: CheckedRequest) -> PreparedCall:
        return checked.provider.build(checked.request, checked.params, checked.images,
                                      self.context(checked.request.provider))

    async def _hosted(self, checked: CheckedRequest
                      ) -> tuple[CheckedRequest, list[HostedImage]]:
        """The request with its local images uploaded to the image host (only for providers
        that fetch images by URL). Raises ProviderError when an upload fails."""
        if not needs_host(checked.provider, checked.images):
            return checked, []
        settings = self.settings.image_host
        context = None
        if settings.host in self.providers:
            context = self.context(settings.host)
        images, hosted = await self.image_host.upload(await self.http(), settings,
                                                      checked.images, context)
        return dataclasses.replace(checked, images=images), hosted

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
        if request.provider != checked.provider.info.id:  # a former id: save the current one
            request = request.model_copy(update={"provider": checked.provider.info.id})
            checked = dataclasses.replace(checked, request=request)
        await self.catalog.ensure_checked(request.provider)  # a server nobody asked yet
        decision = self.decision(request.provider, checked.mode.kind)
        if force_dry_run:
            decision = Decision(False, force_dry_run, "dry-run")
        hosting = needs_host(checked.provider, checked.images)
        host_settings = self.settings.image_host
        if hosting and decision.live:
            missing = self.image_host.unavailable(host_settings, checked.provider)
            if missing:
                decision = Decision(False, missing, "dry-run")
        # Built before anything is written, so a request the provider cannot take fails here.
        preview = dataclasses.replace(
            checked, images=self.image_host.placeholders(host_settings, checked.images)
        ) if hosting else checked
        call = self.prepare(preview)
        estimate = self._price(checked, [i.facts for i in checked.inputs]).as_dict()
        job = Job(
            id=new_job_id(), provider=request.provider, model=request.model,
            mode=checked.mode.value, prompt=self.redactor.text(request.prompt),
            request=self.redactor.value(_normalised(request, checked)),
            dry_run=not decision.live, dry_run_reason="" if decision.live else decision.reason,
            sandbox=self.sandbox_url is not None, compare_group=request.compare_group,
            retried_from=retried_from,
            input_hashes=[i.sha256 for i in checked.images if i.sha256],
        )
        parents = self.lineage_records.resolve(request, checked.images)
        with self.store.transaction() as db:  # the job and its lineage, or neither
            if decision.live:  # checked against the budgets and reserved, atomically
                job = self.budget.admit(job, estimate)
            else:
                self.store.create_job(job)
            if job.status is not JobStatus.REFUSED:
                self.lineage_records.record(job.id, parents, db=db)
        if job.status is JobStatus.REFUSED:
            return job
        kind = checked.mode.kind.value
        if not decision.live:
            record = self._record(call, inputs_record(preview.images, []), checked.notes)
            job = self.store.update_job(job.id, status=JobStatus.DRY_RUN, prepared=record,
                                        estimate=estimate, finished_at=time.time())
            self.joblog.append(job.provider, job.id, "dry-run", reason=decision.reason,
                               request=record, estimate=estimate)
            self.joblog.announce(kind, "dry-run", job.provider, job.id, model=job.model,
                                 reason=decision.reason, payload_shape=_shape(call))
            return job
        if hosting:
            try:
                checked, hosted = await self._hosted(checked)
            except (ProviderError, ValueError) as exc:
                message = self.redactor.text(getattr(exc, "message", None) or str(exc))
                self.joblog.append(job.provider, job.id, "upload_failed", error=message)
                return self.store.update_job(
                    job.id, status=JobStatus.FAILED, finished_at=time.time(),
                    error=f"could not upload an input image to the image host "
                          f"({self.image_host.describe(host_settings)}): {message}",
                    error_code="image_host")
            call = self.prepare(checked)
        else:
            hosted = []
        record = self._record(call, inputs_record(checked.images, hosted), checked.notes)
        # Owned from before it is queued: another process's resume never picks it up.
        self.leases.take(job.id)
        job = self.store.update_job(job.id, status=JobStatus.QUEUED, prepared=record,
                                    estimate=estimate)
        self.joblog.announce(kind, "live", job.provider, job.id, model=job.model,
                             payload_shape=_shape(call))
        self.runner.start(job.id, call)
        return job

    async def submit_many(self, requests: Sequence[RenderRequest]) -> list[Job]:
        """A fan-out (Compose's Generate, a compare group): checked against the budgets as
        a whole first; if it would cross one, every live job of it is refused and none is
        sent. Raises RequestError (nothing written) when a request cannot be sent."""
        async with self.budget.fan_out(requests):
            return [await self.submit(request) for request in requests]

    async def submit_batch(self, requests: Sequence[RenderRequest]) -> BatchOutcome:
        """One after another (a batch): the first job a budget refuses stops the rest."""
        return await self.budget.batch(requests)

    def _record(self, call: PreparedCall, inputs: list[dict[str, Any]],
                notes: Sequence[str] = ()) -> dict[str, Any]:
        record = call.record()
        if inputs:
            record["inputs"] = inputs
        if notes:
            record["notes"] = list(notes)
        return self.redactor.value(record)

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
        if is_local(old):
            raise NotRecoverable(f"job {job_id} was made by the studio itself ({old.mode}); "
                                 "there is nothing to send again")
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
            started = job is not None and await self._resume_one(job)
            if started:
                resumed.append(listed.id)
            else:
                self.leases.release(listed.id)
        return resumed

    async def _resume_one(self, job: Job) -> bool:
        if job.status is JobStatus.QUEUED:
            try:
                checked, _ = await self._hosted(
                    self.check(RenderRequest.model_validate(job.request)))
                call = self.prepare(checked)
            except (ValueError, KeyError, ProviderError) as exc:
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

    async def drive(self, job_id: str) -> bool:
        """Run one unfinished job from this process (`studio-cli wait`): a queued job is
        sent, one with a remote id is polled and its outputs fetched. False when there is
        nothing to drive (it has ended); raises JobBusy when another live process drives it."""
        if job_id in self.runner.active():
            return True
        job = self.store.get_job(job_id)
        if job is None:
            raise KeyError(job_id)
        if not job.status.active:
            return False
        if not self.leases.take(job_id):
            holder = self.leases.held_elsewhere(job_id)
            raise JobBusy(f"job {job_id} is being run by another Provider Studio process"
                          + (f" ({holder.owner})" if holder else ""))
        job = self.store.get_job(job_id)  # as it is now, under the lease
        if job is not None and await self._resume_one(job):
            return True
        self.leases.release(job_id)
        return False

    def driven_elsewhere(self, job_ids: Sequence[str]) -> dict[str, tuple[str, Job]]:
        """Of these jobs, those another live process drives right now: job id -> (its
        owner, the job as the database has it; that process's writes send us no events)."""
        out: dict[str, tuple[str, Job]] = {}
        for job_id in job_ids:
            holder = self.leases.held_elsewhere(job_id)
            job = self.store.get_job(job_id) if holder is not None else None
            if holder is not None and job is not None:
                out[job_id] = (holder.owner, job)
        return out

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

    # -- iterating on renders (core/iteration.py) ---------------------------------------------

    def input_ref(self, text: str) -> str:
        """A path, URL, `asset:<id>` or bare asset id as the input reference to send."""
        return self.iteration.input_ref(text)

    def lineage(self, asset_id: str) -> Node:
        """The asset with its ancestors and descendants; KeyError for an unknown id."""
        return self.iteration.lineage(asset_id)

    def settings_of(self, ref: str) -> RenderRequest:
        """The request that reproduces an output (asset or job id), with the seed the
        provider actually used and its inputs by asset id ("Use these settings")."""
        return self.iteration.settings_of(ref)

    async def variations(self, request: RenderRequest, n: int) -> Variations:
        """N seeds (or N jobs where the model has no seed) of one request, as a batch."""
        return await self.iteration.variations(request, n)

    async def save_frame(self, video_ref: str, at: float | None = None) -> Asset:
        """A video's frame at `at` seconds, or exactly its last frame, as a new asset."""
        return await self.iteration.save_frame(video_ref, at)

    def save_mask(self, image_ref: str, mask_png: bytes, edited_from: str | None = None
                  ) -> Asset:
        """A painted mask over an image asset, as an asset of its own (an edit of the
        mask `edited_from` has it as a parent)."""
        return self.iteration.save_mask(image_ref, mask_png, edited_from)

    def mask_source(self, mask_ref: str) -> Asset | None:
        """The image a mask asset was painted over (None: not a mask, or no image)."""
        return self.iteration.mask_source(mask_ref)

    def import_image(self, path: str | Path) -> Asset:
        """A local image file as an asset (dropped on Compose)."""
        return self.iteration.import_image(path)

    # -- storyboards (core/sequences): what the Sequences view reads and does ------------

    def storyboard_rows(self) -> list[dict[str, Any]]:
        boards = self.storyboards
        return [{"id": b.id, "title": b.spec.title, "scenes": len(b.spec.scenes),
                 "status": boards.status(b)} for b in boards.recent()]

    def storyboard_view(self, board_id: str) -> dict[str, Any]:
        """The storyboard with each scene's stages, attempts and outputs (board_dict)."""
        return self.storyboards.board_dict(self.storyboards.require(board_id))

    def save_storyboard(self, spec: StoryboardSpec, board_id: str | None = None) -> str:
        if board_id is None:
            return self.storyboards.create(spec).id
        return self.storyboards.update_spec(board_id, spec).id

    def storyboard_requests(self, board_id: str) -> list[RenderRequest]:
        """What running it may send (priced before a run)."""
        return self.storyboards.quote_requests(self.storyboards.require(board_id))

    def resume_storyboards(self) -> list[str]:
        """Storyboards cut off mid-run carry on in the background (after `resume`)."""
        return self.storyboard_runs.resume_running()

    @cached_property
    def storyboard_runs(self) -> StoryboardRuns:
        """Storyboards carried on after a restart (core.sequences.storyboard_resume)."""
        from studio.core.sequences.storyboard_resume import StoryboardRuns

        return StoryboardRuns(self.storyboards)

    async def run_storyboard(self, board_id: str, *, auto_approve: bool | None = None,
                             wait: bool = False) -> None:
        await self.storyboards.run(board_id, auto_approve=auto_approve, wait=wait)

    def stitch_storyboard(self, board_id: str, progress: Callable[[float], None] | None = None,
                          cancel: threading.Event | None = None) -> dict[str, Any]:
        """Blocking (a worker thread): the approved clips joined into one film asset."""
        from studio.core.sequences.storyboard_stitch import stitch_storyboard

        return stitch_storyboard(self.storyboards, board_id, progress=progress, cancel=cancel)

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
        if "chains" in self.__dict__:  # chains in progress stop first (they resume later)
            await self.chains.aclose()
        if "storyboard_runs" in self.__dict__:  # so do resumed storyboard runs
            await self.storyboard_runs.aclose()
        await self.runner.close()
        await asyncio.to_thread(self.metrics.close)  # measurements in hand finish first
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

    async def check_address(self, provider_id: str, url: str) -> tuple[bool, str]:
        """Settings' "Test" of a server address typed but not saved yet."""
        from studio.core.connection import check_address

        return await check_address(self, provider_id, url)
    # -- reads for views ----------------------------------------------------------------------
    # Widgets read through these, never the store. Each is one indexed SQLite query on the
    # caller's thread; `jobs` and `asset_ids` return whole lists (thousands of rows) and
    # are the ones to move to a worker thread if a view ever waits on them.

    def subscribe(self, fn: Subscriber) -> Callable[[], None]:
        """Call `fn` with every store event (core.events), on the thread that made the
        change, after its commit. Returns the unsubscribe function."""
        return self.store.subscribe(fn)

    def job(self, job_id: str) -> Job | None:
        return self.store.get_job(job_id)

    def jobs(self, *, limit: int = 1000, statuses: Iterable[JobStatus] | None = None
             ) -> list[Job]:
        """The newest jobs first (the Queue's rows)."""
        return self.store.list_jobs(limit=limit, statuses=statuses)

    def job_assets(self, job_id: str) -> list[Asset]:
        """A job's outputs, in output order."""
        return self.store.assets_for_job(job_id)

    def asset(self, asset_id: str) -> Asset | None:
        return self.store.get_asset(asset_id)

    def asset_ids(self, *, provider: str | None = None, model: str | None = None,
                  mode: str | None = None, text: str | None = None,
                  min_rating: int | None = None, newest_first: bool = True,
                  min_quality: float | None = None, by_quality: bool = False) -> list[str]:
        """The Gallery's ordered ids under its filters; details come per visible range."""
        return self.store.asset_ids(provider=provider, model=model, mode=mode, text=text,
                                    min_rating=min_rating, newest_first=newest_first,
                                    min_quality=min_quality, by_quality=by_quality)

    def assets(self, ids: list[str]) -> dict[str, Asset]:
        """Several assets by id (those that exist), e.g. the files of a selection."""
        return {i: asset for i, (asset, _job) in self.store.get_assets_with_jobs(ids).items()}

    def assets_with_jobs(self, ids: list[str]) -> dict[str, tuple[Asset, Job]]:
        """Assets and their jobs in one query: what a gallery row needs."""
        return self.store.get_assets_with_jobs(ids)

    def votable(self, group: CompareGroup) -> list[str]:
        """The newest job of every cell of a compare group that finished with an output."""
        return group.votable(self.store)

    def scoreboard(self, artist: str | None = None) -> list[ScoreRow]:
        """The compare scoreboard from one artist's own votes (the current user by default)."""
        from studio.core.compare.scoreboard import artist_scoreboard

        return artist_scoreboard(self.store, self.votes, artist)

    def stats(self, days: int = 30, now: float | None = None) -> dict[str, Any]:
        """Spend & speed over the last `days` local days (core.stats; docs/dashboard.md)."""
        from studio.core.stats import compute

        return compute(self.store, self.scoreboard(), days, now)

    def measure_asset(self, asset_id: str) -> QualityRecord:
        """Measure one output now and store the result (blocking: run it in a worker
        thread). A file that cannot be measured is stored with its reason as `note`;
        KeyError when this studio has no such output (a full id or a unique prefix)."""
        return measure_stored(self.store, self.quality_store, asset_id)

    def quality(self, asset_id: str) -> QualityRecord | None:
        """An output's stored quality metrics (None: not measured yet)."""
        return self.quality_store.get(asset_id)

    def quality_scores(self, ids: list[str]) -> dict[str, float | None]:
        """Quality scores of these outputs; unmeasured ones are absent."""
        return self.quality_store.scores(ids)

    def opinion(self, asset_id: str) -> Opinion | None:
        """The assistant's stored opinion of an output's prompt adherence, if asked."""
        return self.quality_store.opinion(asset_id)

    def rate_asset(self, asset_id: str, rating: int | None) -> Asset:
        """1-5 stars, or None to clear; raises ValueError out of range, KeyError if gone."""
        return self.store.set_rating(asset_id, rating)


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
