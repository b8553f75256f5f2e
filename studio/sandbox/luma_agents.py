"""Luma Agents API under /luma_agents (stands in for https://agents.lumalabs.ai/v1).

Generations go queued -> processing -> completed | failed (`failure_code`,
`failure_reason`). Image references are checked as real base64 images. There is no cancel
and no balance endpoint. A `fail_next` fault's `code` becomes the failure_code. 10 s ray-3.2
clips are text-to-video only: start/end frames and loop are refused there, as the SDK says.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import random
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .gateway import Dialect, file_url, provider_route, unknown_route
from .jobs import Failure, Job, OutputSpec, Phase
from .keyframes import animate
from .sizes import ASPECT_SIZES, VIDEO_RESOLUTIONS, cap_video, parse_ratio, video_size
from .state import SandboxState

PROVIDER = "luma_agents"
MODELS = {"uni-1": ("image", "image_edit"), "uni-1-max": ("image", "image_edit"),
          "ray-3.2": ("video",)}
IMAGE_ASPECTS = ("3:1", "2:1", "21:9", "16:9", "4:3", "3:2", "1:1", "3:4", "2:3", "9:16",
                 "1:2", "1:3")
VIDEO_ASPECTS = ("9:16", "3:4", "1:1", "4:3", "16:9", "21:9")
DURATIONS = {"5s": 5.0, "10s": 10.0}
MAX_REFS = {"image": 9, "image_edit": 8, "video": 0}
MEDIA_TYPES = ("image/png", "image/jpeg", "image/webp")
STATE = {
    Phase.QUEUED: "queued",
    Phase.THROTTLED: "queued",
    Phase.RUNNING: "processing",
    Phase.SUCCEEDED: "completed",
    Phase.FAILED: "failed",
    Phase.CANCELLED: "failed",
}


def _error(status: int, message: str) -> Response:
    kind = {401: "authentication_error", 404: "not_found_error", 429: "rate_limit_error"}
    return JSONResponse({"error": {"type": kind.get(status, "invalid_request_error"),
                                   "message": message}}, status_code=status)


def _authorize(request: Request) -> Response | None:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme != "Bearer" or not key.strip():
        return _error(401, "Invalid API key")
    return None


DIALECT = Dialect(PROVIDER, _authorize, _error)


class AgentsInputError(Exception):
    pass


def image_size(aspect: str) -> tuple[int, int]:
    """About one megapixel in the aspect, multiples of 16 (Luma does not publish sizes)."""
    if aspect in ASPECT_SIZES:
        return ASPECT_SIZES[aspect]
    a, b = parse_ratio(aspect) or (1, 1)
    width = math.sqrt(1024 * 1024 * a / b)
    return round(width / 16) * 16, round(width * b / a / 16) * 16


def _ref(value: Any, where: str) -> None:
    if not isinstance(value, dict):
        raise AgentsInputError(f"{where}: expected an ImageRef object")
    given = [k for k in ("url", "data", "generation_id") if value.get(k)]
    if len(given) != 1:
        raise AgentsInputError(f"{where}: exactly one of url, data or generation_id is required")
    if given == ["data"]:
        if value.get("media_type") not in MEDIA_TYPES:
            raise AgentsInputError(f"{where}.media_type: must be one of {', '.join(MEDIA_TYPES)}")
        try:
            raw = base64.b64decode(value["data"], validate=True)
        except (binascii.Error, ValueError, TypeError):
            raise AgentsInputError(f"{where}.data: must be raw base64 (no data: prefix)") from None
        if not raw.startswith((b"\x89PNG", b"\xff\xd8\xff", b"RIFF")):
            raise AgentsInputError(f"{where}.data: is not a PNG, JPEG or WebP image")


def plan(body: Any, job_id: str, state: SandboxState) -> tuple[str, str, OutputSpec]:
    """Validate a create body; (model, type, the file it will produce)."""
    if not isinstance(body, dict):
        raise AgentsInputError("body: expected a JSON object")
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise AgentsInputError("prompt: is required")
    model = body.get("model", "uni-1")
    if model not in MODELS:
        raise AgentsInputError(f"model: must be one of {', '.join(MODELS)}, got {model!r}")
    kind = body.get("type", MODELS[model][0])
    if kind not in MODELS[model]:
        raise AgentsInputError(f"type: {model} supports {', '.join(MODELS[model])}, got {kind!r}")
    refs = body.get("image_ref") or []
    if not isinstance(refs, list) or len(refs) > MAX_REFS[kind]:
        raise AgentsInputError(f"image_ref: at most {MAX_REFS[kind]} references for {kind}")
    for i, ref in enumerate(refs):
        _ref(ref, f"image_ref.{i}")
    seed = random.randrange(0, 2**31)  # the API takes no seed
    if kind == "video":
        aspect = body.get("aspect_ratio", "16:9")
        if aspect not in VIDEO_ASPECTS:
            raise AgentsInputError(f"aspect_ratio: ray-3.2 supports {', '.join(VIDEO_ASPECTS)}")
        video = body.get("video") or {}
        if not isinstance(video, dict):
            raise AgentsInputError("video: expected an object")
        duration, resolution = video.get("duration", "5s"), video.get("resolution", "540p")
        if duration not in DURATIONS:
            raise AgentsInputError("video.duration: must be 5s or 10s")
        if resolution not in ("540p", "720p", "1080p"):
            raise AgentsInputError("video.resolution: must be 540p, 720p or 1080p")
        if not isinstance(video.get("loop", False), bool):
            raise AgentsInputError("video.loop: must be a boolean")
        if duration == "10s" and video.get("loop"):
            raise AgentsInputError("video.loop: not supported with duration=10s")
        for frame in ("start_frame", "end_frame"):
            if frame in video:
                if duration == "10s":
                    raise AgentsInputError(f"video.{frame}: 10s clips are text-to-video only")
                _ref(video[frame], f"video.{frame}")
        width, height = cap_video(*video_size(VIDEO_RESOLUTIONS[resolution], aspect),
                                  state.config.max_video_side)
        output = OutputSpec(f"{job_id}.mp4", prompt, seed, width, height, "mp4",
                            DURATIONS[duration], state.config.video_fps)
        return model, kind, animate(output, state, video.get("start_frame"),
                                    video.get("end_frame"), video)
    aspect = body.get("aspect_ratio", "1:1")
    if aspect not in IMAGE_ASPECTS:
        raise AgentsInputError(f"aspect_ratio: must be one of {', '.join(IMAGE_ASPECTS)}")
    if kind == "image_edit":
        if "source" not in body:
            raise AgentsInputError("source: image_edit needs the image to edit")
        _ref(body["source"], "source")
    fmt = body.get("output_format", "png")
    if fmt not in ("png", "jpeg"):
        raise AgentsInputError("output_format: must be png or jpeg")
    width, height = image_size(aspect)
    ext = "jpg" if fmt == "jpeg" else "png"
    return model, kind, OutputSpec(f"{job_id}.{ext}", prompt, seed, width, height, fmt)


def routes(state: SandboxState) -> list[Route]:
    async def create(request: Request, body: bytes) -> Response:
        try:
            payload = json.loads(body) if body else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            return _error(400, "Request body is not valid JSON")
        job_id = str(uuid.uuid4())
        try:
            model, kind, output = plan(payload, job_id, state)
        except AgentsInputError as exc:
            return _error(400, str(exc))
        timing = state.timing()
        job = Job(PROVIDER, model, created_at=state.clock.now(),
                  queue_seconds=timing.queue_seconds, run_seconds=timing.run_seconds,
                  outputs=(output,), log_steps=state.config.log_lines, id=job_id,
                  meta={"type": kind})
        fault = state.faults.take("fail_next", PROVIDER)
        if fault is not None:
            job.failure = Failure(fault.options.get("code", "generation_failed"),
                                  fault.options.get("message", "Sandbox: generation failed "
                                                               "(injected fault)"))
        state.jobs.add(job)
        return JSONResponse(await _generation(state, request, job), status_code=201)

    async def get_generation(request: Request, body: bytes) -> Response:
        job = state.jobs.get(request.path_params["generation_id"], PROVIDER)
        if job is None:
            return _error(404, "Generation not found")
        return JSONResponse(await _generation(state, request, job))

    return [
        provider_route(state, DIALECT, "/generations", create, ["POST"]),
        provider_route(state, DIALECT, "/generations/{generation_id}", get_generation, ["GET"],
                       is_poll=True),
        unknown_route(state, DIALECT, "See POST /generations and GET /generations/{id}."),
    ]


async def _generation(state: SandboxState, request: Request, job: Job) -> dict[str, Any]:
    phase = job.phase(state.clock.now())
    output: list[dict[str, str]] = []
    if phase is Phase.SUCCEEDED:
        [stored] = job.register_outputs(state.files)
        await state.files.render(stored)
        kind = "video" if job.outputs[0].is_video else "image"
        output = [{"type": kind, "url": file_url(request, stored.name)}]
    failed = phase is Phase.FAILED and job.failure is not None
    return {
        "id": job.id,
        "created_at": state.clock.iso(job.created_at),
        "model": job.route,
        "type": job.meta["type"],
        "state": STATE[phase],
        "failure_code": job.failure.code if failed and job.failure else None,
        "failure_reason": job.failure.message if failed and job.failure else None,
        "output": output,
    }
