"""What the routes return: catalog, job and page objects, asset files and provenance."""

from __future__ import annotations

import asyncio
import functools
import json
import re
from pathlib import Path
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from studio.api.render import api_modes
from studio.api.schemas import CatalogOut, JobList, JobOut
from studio.api.webhooks import WebhookDispatcher
from studio.core.jobs import Asset, Job, JobStatus
from studio.core.jobview import job_dict
from studio.core.provenance import sidecar_path
from studio.core.service import Studio
from studio.providers.base import Kind

# The catalog says "live"; the API says "active". The other statuses keep their names.
_STATUS = {"live": "active"}


def api_status(status: str) -> str:
    return _STATUS.get(status, status)


def catalog(studio: Studio, kind: Kind) -> dict[str, Any]:
    providers = []
    for entry in studio.catalog.kinds(kind):
        provider = studio.providers[entry.id]
        entries = [m for m in entry.models if m.kind == kind.value]
        if not entries:
            continue
        models = []
        for m in entries:
            info = provider.models[m.id]
            models.append({
                "id": m.id, "name": m.name, "modes": api_modes(info), "native_modes": m.modes,
                "status": api_status(m.status), "reason": m.reason, "price": m.price,
                "capabilities": m.capabilities, "description": m.description,
                "parameters": _params_schema(info.params),
                "outside_status": api_status(m.outside_status) if m.outside_status else None,
                "outside_reason": m.outside_reason})
        providers.append({
            "id": entry.id, "name": entry.name, "status": models[0]["status"],
            "reason": entries[0].reason, "key_source": entry.key_source,
            "docs_url": entry.docs_url, "pricing_url": entry.pricing_url, "notes": entry.notes,
            "sandbox": entry.sandbox, "quota": entry.quota, "models": models,
            "outside_status": models[0]["outside_status"],
            "outside_reason": entries[0].outside_reason})
    return CatalogOut.model_validate({"kind": kind.value, "providers": providers}).model_dump(
        mode="json")


@functools.cache  # params models are fixed at import; building a schema costs ~1 ms
def _params_schema(params: type) -> dict[str, Any]:
    try:
        return params.model_json_schema()  # type: ignore[attr-defined]
    except Exception:  # an exotic field type must not take the catalog down
        return {}


def job_out(studio: Studio, job: Job, webhooks: WebhookDispatcher | None = None
            ) -> dict[str, Any]:
    data = job_dict(job, studio.store)
    for out in data.get("outputs") or []:
        out["url"] = f"/api/assets/{out['id']}"
        out["provenance_url"] = f"/api/assets/{out['id']}/provenance"
    hook = webhooks.status(job.id) if webhooks is not None else None
    if hook is not None:
        data["webhook"] = hook
    return JobOut.model_validate(data).model_dump(mode="json")


def job_page(studio: Studio, webhooks: WebhookDispatcher, statuses: list[JobStatus] | None,
             limit: int, offset: int) -> dict[str, Any]:
    sql, args = "SELECT COUNT(*) FROM jobs", [s.value for s in statuses or []]
    if statuses is not None:
        sql += f" WHERE status IN ({', '.join('?' * len(args))})"
    total = int(studio.store.query(sql, args)[0][0])
    jobs = studio.store.list_jobs(statuses=statuses, limit=limit, offset=offset) if total else []
    items = [job_out(studio, j, webhooks) for j in jobs]
    return JobList.model_validate({
        "items": items, "total": total, "limit": limit, "offset": offset,
        "has_more": offset + len(items) < total}).model_dump(mode="json")


def asset_file(studio: Studio, asset_id: str) -> tuple[Asset | None, Path | None]:
    """The asset and its file, if the file exists inside the studio's data folder."""
    asset = studio.store.get_asset(asset_id)
    if asset is None:
        return None, None
    path = Path(asset.path).resolve()
    if not path.is_relative_to(studio.paths.data_dir.resolve()) or not path.is_file():
        return asset, None
    return asset, path


async def provenance(studio: Studio, asset_id: str) -> dict[str, Any] | None:
    asset = studio.store.get_asset(asset_id)
    if asset is None:
        return None
    if asset.provenance:
        return asset.provenance
    sidecar = sidecar_path(Path(asset.path))

    def read() -> dict[str, Any] | None:
        try:
            return json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    return await asyncio.to_thread(read)


class FileStream(Response):
    """A file sent in chunks read on a worker thread (the event loop never waits on disk)."""

    chunk_size = 256 * 1024

    def __init__(self, path: Path, media_type: str, etag: str, filename: str) -> None:
        self.path = path
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
        super().__init__(None, media_type=media_type, headers={
            "content-length": str(path.stat().st_size), "etag": f'"{etag}"',
            "content-disposition": f'inline; filename="{safe}"',
            "x-content-type-options": "nosniff", "cache-control": "private, max-age=0"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code,
                    "headers": self.raw_headers})
        if scope.get("method") == "HEAD":
            await send({"type": "http.response.body", "body": b""})
            return
        with self.path.open("rb") as fh:
            while True:
                chunk = await asyncio.to_thread(fh.read, self.chunk_size)
                more = len(chunk) == self.chunk_size
                await send({"type": "http.response.body", "body": chunk, "more_body": more})
                if not more:
                    return
