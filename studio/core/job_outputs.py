"""Saving a finished job's outputs, in an order a crash cannot break.

1. every output is downloaded to a `.part` file and verified (it decodes);
2. only when all are whole are they moved into place;
3. their provenance sidecars are written;
4. the asset rows and the `succeeded` status are written in ONE transaction.
A kill before 4 leaves the job unfinished with its remote id, so `resume` fetches the
outputs again (overwriting any file moved into place); one output failing discards the
others' `.part` files, so nothing is left without a row.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from studio.core.costs import CostMeter
from studio.core.downloads import FetchedOutput, RetryPolicy, fetch_output
from studio.core.jobs import Asset, Job, JobStatus
from studio.core.lineage import Parent
from studio.core.ports import JobLogWriter, JobStore, ProviderAccess, SettingsSource
from studio.core.provenance import build_record, write_sidecar
from studio.core.redaction import Redactor
from studio.providers.base import ProviderError, Succeeded

log = logging.getLogger(__name__)
# Told about each succeeded job's outputs once they are stored (the metrics worker).
AfterSave = Callable[[Job, list[Asset]], None]


class OutputSaver:
    def __init__(self, access: ProviderAccess, store: JobStore, *, owner: str,
                 joblog: JobLogWriter, redactor: Redactor, config: SettingsSource,
                 costs: CostMeter, assets_dir: Path,
                 parents: Callable[[str], Sequence[Parent]] = lambda _job_id: (),
                 after_save: AfterSave | None = None) -> None:
        self.access = access
        self.store = store
        self.owner = owner  # this process's lease owner id: writes only while it holds the job
        self.joblog = joblog
        self.redactor = redactor
        self.config = config
        self.costs = costs
        self.assets_dir = assets_dir
        self.parents = parents  # a job's lineage parents, for the provenance record
        self.after_save = after_save

    async def save(self, job: Job, result: Succeeded) -> Job:
        fetched = await self._fetch_all(job, result)
        try:
            saved = await asyncio.to_thread(lambda: [f.commit() for f in fetched])
        except BaseException:
            for f in fetched:
                f.discard()
            raise
        # What the provider says the job cost (its own figure, or its balance before/after).
        actual_cost = await self.costs.actual(job, result)
        now = time.time()
        changes: dict[str, Any] = dict(
            status=JobStatus.SUCCEEDED, seed=result.seed, finished_at=now, progress=1.0,
            message=result.message, error=None, error_code=None, recoverable=False,
            actual_cost=actual_cost)
        final = dataclasses.replace(job, **changes)
        provider = self.access.providers[job.provider]
        assets = []
        sent_at = self.store.sent_at(job.id)
        for index, file in enumerate(saved):
            info = file.info
            asset = Asset(id=uuid.uuid4().hex[:16], job_id=job.id, path=str(file.path),
                          sha256=file.sha256, media_type=file.media_type, bytes=file.bytes,
                          width=info.width if info else None,
                          height=info.height if info else None,
                          duration_seconds=info.duration_seconds if info else None,
                          index=index, created_at=now)
            record = build_record(final, asset, provider.info.name, self.parents(job.id),
                                  sent_at=sent_at)
            asset.provenance = self.redactor.value(record)
            await asyncio.to_thread(write_sidecar, Path(asset.path), record,
                                    self.redactor)
            assets.append(asset)
        if isinstance(changes["message"], str):
            changes["message"] = self.redactor.text(changes["message"])
        done = self.store.complete_job(job.id, assets,
                                              lease_owner=self.owner, **changes)
        self.joblog.append(job.provider, job.id, "succeeded",
                                  outputs=[a.sha256 for a in assets])
        self._hand_on(done, assets)
        return done

    def _hand_on(self, job: Job, assets: list[Asset]) -> None:
        """The stored outputs go to `after_save` (it queues them and returns); the job is
        already succeeded, so nothing it does can fail it."""
        if self.after_save is None:
            return
        try:
            self.after_save(job, assets)
        except Exception:
            log.exception("outputs.after_save_failed job=%s", job.id)

    async def _fetch_all(self, job: Job, result: Succeeded) -> list[FetchedOutput]:
        """Every output as a verified `.part`, or none: a failure discards the others."""
        provider = self.access.providers[job.provider]
        ctx = self.access.context(job.provider)
        http = await self.access.http()
        net = self.config.settings.network
        retry = RetryPolicy(attempts=net.download_attempts,
                            max_retry_after=net.max_retry_after_seconds)
        total = len(result.outputs)
        fetched: list[FetchedOutput] = []

        def on_retry(attempt: int, exc: ProviderError, wait: float) -> None:
            self.store.update_job(
                job.id, lease_owner=self.owner,
                message=self.redactor.text(
                    f"{exc.message}; fetching it again in {wait:.0f} s "
                    f"(try {attempt + 1} of {retry.attempts})"))
            self.joblog.append(job.provider, job.id, "download_retry",
                                      attempt=attempt, error=exc.message)

        try:
            for index, output in enumerate(result.outputs):
                headers = provider.download_headers(ctx) if output.needs_auth else None
                if total > 1:
                    self.store.update_job(
                        job.id, lease_owner=self.owner,
                        message=f"downloading output {index + 1} of {total}")
                fetched.append(await fetch_output(
                    http, output, self.assets_dir / job.id, f"{index:02d}",
                    max_bytes=net.max_download_mb * 1_000_000, headers=headers,
                    retry=retry, on_retry=on_retry))
        except BaseException:
            for f in fetched:
                f.discard()
            raise
        return fetched
