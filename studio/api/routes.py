"""The routes: thin handlers over the Studio service. Nothing here blocks the event loop
(large JSON and base64 decoding, file reads and writes run in worker threads), and no
route reads or changes settings or keys.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from studio.api import views
from studio.api.mask_input import resolve_mask
from studio.api.openapi import Operation
from studio.api.render import translate
from studio.api.schemas import (
    CatalogOut,
    GenerateResponse,
    HealthOut,
    ImageGenerateRequest,
    JobList,
    JobOut,
    JobsQuery,
    ProvenanceOut,
    VideoGenerateRequest,
)
from studio.api.uploads import TooManyPixels, decode_images, save_images
from studio.api.webhook_targets import WebhookRefused, check_target
from studio.api.webhooks import WebhookDispatcher
from studio.core import safe_json
from studio.core.compare.adapt import Target
from studio.core.jobs import Job, JobStatus
from studio.core.masks import MaskError
from studio.core.requests import FieldError, RequestError, field_errors
from studio.core.service import Studio
from studio.providers.base import Kind, Mode

_THREAD_JSON_BYTES = 256 * 1024
M = TypeVar("M", bound=BaseModel)
_NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


@dataclass
class ApiContext:
    studio: Studio
    webhooks: WebhookDispatcher
    max_body_bytes: int
    inputs_dir: Path
    openapi: dict[str, Any] | None = None


class ApiError(Exception):
    def __init__(self, status: int, message: str, fields: list[FieldError] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields or []


def _ctx(request: Request) -> ApiContext:
    return request.app.state.ctx


def reply(request: Request, data: Any, status: int = 200,
          headers: dict[str, str] | None = None) -> JSONResponse:
    """JSON, scrubbed by the studio's redactor on the way out (keys never leave)."""
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json", by_alias=True)
    clean = _ctx(request).studio.redactor.value(data)
    return JSONResponse(clean, status, headers={**_NO_STORE, **(headers or {})})


async def api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return reply(request, {"error": exc.message,
                           "fields": [{"field": f.field, "message": f.message}
                                      for f in exc.fields]}, exc.status,
                 headers={"Connection": "close"} if exc.status == 413 else None)


def invalid(errors: list[FieldError]) -> ApiError:
    return ApiError(422, "; ".join(str(e) for e in errors), errors)


def parse_targets(texts: list[str]) -> list[Target]:
    """A body's `targets` ("PROVIDER:MODEL" each), or a 422 naming every bad one."""
    targets, errors = [], []
    for i, text in enumerate(texts):
        try:
            targets.append(Target.parse(text))
        except ValueError as exc:
            errors.append(FieldError(f"targets.{i}", str(exc)))
    if errors:
        raise invalid(errors)
    return targets


def check_webhook(request: Request, url: str | None) -> None:
    """A body's `webhook`, if given, must be a target the settings allow (422 if not)."""
    if url:
        try:
            check_target(url, _ctx(request).webhooks.allow_list())
        except WebhookRefused as exc:
            raise invalid([FieldError("webhook", str(exc))]) from None


async def read_body(request: Request, model: type[M]) -> M:
    limit = _ctx(request).max_body_bytes
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"request bodies are limited to {limit // 2**20} MB")
        chunks.append(chunk)
    raw = b"".join(chunks)
    try:
        data = (safe_json.loads(raw) if len(raw) < _THREAD_JSON_BYTES
                else await asyncio.to_thread(safe_json.loads, raw))
    except safe_json.JsonTooDeep as exc:
        raise ApiError(400, f"the body is refused: {exc}") from None
    except ValueError:  # not JSON, not UTF-8
        raise ApiError(400, "the body is not valid JSON") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid(field_errors(exc)) from None


def _job_or_404(ctx: ApiContext, job_id: str):
    job = ctx.studio.store.get_job(job_id)
    if job is None:
        raise ApiError(404, f"no job {job_id!r}")
    return job


# ---- handlers ------------------------------------------------------------------------


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"}, headers=_NO_STORE)


async def openapi(request: Request) -> Response:
    return reply(request, _ctx(request).openapi)


async def catalog(request: Request, kind: Kind) -> Response:
    return reply(request, views.catalog(_ctx(request).studio, kind))


async def generate(request: Request, kind: Kind) -> Response:
    ctx = _ctx(request)
    model = VideoGenerateRequest if kind is Kind.VIDEO else ImageGenerateRequest
    body = await read_body(request, model)
    check_webhook(request, body.webhook)
    try:
        translated = translate(body, kind, ctx.studio.providers, [])
        images = (await asyncio.to_thread(decode_images, body.input_images)
                  if body.input_images else [])
        mask, created = await asyncio.to_thread(resolve_mask, ctx.studio, body.mask,
                                                ctx.inputs_dir)
    except TooManyPixels as exc:
        raise ApiError(413, "; ".join(str(e) for e in exc.errors), exc.errors) from None
    except RequestError as exc:
        raise invalid(exc.errors) from None
    paths, saved = await asyncio.to_thread(save_images, images, ctx.inputs_dir)
    created += saved
    render = translated.request.model_copy(update={"input_images": paths, "mask": mask})
    try:
        if mask is not None:  # a bad mask is refused before a data URI's is kept
            await asyncio.to_thread(ctx.studio.check, render)
        if mask is not None or render.mode is Mode.OUTPAINT:  # as the CLI's --mask
            render = await asyncio.to_thread(ctx.studio.iteration.prepare_request, render)
        job = await ctx.studio.submit(render)
    except BaseException as exc:  # whatever happened, the uploads of this call go
        await asyncio.shield(asyncio.to_thread(_remove, created))
        if isinstance(exc, RequestError):
            raise invalid(translated.api_errors(exc.errors)) from None
        if isinstance(exc, MaskError):  # a mask or outpaint canvas that cannot be used
            raise invalid([FieldError("mask", str(exc))]) from None
        if isinstance(exc, ValueError):  # e.g. a base URL in settings that is not allowed
            raise ApiError(400, str(exc)) from None
        raise
    if job.status is JobStatus.REFUSED:  # a spend budget said no: 402 with the figures
        return refused(request, ctx.studio, job)
    if body.webhook:
        ctx.webhooks.register(job.id, body.webhook)
    out = GenerateResponse(
        dry_run=job.dry_run, job_id=job.id, status=job.status.value,
        dry_run_reason=job.dry_run_reason or None, estimates=job.estimate or {},
        remote_id=job.remote_id, webhook=bool(body.webhook),
        links={"job": f"/api/jobs/{job.id}", "cancel": f"/api/jobs/{job.id}/cancel"})
    return reply(request, out, 201, headers={"Location": f"/api/jobs/{job.id}"})


