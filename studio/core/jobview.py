"""A job as the JSON object the CLI prints and the automation API returns."""

from __future__ import annotations

from typing import Any

from studio.core.jobs import Asset, Job
from studio.core.spend_guard import refusal_of
from studio.core.store import Store


def asset_dict(asset: Asset) -> dict[str, Any]:
    return {
        "id": asset.id,
        "path": asset.path,
        "sha256": asset.sha256,
        "media_type": asset.media_type,
        "bytes": asset.bytes,
        "width": asset.width,
        "height": asset.height,
        "duration_seconds": asset.duration_seconds,
        "rating": asset.rating,
    }


def job_dict(job: Job, store: Store | None = None) -> dict[str, Any]:
    estimate = job.estimate or {}
    out: dict[str, Any] = {
        "job_id": job.id,
        "provider": job.provider,
        "model": job.model,
        "mode": job.mode,
        "status": job.status.value,
        "dry_run": job.dry_run,
        "dry_run_reason": job.dry_run_reason or None,
        "sandbox": job.sandbox,
        "estimates": {"credits": estimate.get("credits"), "usd": estimate.get("usd"),
                      "approximate": estimate.get("approximate"),
                      "basis": estimate.get("basis"), "source": estimate.get("source"),
                      "checked": estimate.get("checked")},
        "actual_cost": job.actual_cost,
        "request": job.prepared,
        "input": job.request,
        "remote_id": job.remote_id,
        "progress": job.progress,
        "queue_position": job.queue_position,
        "message": job.message,
        "error": job.error,
        "error_code": job.error_code,
        "seed": job.seed,
        "retried_from": job.retried_from,
        "compare_group": job.compare_group,
        "created_at": job.created_at,
        "submitted_at": job.submitted_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }
    if store is not None:
        out["outputs"] = [asset_dict(a) for a in store.assets_for_job(job.id)]
        refusal = refusal_of(store, job)
        if refusal is not None:  # which budget said no, with the figures
            out["refusal"] = refusal.as_dict()
    return out
