"""A chain as the CLI and the API show it (the contract of issue 14):

    {"chain_id", "status", "links": [{"index", "job_id", "status",
      "input_image": {"path", "sha256"}, "output": {"path", "sha256", "duration_seconds"}}],
     "final": {"path", "sha256", "duration_seconds", "width", "height"} | null}

plus a few extra fields (provider, model, prompts, error, placeholder, asset ids).
"""

from __future__ import annotations

from typing import Any

from studio.core.sequences.chain_store import Chain, Link
from studio.core.store import Store


def chain_dict(chain: Chain, store: Store) -> dict[str, Any]:
    final = store.get_asset(chain.final_asset_id) if chain.final_asset_id else None
    return {
        "chain_id": chain.id,
        "status": chain.status.value,
        "provider": chain.spec.provider,
        "model": chain.spec.model,
        "created_at": chain.created_at,
        "updated_at": chain.updated_at,
        "error": chain.error,
        "links": [link_dict(link, store) for link in chain.links],
        "final": None if final is None else {
            "asset_id": final.id, "path": final.path, "sha256": final.sha256,
            "duration_seconds": final.duration_seconds, "width": final.width,
            "height": final.height},
    }


def link_dict(link: Link, store: Store) -> dict[str, Any]:
    output = store.get_asset(link.output_asset_id) if link.output_asset_id else None
    job = store.get_job(link.job_id) if link.job_id else None
    return {
        "index": link.index,
        "job_id": link.job_id,
        "status": link.status.value,
        "prompt": link.prompt,
        "input_image": None if link.input_ref is None else {
            "path": link.input_path, "sha256": link.input_sha256,
            "asset_id": link.input_asset_id, "placeholder": link.placeholder},
        "output": None if output is None else {
            "asset_id": output.id, "path": output.path, "sha256": output.sha256,
            "duration_seconds": output.duration_seconds},
        "dry_run": bool(job.dry_run) if job is not None else None,
        "attempts": list(link.attempts),
        "error": link.error,
    }