def refused(request: Request, studio: Studio, job: Job) -> Response:
    refusal = studio.budget.refusal_of(job)
    data: dict[str, Any] = {"error": job.error or "refused by a spend budget",
                            "job_id": job.id, "fields": []}
    if refusal is not None:
        data.update(budget=refusal.budget.as_dict(), estimate_usd=refusal.estimate_usd,
                    left_usd=refusal.left_usd)
    return reply(request, data, 402, headers={"Location": f"/api/jobs/{job.id}"})


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


async def get_job(request: Request) -> Response:
    ctx = _ctx(request)
    job = _job_or_404(ctx, request.path_params["job_id"])
    return reply(request, views.job_out(ctx.studio, job, ctx.webhooks))


async def cancel_job(request: Request) -> Response:
    ctx = _ctx(request)
    job = _job_or_404(ctx, request.path_params["job_id"])
    if job.status.terminal:
        raise ApiError(409, f"job {job.id} has already ended ({job.status.value})")
    job = await ctx.studio.cancel(job.id)
    return reply(request, views.job_out(ctx.studio, job, ctx.webhooks))


async def list_jobs(request: Request) -> Response:
    ctx = _ctx(request)
    try:
        query = JobsQuery.model_validate(dict(request.query_params))
    except ValidationError as exc:
        raise invalid(field_errors(exc)) from None
    statuses = None
    if query.status:
        try:
            statuses = [JobStatus(s.strip()) for s in query.status.split(",")
                        if s.strip()] or None
        except ValueError:
            known = ", ".join(s.value for s in JobStatus)
            raise invalid([FieldError("status", f"unknown status; use {known}")]) from None
    return reply(request, views.job_page(ctx.studio, ctx.webhooks, statuses, query.limit,
                                         query.offset))


async def get_asset(request: Request) -> Response:
    ctx = _ctx(request)
    asset, path = views.asset_file(ctx.studio, request.path_params["asset_id"])
    if path is None:
        raise ApiError(404, f"no file for asset {request.path_params['asset_id']!r}")
    assert asset is not None
    return views.FileStream(path, asset.media_type, asset.sha256,
                            f"{asset.job_id}-{path.name}")


async def get_provenance(request: Request) -> Response:
    ctx = _ctx(request)
    record = await views.provenance(ctx.studio, request.path_params["asset_id"])
    if record is None:
        raise ApiError(404, f"no provenance for asset {request.path_params['asset_id']!r}")
    return reply(request, record)


async def docs(request: Request) -> Response:
    from studio.api.docs_page import PAGE

    return Response(PAGE, media_type="text/html", headers={
        **_NO_STORE, "Content-Security-Policy": "default-src 'self'; script-src 'unsafe-inline';"
        " style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'"})


OPERATIONS: list[Operation] = [
    Operation("GET", "/health", health, "Is the server up (no token needed; says nothing "
              "else)", HealthOut, auth=False, tag="meta"),
    Operation("GET", "/openapi.json", openapi, "This document", None, tag="meta"),
    Operation("GET", "/docs", docs, "Interactive documentation (HTML; asks for the token)",
              media_type="text/html", auth=False, tag="meta"),
    Operation("GET", "/api/providers/image/catalog", partial(catalog, kind=Kind.IMAGE),
              "Image providers: status, models, modes, prices, quotas", CatalogOut),
    Operation("GET", "/api/providers/video/catalog", partial(catalog, kind=Kind.VIDEO),
              "Video providers: status, models, modes, prices, quotas", CatalogOut),
    Operation("POST", "/api/providers/image/generate", partial(generate, kind=Kind.IMAGE),
              "Send (or dry-run) one image request", GenerateResponse, ImageGenerateRequest,
              status=201, errors=(400, 402, 413, 422)),
    Operation("POST", "/api/providers/video/generate", partial(generate, kind=Kind.VIDEO),
              "Send (or dry-run) one video request", GenerateResponse, VideoGenerateRequest,
              status=201, errors=(400, 402, 413, 422)),
    Operation("GET", "/api/jobs", list_jobs, "Jobs, newest first, paginated", JobList,
              query=JobsQuery, errors=(422,)),
    Operation("GET", "/api/jobs/{job_id}", get_job, "One job: status, progress, outputs, "
              "error", JobOut, errors=(404,)),
    Operation("POST", "/api/jobs/{job_id}/cancel", cancel_job, "Cancel a job (and tell the "
              "provider)", JobOut, errors=(404, 409)),
    Operation("GET", "/api/assets/{asset_id}", get_asset, "Download an output file",
              media_type="application/octet-stream", errors=(404,)),
    Operation("GET", "/api/assets/{asset_id}/provenance", get_provenance,
              "An output's provenance record", ProvenanceOut, errors=(404,)),
]
