"""Assets the studio makes itself, without a provider: a saved video frame, a painted
mask, an outpaint canvas.

Each is the only output of a finished "local" job (provider `studio`), so the Gallery,
export and lineage treat it like any other asset; its provenance says what was done and
from which asset (its parent, role `source`). Local jobs are never sent or retried.
"""

from __future__ import annotations

import hashlib
import io
import time
import uuid
from enum import StrEnum
from typing import Any, Protocol

from studio.core.atomic import write_atomic
from studio.core.jobs import Asset, Job, JobStatus, new_job_id
from studio.core.lineage import LineageRecords, Parent
from studio.core.paths import StudioPaths
from studio.core.provenance import build_local_record, write_sidecar
from studio.core.redaction import Redactor
from studio.core.store import Store

LOCAL_PROVIDER = "studio"


class LocalHost(Protocol):
    """What making a local asset takes from the Studio."""

    @property
    def store(self) -> Store: ...

    @property
    def redactor(self) -> Redactor: ...

    @property
    def paths(self) -> StudioPaths: ...

    @property
    def sandbox_url(self) -> str | None: ...

    @property
    def lineage_records(self) -> LineageRecords: ...


class LocalKind(StrEnum):
    """The job mode of a local asset (job modes are plain text in the store)."""

    FRAME = "frame"
    MASK = "mask"
    CANVAS = "canvas"
    IMPORT = "import"  # a file brought in from outside (dropped on Compose, an upscale source)


def is_local(job: Job) -> bool:
    return job.provider == LOCAL_PROVIDER


def save_local(studio: LocalHost, kind: LocalKind, png: bytes, filename: str,
               operation: dict[str, Any], parents: list[Parent], prompt: str = "",
               media_type: str = "image/png") -> Asset:
    """Store an image the studio made (or imported) as a new asset of its own finished
    job."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        width, height = image.size
    now = time.time()
    job = Job(id=new_job_id(), provider=LOCAL_PROVIDER, model=kind.value, mode=kind.value,
              prompt=studio.redactor.text(prompt), request={"operation": operation},
              status=JobStatus.SUCCEEDED, dry_run=False,
              sandbox=studio.sandbox_url is not None, created_at=now, finished_at=now,
              input_hashes=[p.sha256 for p in parents if p.sha256])
    path = studio.paths.assets_dir / job.id / filename
    write_atomic(path, png)
    asset = Asset(id=uuid.uuid4().hex[:16], job_id=job.id, path=str(path),
                  sha256=hashlib.sha256(png).hexdigest(), media_type=media_type,
                  bytes=len(png), width=width, height=height, created_at=now)
    record = build_local_record(job, asset, operation, parents)
    asset.provenance = studio.redactor.value(record)
    write_sidecar(path, record, studio.redactor)
    with studio.store.transaction() as db:  # the job, its asset and its lineage together
        studio.store.create_job(job)
        studio.store.add_asset(asset)
        studio.lineage_records.record(job.id, parents, db=db)
    return asset
