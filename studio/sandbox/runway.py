"""Runway API under /runway (stands in for https://api.dev.runwayml.com)."""

from __future__ import annotations

import json
import random
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .gateway import Dialect, Handler, file_url, provider_route, unknown_route
from .jobs import Failure, Job, OutputSpec, Phase
from .keyframes import animate
from .runway_models import MODELS, TaskRequest, validate
from .sizes import cap_video
from .state import SandboxState

PROVIDER = "runway"
API_VERSION = "2024-11-06"
TASK_STATUS = {
    Phase.QUEUED: "PENDING",
    Phase.THROTTLED: "THROTTLED",
    Phase.RUNNING: "RUNNING",
    Phase.SUCCEEDED: "SUCCEEDED",
    Phase.FAILED: "FAILED",
    Phase.CANCELLED: "CANCELLED",
}


def _error(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status)


def _authorize(request: Request) -> Response | None:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme != "Bearer" or not key.strip():
        return _error(401, "Invalid API key")
    version = request.headers.get("x-runway-version")
    if version is None:
        return _error(400, f"The X-Runway-Version header is required (use {API_VERSION})")
    if version != API_VERSION:
        return _error(400, f"Unsupported API version {version!r}; use {API_VERSION}")
    return None


DIALECT = Dialect(PROVIDER, _authorize, _error)


def _outputs(task_id: str, task: TaskRequest, seed: int, state: SandboxState) -> OutputSpec:
    label = task.prompt or f"{task.model.name} image to video"
    if task.model.is_video:
        width, height = cap_video(task.width, task.height, state.config.max_video_side)
        name = f"{task_id}.mp4"
        if (width, height) != (task.width, task.height):
            name = f"{task_id}_requested-{task.width}x{task.height}.mp4"
        return OutputSpec(
            name, label, seed, width, height, "mp4", task.seconds, state.config.video_fps
        )
    return OutputSpec(f"{task_id}.png", label, seed, task.width, task.height, "png")


def charge_succeeded(state: SandboxState) -> None:
    """Take credits for every task that has succeeded and was not charged yet."""
    now = state.clock.now()
    for job in state.jobs.all(PROVIDER):
        if not job.charged and job.phase(now) is Phase.SUCCEEDED:
            job.charged = True
            state.ledger.charge_runway(job.meta["credits"])


def organization(state: SandboxState) -> dict[str, Any]:
    charge_succeeded(state)
    names = sorted({name for table in MODELS.values() for name in table})
    limits = {name: {"maxConcurrentGenerations": 2, "maxDailyGenerations": 200} for name in names}
    usage: dict[str, dict[str, int]] = {}
    for job in state.jobs.all(PROVIDER):
        usage.setdefault(job.route, {"dailyGenerations": 0})["dailyGenerations"] += 1
    return {
        "creditBalance": state.ledger.runway,
        "tier": {"maxMonthlyCreditSpend": 10000, "models": limits},
        "usage": {"models": usage},
    }


def routes(state: SandboxState) -> list[Route]:
    def create(kind: str) -> Handler:
        async def handler(request: Request, body: bytes) -> Response:
            try:
                payload = json.loads(body) if body else None
            except (UnicodeDecodeError, json.JSONDecodeError):
                return _error(400, "Request body is not valid JSON")
            task, issues = validate(kind, payload)
            if task is None:
                content = {"error": "Validation of body failed", "issues": issues}
                return JSONResponse(content, status_code=400)
            charge_succeeded(state)
            if state.ledger.runway < task.credits:
                return _error(400, "You do not have enough credits to run this task.")
            job = _start(state, task)
            job.outputs = tuple(_from_frames(o, payload, state) for o in job.outputs)
            return JSONResponse({"id": job.id})

        return handler

    async def get_task(request: Request, body: bytes) -> Response:
        job = state.jobs.get(request.path_params["task_id"], PROVIDER)
        if job is None:
            return _error(404, "Task not found")
        now = state.clock.now()
        phase = job.phase(now)
        content: dict[str, Any] = {
            "id": job.id,
            "createdAt": state.clock.iso(job.created_at),
            "status": TASK_STATUS[phase],
        }
        if phase is Phase.RUNNING:
            content["progress"] = round(job.progress(now), 3)
        elif phase is Phase.SUCCEEDED:
            for stored in job.register_outputs(state.files):
                await state.files.render(stored)
            charge_succeeded(state)
            content["output"] = [file_url(request, o.name) for o in job.outputs]
        elif phase is Phase.FAILED and job.failure:
            content.update(failure=job.failure.message, failureCode=job.failure.code)
        return JSONResponse(content)

    async def delete_task(request: Request, body: bytes) -> Response:
        job = state.jobs.get(request.path_params["task_id"], PROVIDER)
        if job is None:
            return _error(404, "Task not found")
        # Deleting a finished task also reads CANCELLED afterwards.
        job.cancel(state.clock.now(), even_if_finished=True)
        return Response(status_code=204)

    async def get_organization(request: Request, body: bytes) -> Response:
        return JSONResponse(organization(state))

    return [
        *(provider_route(state, DIALECT, f"/v1/{kind}", create(kind), ["POST"]) for kind in MODELS),
        provider_route(state, DIALECT, "/v1/tasks/{task_id}", get_task, ["GET"], is_poll=True),
        provider_route(state, DIALECT, "/v1/tasks/{task_id}", delete_task, ["DELETE"]),
        provider_route(state, DIALECT, "/v1/organization", get_organization, ["GET"]),
        unknown_route(state, DIALECT, "See /v1/{image_to_video,text_to_video,text_to_image}."),
    ]


def _start(state: SandboxState, task: TaskRequest) -> Job:
    timing = state.timing()
    job = Job(
        PROVIDER,
        task.model.name,
        created_at=state.clock.now(),
        queue_seconds=timing.queue_seconds,
        run_seconds=timing.run_seconds,
        log_steps=state.config.log_lines,
        meta={"credits": task.credits},
    )
    seed = task.seed if task.seed is not None else random.randrange(0, 2**32)
    job.outputs = (_outputs(job.id, task, seed, state),)
    throttle = state.faults.take("throttle_next", PROVIDER)
    if throttle is not None:
        default = max(timing.queue_seconds, 0.1)
        job.throttle_seconds = float(throttle.options.get("seconds", default))
    fault = state.faults.take("fail_next", PROVIDER)
    if fault is not None:
        job.failure = Failure(
            fault.options.get("code", "INTERNAL"),
            fault.options.get("message", "An unexpected error occurred (sandbox fault)."),
        )
    return state.jobs.add(job)


def _from_frames(spec: OutputSpec, body: Any, state: SandboxState) -> OutputSpec:
    """promptImage: a URI (the first frame) or [{uri, position: first|last}]."""
    image = body.get("promptImage") if isinstance(body, dict) else None
    if isinstance(image, list):
        by = {i.get("position"): i.get("uri") for i in image if isinstance(i, dict)}
        return animate(spec, state, by.get("first"), by.get("last"), body)
    return animate(spec, state, image, None, body)
