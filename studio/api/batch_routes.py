"""/api/batches: rows of prompts (each with its seed, settings and input image) sent to one
or more models as ONE batch, the way `studio-cli batch` sends a list file; and a batch
read back with each job's status and outputs.

Every row is checked against every target before anything is sent (a bad row is a 422
naming `rows.<i>`, nothing sent); the live jobs are priced whole first (402, nothing sent);
then jobs go one after another, and a budget that refuses one stops the rest
(`stopped`, `not_sent`). Images are outputs (`asset:<id>`) or https URLs: the API never
reads a path on this computer. A `webhook` is registered for every job the batch sends.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from studio.api import views
from studio.api.openapi import Operation
from studio.api.routes import (
    ApiError,
    _ctx,
    check_webhook,
    invalid,
    parse_targets,
    read_body,
    reply,
)
from studio.api.spend_check import budget_refusal
from studio.core.batch_list import (
    MAX_ROWS,
    SEED_MAX,
    BatchList,
    BatchListError,
    BatchRow,
    BatchSender,
    plan_batch,
)
from studio.core.jobs import Job, JobStatus
from studio.core.requests import FieldError


class BatchRowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(max_length=10_000)
    negative_prompt: str | None = Field(None, max_length=10_000)
    seed: int | None = Field(None, ge=0, le=SEED_MAX)
    image: str | None = Field(None, max_length=4096, description="The input image: "
                              "asset:<id> or an https URL")
    parameters: dict[str, Any] = Field(default_factory=dict, description="Model settings; "
                                       "each applies to the targets that have it")


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "targets": ["fal:fal-ai/flux/schnell", "fal:fal-ai/flux/dev"],
        "rows": [{"prompt": "a cafe menu board", "seed": 7},
                 {"prompt": "a neon sign", "parameters": {"num_inference_steps": 4}}]}]})

    targets: list[str] = Field(min_length=1, max_length=10, description="PROVIDER:MODEL")
    rows: list[BatchRowIn] = Field(min_length=1, max_length=MAX_ROWS)
    webhook: str | None = Field(None, max_length=2048,
                                description="Called as each of the batch's jobs ends")


class BatchOut(BaseModel):
    """A batch: its jobs in order (row by row, each row to every target)."""

    model_config = ConfigDict(extra="allow")

    batch_id: str
    total: int
    sent: int
    not_sent: int = 0
    counts: dict[str, int]
    jobs: list[dict[str, Any]]
    stopped: str | None = None


def _rows(rows: list[BatchRowIn]) -> BatchList:
    errors = [FieldError(f"rows.{i}.image", "use asset:<id> or an https:// URL")
              for i, row in enumerate(rows)
              if row.image and not row.image.startswith(("asset:", "https://"))]
    if errors:
        raise invalid(errors)
    return BatchList([BatchRow(i + 1, row.prompt.strip(), row.negative_prompt or None,
                               row.seed, row.image, dict(row.parameters))
                      for i, row in enumerate(rows)], "api")


def _batch_out(request: Request, batch_id: str, jobs: list[Job], *, total: int | None = None,
               not_sent: int = 0, stopped: str = "") -> dict[str, Any]:
    ctx = _ctx(request)
    items = [views.job_out(ctx.studio, job, ctx.webhooks) for job in jobs]
    data: dict[str, Any] = {
        "batch_id": batch_id, "total": len(jobs) + not_sent if total is None else total,
        "sent": len(jobs), "not_sent": not_sent,
        "counts": dict(sorted(Counter(j.status.value for j in jobs).items())),
        "jobs": items, "links": {"self": f"/api/batches/{batch_id}"}}
    if stopped:
        data["stopped"] = stopped
    return data


async def create(request: Request) -> Response:
    body = await read_body(request, BatchIn)
    ctx = _ctx(request)
    check_webhook(request, body.webhook)
    targets = [(t.provider, t.model) for t in parse_targets(body.targets)]
    batch = _rows(body.rows)
    try:
        plan = plan_batch(ctx.studio, batch, targets)
    except BatchListError as exc:
        raise invalid([FieldError("targets", str(exc))]) from None
    if not plan.ok:
        raise invalid([FieldError(f"rows.{row.line - 1}", error)
                       for row in plan.rows for error in row.errors])
    stop = budget_refusal(request, plan.requests)
    if stop is not None:
        return stop
    sender = BatchSender(ctx.studio, plan)
    outcome = await sender.send()
    if body.webhook:
        for job in outcome.jobs:
            if job.status is not JobStatus.REFUSED:
                ctx.webhooks.register(job.id, body.webhook)
    jobs = [ctx.studio.store.get_job(j.id) or j for j in outcome.jobs]
    data = _batch_out(request, sender.batch_id, jobs, total=sender.total,
                      not_sent=outcome.not_sent, stopped=outcome.message)
    return reply(request, data, 202, headers={"Location": f"/api/batches/{sender.batch_id}"})


async def show(request: Request) -> Response:
    studio = _ctx(request).studio
    batch_id = request.path_params["batch_id"]
    jobs = [job for i in studio.batches.jobs(batch_id) if (job := studio.store.get_job(i))]
    if not jobs:
        raise ApiError(404, f"no batch {batch_id!r}")
    return reply(request, _batch_out(request, batch_id, jobs))


BATCH_OPERATIONS: list[Operation] = [
    Operation("POST", "/api/batches", create, "Send rows of prompts to one or more models as "
              "one batch (every row checked first; priced whole)", BatchOut, BatchIn,
              status=202, errors=(402, 413, 422), tag="batches"),
    Operation("GET", "/api/batches/{batch_id}", show, "One batch: its jobs in order, with "
              "status and outputs", BatchOut, errors=(404,), tag="batches"),
]
