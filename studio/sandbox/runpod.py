"""RunPod Serverless under /runpod (stands in for https://api.runpod.ai/v2).

Both `/runpod/{endpoint_id}/run` and `/runpod/run` work: the second stands for a base URL
that already names the endpoint. A job: IN_QUEUE -> IN_PROGRESS -> COMPLETED | FAILED |
TIMED_OUT | CANCELLED. An input with a `workflow` acts as the ComfyUI worker (validates the
graph, answers {"images": [{"filename", "type": "base64", "data"}]}); any other input acts
as a custom worker that answers {"image_url": ...}. fail_next with code TIMED_OUT times out.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import random
from typing import Any

from PIL import Image, UnidentifiedImageError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import comfyui_nodes as nodes
from .gateway import Dialect, file_url, provider_route, unknown_route
from .jobs import Failure, Job, OutputSpec, Phase
from .keyframes import animate
from .sizes import cap_video
from .state import SandboxState

PROVIDER = "runpod"
DEFAULT_ENDPOINT = "sandbox-endpoint"
STATUS = {Phase.QUEUED: "IN_QUEUE", Phase.THROTTLED: "IN_QUEUE", Phase.RUNNING: "IN_PROGRESS",
          Phase.SUCCEEDED: "COMPLETED", Phase.FAILED: "FAILED", Phase.CANCELLED: "CANCELLED"}


def _error(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status)


def _authorize(request: Request) -> Response | None:
    value = request.headers.get("authorization", "")
    key = value.partition(" ")[2] if value.startswith("Bearer ") else value
    if not key.strip():
        return _error(401, "Unauthorized: send your RunPod API key as 'Authorization: Bearer ...'")
    return None


DIALECT = Dialect(PROVIDER, _authorize, _error)


def _decode_images(items: Any) -> tuple[dict[str, bytes], str | None]:
    """input.images ([{name, image: base64 or data URI}]) -> {name: bytes}, or an error."""
    images: dict[str, bytes] = {}
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            return {}, "each input image needs a name and base64 image data"
        data = str(item.get("image", ""))
        data = data.split(",", 1)[1] if data.startswith("data:") else data
        try:
            images[item["name"]] = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            return {}, f"Failed to upload image {item['name']}: not valid base64"
    if items is not None and not isinstance(items, list):
        return {}, "'images' must be a list of {name, image}"
    return images, None


def _size(data: bytes | None) -> tuple[int, int] | None:
    if data is None:
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (UnidentifiedImageError, OSError):
        return None


def _workflow_job(job: Job, payload: dict[str, Any], state: SandboxState) -> None:
    """The ComfyUI worker: check the graph and its images, plan the outputs."""
    images, problem = _decode_images(payload.get("images"))
    graph = payload.get("workflow")
    outputs, rejection = ([], None) if problem else nodes.validate(graph, set(images))
    if problem or rejection:
        detail = problem or json.dumps(rejection)
        job.failure = Failure("FAILED", f"Workflow validation failed: {detail}")
        return
    plan = nodes.plan(graph, outputs, lambda name: _size(images.get(name)))
    specs = []
    for index, saved in enumerate(o for o in plan.outputs if o.kind != "preview"):
        name = f"{job.id}-{index}"
        if saved.kind == "video":
            width, height = cap_video(plan.width, plan.height, state.config.max_video_side)
            fps = max(1, round(plan.fps))
            spec = OutputSpec(f"{name}.mp4", plan.prompt, plan.seed, width, height, "mp4",
                              (plan.frames or 1) / fps, fps)
            start = images.get(plan.start_upload) if plan.start_upload else None
            specs.append(animate(spec, state, start))
        else:
            specs.append(OutputSpec(f"{name}.png", plan.prompt, plan.seed, plan.width,
                                    plan.height, "png"))
    job.outputs = tuple(specs)
    job.meta["worker"] = "comfyui"


def _raw_job(job: Job, payload: dict[str, Any]) -> None:
    width, height = payload.get("width"), payload.get("height")
    size = (width, height) if isinstance(width, int) and isinstance(height, int) else (512, 512)
    seed = payload.get("seed") if isinstance(payload.get("seed"), int) else random.randrange(2**31)
    prompt = str(payload.get("prompt") or "custom worker")
    job.outputs = (OutputSpec(f"{job.id}.png", prompt, seed, *size, "png"),)
    job.meta["worker"] = "raw"


def routes(state: SandboxState) -> list[Route]:
    def endpoint_of(request: Request) -> str:
        return request.path_params.get("endpoint_id", DEFAULT_ENDPOINT)

    def find(request: Request) -> Job | None:
        job = state.jobs.get(request.path_params["job_id"], PROVIDER)
        return job if job is not None and job.route == endpoint_of(request) else None

    async def run(request: Request, body: bytes) -> Response:
        try:
            payload = json.loads(body) if body else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            return _error(400, "Request body is not valid JSON")
        if not isinstance(payload, dict) or not isinstance(payload.get("input"), dict):
            return _error(400, "The request body must be a JSON object with an 'input' object")
        timing = state.timing()
        job = Job(PROVIDER, endpoint_of(request), created_at=state.clock.now(),
                  queue_seconds=timing.queue_seconds, run_seconds=timing.run_seconds)
        worker_input = payload["input"]
        if "workflow" in worker_input:
            _workflow_job(job, worker_input, state)
        else:
            _raw_job(job, worker_input)
        fault = state.faults.take("fail_next", PROVIDER)
        if fault is not None and job.failure is None:
            job.failure = Failure(fault.options.get("code", "FAILED"),
                                  fault.options.get("message", "Worker crashed (sandbox fault)"))
        state.jobs.add(job)
        return JSONResponse({"id": job.id, "status": "IN_QUEUE"})

    async def status(request: Request, body: bytes) -> Response:
        job = find(request)
        if job is None:
            return _error(404, "job not found")
        now = state.clock.now()
        phase = job.phase(now)
        waited = min(now, job.run_starts_at) - job.created_at
        content: dict[str, Any] = {"id": job.id, "status": STATUS[phase],
                                   "delayTime": round(waited * 1000)}
        if phase is Phase.RUNNING:
            content["workerId"] = "sandbox-worker-1"
            content["output"] = f"{round(job.progress(now) * 100)}%"
        elif phase is Phase.SUCCEEDED:
            content.update(workerId="sandbox-worker-1",
                           executionTime=round(job.run_seconds * 1000),
                           output=await _output(request, job, state))
        elif phase is Phase.FAILED and job.failure is not None:
            if job.failure.code == "TIMED_OUT":
                content["status"] = "TIMED_OUT"
            content["error"] = job.failure.message
        return JSONResponse(content)

    async def cancel(request: Request, body: bytes) -> Response:
        job = find(request)
        if job is None:
            return _error(404, "job not found")
        now = state.clock.now()
        job.cancel(now)
        return JSONResponse({"id": job.id, "status": STATUS[job.phase(now)]})

    async def health(request: Request, body: bytes) -> Response:
        now = state.clock.now()
        phases = [j.phase(now) for j in state.jobs.all(PROVIDER) if j.route == endpoint_of(request)]
        count = phases.count
        running = count(Phase.RUNNING)
        return JSONResponse({
            "jobs": {"completed": count(Phase.SUCCEEDED), "failed": count(Phase.FAILED),
                     "inProgress": running, "inQueue": count(Phase.QUEUED) + count(
                         Phase.THROTTLED), "retried": 0},
            "workers": {"idle": 0 if running else 1, "initializing": 0, "ready": 1,
                        "running": running, "throttled": 0, "unhealthy": 0}})

    out: list[Route] = []
    for prefix in ("", "/{endpoint_id}"):
        out += [
            provider_route(state, DIALECT, f"{prefix}/run", run, ["POST"]),
            provider_route(state, DIALECT, f"{prefix}/status/{{job_id}}", status, ["GET"],
                           is_poll=True),
            provider_route(state, DIALECT, f"{prefix}/cancel/{{job_id}}", cancel, ["POST"]),
            provider_route(state, DIALECT, f"{prefix}/health", health, ["GET"]),
        ]
    return [*out, unknown_route(state, DIALECT, "See /{endpoint_id}/run, /status/{id}.")]


async def _output(request: Request, job: Job, state: SandboxState) -> dict[str, Any]:
    stored = job.register_outputs(state.files)
    if job.meta.get("worker") == "raw":
        await state.files.render(stored[0])
        return {"image_url": file_url(request, stored[0].name), "seed": job.outputs[0].seed}
    images, videos = [], []
    for spec, file in zip(job.outputs, stored, strict=True):
        data = base64.b64encode(await state.files.render(file)).decode()
        item = {"filename": f"ComfyUI_{file.name}", "type": "base64", "data": data}
        (videos if spec.is_video else images).append(item)
    return {"images": images, **({"videos": videos} if videos else {})}
