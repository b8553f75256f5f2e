"""A stitched film as a gallery asset whose provenance lists every segment.

The film is the only output of a finished local job (provider `studio`, mode `stitch`),
like a saved frame. Each segment that is an asset becomes a lineage parent (role
`source`), so lineage shows where the film came from and an export's C2PA manifest names
every segment as an ingredient (core/export reads lineage parents); the provenance record
adds, per segment, its job, provider, model, seed, sha256 and where it sits in the film.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.core.jobs import Asset, Job, JobStatus, new_job_id
from studio.core.lineage import Parent
from studio.core.local_assets import LOCAL_PROVIDER, LocalHost
from studio.core.provenance import build_local_record, write_sidecar
from studio.core.sequences.stitch import Segment, StitchError, StitchResult, Transition, stitch
from studio.providers.modes import Role

STITCH_MODE = "stitch"


@dataclass(frozen=True)
class Clip:
    """One asset to stitch, and the transition into the next one."""

    asset_id: str
    transition_after: Transition = field(default_factory=Transition)


def stitch_assets(host: LocalHost, clips: Sequence[Clip], *, title: str = "",
                  progress: Callable[[float], None] | None = None,
                  cancel: threading.Event | None = None,
                  extra: dict[str, Any] | None = None) -> tuple[Asset, StitchResult]:
    """Stitch video assets (in order) into a new asset. Raises StitchError for a clip that
    is not a video asset, StitchCancelled when cancelled (nothing is kept)."""
    found = host.store.get_assets_with_jobs([c.asset_id for c in clips])
    segments = []
    for clip in clips:
        if clip.asset_id not in found:
            raise StitchError(f"no asset {clip.asset_id}")
        asset = found[clip.asset_id][0]
        if not asset.media_type.startswith("video/"):
            raise StitchError(f"asset {clip.asset_id} is not a video ({asset.media_type})")
        segments.append(Segment(Path(asset.path), clip.transition_after))
    job_id = new_job_id()
    out = host.paths.assets_dir / job_id / "film.mp4"
    try:
        result = stitch(segments, out, progress=progress, cancel=cancel)
    except BaseException:
        _remove_empty(out.parent)
        raise
    asset = save_stitched(host, result, [c.asset_id for c in clips], title=title,
                          job_id=job_id, transitions=[c.transition_after for c in clips],
                          extra=extra)
    return asset, result


def save_stitched(host: LocalHost, result: StitchResult, asset_ids: Sequence[str | None], *,
                  title: str = "", job_id: str | None = None,
                  transitions: Sequence[Transition] | None = None,
                  extra: dict[str, Any] | None = None) -> Asset:
    """Store a stitch result as an asset. `asset_ids[i]` is the asset of segment i (None
    for a file that is not one). The file is moved into the assets folder unless it is
    already there."""
    if len(asset_ids) != len(result.segments):
        raise StitchError("one asset id (or None) is needed per segment")
    job_id = job_id or new_job_id()
    path = host.paths.assets_dir / job_id / "film.mp4"
    if Path(result.path).resolve() != path.resolve():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(result.path, path)
        except OSError:  # another file system
            shutil.copy2(result.path, path)
    known = host.store.get_assets_with_jobs([a for a in asset_ids if a])
    segments: list[dict[str, Any]] = []
    parents: list[Parent] = []
    for position, (span, asset_id) in enumerate(zip(result.segments, asset_ids, strict=True)):
        asset, job = known.get(asset_id, (None, None)) if asset_id else (None, None)
        entry: dict[str, Any] = {
            "index": position, "asset_id": asset.id if asset else None,
            "job_id": job.id if job else None, "provider": job.provider if job else None,
            "model": job.model if job else None, "seed": _seed(job),
            "sha256": span.sha256, "file": Path(span.path).name,
            "in_seconds": span.in_seconds, "out_seconds": span.out_seconds}
        if transitions is not None and position < len(transitions) - 1:
            t = transitions[position]
            entry["transition_after"] = {"kind": t.kind, "seconds": t.seconds}
        segments.append(entry)
        if asset is not None:
            parents.append(Parent(position, asset.id, Role.SOURCE, span.sha256))
    operation = {"kind": STITCH_MODE, "method": result.method, "fps": result.fps,
                 "duration_seconds": result.duration_seconds, "segments": segments,
                 **(extra or {})}
    now = time.time()
    job = Job(id=job_id, provider=LOCAL_PROVIDER, model=STITCH_MODE, mode=STITCH_MODE,
              prompt=host.redactor.text(title), request={"operation": operation},
              status=JobStatus.SUCCEEDED, dry_run=False,
              sandbox=host.sandbox_url is not None, created_at=now, finished_at=now,
              input_hashes=[s.sha256 for s in result.segments])
    asset = Asset(id=uuid.uuid4().hex[:16], job_id=job.id, path=str(path),
                  sha256=result.sha256, media_type="video/mp4", bytes=path.stat().st_size,
                  width=result.width, height=result.height,
                  duration_seconds=result.duration_seconds, created_at=now)
    record = build_local_record(job, asset, operation, parents)
    record["segments"] = segments  # also at the top: what a reader of a film looks for
    record["output"]["duration_seconds"] = result.duration_seconds
    asset.provenance = host.redactor.value(record)
    write_sidecar(path, record, host.redactor)
    with host.store.transaction() as db:
        host.store.create_job(job)
        host.store.add_asset(asset)
        host.lineage_records.record(job.id, parents, db=db)
    return asset


def _seed(job: Job | None) -> int | None:
    if job is None:
        return None
    seed = job.seed if job.seed is not None else (job.request or {}).get("seed")
    if seed is None:
        seed = ((job.request or {}).get("params") or {}).get("seed")
    return seed if isinstance(seed, int) else None


def _remove_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):
        folder.rmdir()
