"""Provenance: a versioned record of who made an output, with what request, cost and time.

Written as a JSON sidecar beside the output and stored in the db. The output file itself
stays byte-for-byte what the provider sent. Version 2 added `parents` (the assets a job
took as inputs, with their roles), `notes` and `operation` (for assets the studio made
itself, such as a saved video frame); version 1 records read as having no parents.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from studio import __version__
from studio.core.atomic import write_atomic
from studio.core.jobs import Asset, Job
from studio.core.lineage import Parent
from studio.core.redaction import Redactor
from studio.core.sent import sent_params

SCHEMA = "provider-studio/provenance"
VERSION = 2


def _who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def build_record(job: Job, asset: Asset, provider_name: str,
                 parents: Sequence[Parent] = (), *, sent_at: float | None = None
                 ) -> dict[str, Any]:
    """`sent_at`: when the request started going out (core.timing); latency counts from
    there, so a provider that answers with the picture is not "0.0 s"."""
    req = job.request
    start = sent_at or job.submitted_at
    latency = max(0.0, job.finished_at - start) if job.finished_at and start else None
    return {
        **_head(job, asset, provider_name),
        "sandbox": job.sandbox,
        "endpoint": (job.prepared or {}).get("url"),
        "request": job.prepared,
        "prompt": req.get("prompt"),
        "negative_prompt": req.get("negative_prompt"),
        "params": sent_params(req.get("params"), job.prepared),  # only what went out
        "seed_requested": req.get("seed"),
        "seed": job.seed,
        "remote_job_id": job.remote_id,
        "estimate": job.estimate,
        "actual_cost": job.actual_cost,
        "timings": {
            "created_at": job.created_at,
            "sent_at": sent_at,
            "submitted_at": job.submitted_at,
            "started_at": job.started_at,
            "finished_at": job.finished_at,
            "latency_seconds": None if latency is None else round(latency, 3),
        },
        # Each input: its sha256 and, for URL inputs and image-host uploads, where it was.
        "inputs": (job.prepared or {}).get("inputs") or [{"sha256": h} for h in
                                                           job.input_hashes],
        "output": {**_output(asset), "duration_seconds": asset.duration_seconds},
        "compare_group": job.compare_group,
        "retried_from": job.retried_from,
        # The assets this output was made from (its lineage), with the role each played.
        "parents": [p.as_dict() for p in parents],
        "notes": list((job.prepared or {}).get("notes") or []),
    }


def build_local_record(job: Job, asset: Asset, operation: dict[str, Any],
                       parents: Sequence[Parent] = ()) -> dict[str, Any]:
    """The record of an asset the studio made itself (a saved frame, a mask, a canvas)."""
    return {
        **_head(job, asset, "Provider Studio"),
        "operation": operation,
        "timings": {"created_at": job.created_at, "finished_at": job.finished_at},
        "output": _output(asset),
        "parents": [p.as_dict() for p in parents],
        "notes": [],
    }


def _head(job: Job, asset: Asset, provider_name: str) -> dict[str, Any]:
    """What every record starts with: who made what, with which app, job and model."""
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "app": {"name": "Provider Studio", "version": __version__},
        "made_by": _who(),
        "job_id": job.id,
        "asset_id": asset.id,
        "provider": job.provider,
        "provider_name": provider_name,
        "model": job.model,
        "mode": job.mode,
    }


def _output(asset: Asset) -> dict[str, Any]:
    return {"index": asset.index, "file": Path(asset.path).name, "sha256": asset.sha256,
            "media_type": asset.media_type, "bytes": asset.bytes, "width": asset.width,
            "height": asset.height}


def parents_in(record: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The parents a record lists (none for a version 1 record)."""
    parents = (record or {}).get("parents")
    return [p for p in parents if isinstance(p, dict)] if isinstance(parents, list) else []


def sidecar_path(output: Path) -> Path:
    return output.with_name(output.name + ".json")


def write_sidecar(output: Path, record: dict[str, Any], redactor: Redactor) -> Path:
    path = sidecar_path(output)
    data = json.dumps(redactor.value(record), indent=2, sort_keys=True, default=str)
    write_atomic(path, data.encode("utf-8"))
    return path
