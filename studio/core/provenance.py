"""Provenance: a versioned record of who made an output, with what request, cost and time.

Written as a JSON sidecar beside the output and stored in the db. The output file itself
stays byte-for-byte what the provider sent.
"""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Any

from studio import __version__
from studio.core.atomic import write_atomic
from studio.core.jobs import Asset, Job
from studio.core.redaction import Redactor

SCHEMA = "provider-studio/provenance"
VERSION = 1


def _who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def build_record(job: Job, asset: Asset, provider_name: str) -> dict[str, Any]:
    req = job.request
    latency = (job.finished_at - job.submitted_at
               if job.finished_at and job.submitted_at else None)
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
        "sandbox": job.sandbox,
        "endpoint": (job.prepared or {}).get("url"),
        "request": job.prepared,
        "prompt": req.get("prompt"),
        "negative_prompt": req.get("negative_prompt"),
        "params": req.get("params"),
        "seed_requested": req.get("seed"),
        "seed": job.seed,
        "remote_job_id": job.remote_id,
        "estimate": job.estimate,
        "actual_cost": job.actual_cost,
        "timings": {
            "created_at": job.created_at,
            "submitted_at": job.submitted_at,
            "started_at": job.started_at,
            "finished_at": job.finished_at,
            "latency_seconds": None if latency is None else round(latency, 3),
        },
        # Each input: its sha256 and, for URL inputs and image-host uploads, where it was.
        "inputs": (job.prepared or {}).get("inputs") or [{"sha256": h} for h in
                                                           job.input_hashes],
        "output": {
            "index": asset.index,
            "file": Path(asset.path).name,
            "sha256": asset.sha256,
            "media_type": asset.media_type,
            "bytes": asset.bytes,
            "width": asset.width,
            "height": asset.height,
            "duration_seconds": asset.duration_seconds,
        },
        "compare_group": job.compare_group,
        "retried_from": job.retried_from,
    }


def sidecar_path(output: Path) -> Path:
    return output.with_name(output.name + ".json")


def write_sidecar(output: Path, record: dict[str, Any], redactor: Redactor) -> Path:
    path = sidecar_path(output)
    data = json.dumps(redactor.value(record), indent=2, sort_keys=True, default=str)
    write_atomic(path, data.encode("utf-8"))
    return path
