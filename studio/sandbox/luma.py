"""Luma Dream Machine API under /luma (stands in for https://api.lumalabs.ai/dream-machine/v1).

Generations go queued -> dreaming -> completed | failed; DELETE removes one (a later GET is
404). `GET /credits` reports the balance in USD cents, charged when a generation completes.
Input images are URLs Luma fetches, as its API documents: https URLs, or what this sandbox
serves (its /files, where fal storage uploads land, and its /s3 objects), which must exist;
data URIs are refused.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .gateway import Dialect, file_url, origin, provider_route, unknown_route
from .jobs import Failure, Job, OutputSpec, Phase
from .keyframes import animate
from .sizes import ASPECT_SIZES, VIDEO_RESOLUTIONS, cap_video, video_size
from .state import SandboxState

PROVIDER = "luma"
VIDEO_MODELS = ("ray-2", "ray-flash-2", "ray-1-6")
IMAGE_MODELS = ("photon-1", "photon-flash-1")
ASPECTS = ("1:1", "16:9", "9:16", "4:3", "3:4", "21:9", "9:21")
RESOLUTIONS = ("540p", "720p", "1080p", "4k")
DURATIONS = {"5s": 5.0, "9s": 9.0}
MAX_REFS = 4
# Sandbox-only charges in cents (Luma publishes none): per second at 540p, per megapixel.
_CENTS_PER_SECOND = {"ray-2": 8.0, "ray-flash-2": 3.2, "ray-1-6": 8.0}
_CENTS_PER_MEGAPIXEL = {"photon-1": 32.0, "photon-flash-1": 8.0}
_RESOLUTION_FACTOR = {"540p": 1, "720p": 2, "1080p": 4, "4k": 16}
_ECHO_CHARS = 256
STATE = {
    Phase.QUEUED: "queued",
    Phase.THROTTLED: "queued",
    Phase.RUNNING: "dreaming",
    Phase.SUCCEEDED: "completed",
    Phase.FAILED: "failed",
    Phase.CANCELLED: "failed",  # only after DELETE, which also hides the generation
}


def _error(status: int, message: str) -> Response:
    return JSONResponse({"detail": message}, status_code=status)


def _authorize(request: Request) -> Response | None:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme != "Bearer" or not key.strip():
        return _error(401, "Invalid API key provided")
    return None


DIALECT = Dialect(PROVIDER, _authorize, _error)


class LumaInputError(Exception):
    pass


@dataclass(frozen=True)
class Generation:
    kind: str  # video or image
    model: str
    prompt: str
    output: OutputSpec
    cents: float


def _choice(body: dict[str, Any], field: str, options: tuple[str, ...], default: str) -> str:
    value = body.get(field, default)
    if value not in options:
        raise LumaInputError(f"{field}: must be one of {', '.join(options)}, got {value!r}")
    return value


@dataclass(frozen=True)
class Fetcher:
    """What Luma can fetch: https URLs, and the files of this sandbox (at its origin)."""

    origin: str
    state: SandboxState

    def check(self, value: Any, where: str) -> None:
        if not isinstance(value, str) or value.startswith("data:"):
            raise LumaInputError(f"{where}: must be a hosted image URL; Luma fetches input "
                                 "images and does not take data URIs")
        if value.startswith(f"{self.origin}/"):
            if not self._serves(value[len(self.origin):]):
                raise LumaInputError(f"{where}: could not fetch {value} (404)")
        elif not value.startswith("https://"):
            raise LumaInputError(f"{where}: must be an https URL")

    def _serves(self, path: str) -> bool:
        if path.startswith("/files/"):
            return self.state.files.get(path[len("/files/"):].split("?")[0]) is not None
        bucket = self.state.extensions.get("s3")
        return path.startswith("/s3/") and bucket is not None and bucket.has(path)  # type: ignore[attr-defined]


def _prompt(body: dict[str, Any], required: bool) -> str:
    prompt = body.get("prompt")
    if prompt is None and not required:
        return ""
    if not isinstance(prompt, str) or (required and not prompt.strip()):
        raise LumaInputError("prompt: is required and must be a non-empty string")
    return prompt


def _keyframes(value: Any, fetch: Fetcher) -> None:
    if value is None:
        return
    if not isinstance(value, dict) or not value or set(value) - {"frame0", "frame1"}:
        raise LumaInputError("keyframes: expected an object with frame0 and/or frame1")
    for name, frame in value.items():
        kind = frame.get("type") if isinstance(frame, dict) else None
        if kind == "image":
            fetch.check(frame.get("url"), f"keyframes.{name}.url")
        elif kind != "generation" or not isinstance(frame.get("id"), str):
            raise LumaInputError(f"keyframes.{name}: expected {{type: image, url}} or "
                                 "{type: generation, id}")


def _refs(body: dict[str, Any], field: str, fetch: Fetcher) -> int:
    refs = body.get(field)
    if refs is None:
        return 0
    if not isinstance(refs, list) or not 1 <= len(refs) <= MAX_REFS:
        raise LumaInputError(f"{field}: expected a list of 1 to {MAX_REFS} references")
    for i, ref in enumerate(refs):
        if not isinstance(ref, dict):
            raise LumaInputError(f"{field}.{i}: expected {{url, weight}}")
        fetch.check(ref.get("url"), f"{field}.{i}.url")
        weight = ref.get("weight", 0.85)
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 <= weight <= 1:
            raise LumaInputError(f"{field}.{i}.weight: must be a number between 0 and 1")
    return len(refs)


def plan(kind: str, body: Any, job_id: str, state: SandboxState,
         origin: str = "") -> Generation:
    """Validate a create body and describe the file it will produce."""
    if not isinstance(body, dict):
        raise LumaInputError("body: expected a JSON object")
    models = VIDEO_MODELS if kind == "video" else IMAGE_MODELS
    model = body.get("model")
    if model not in models:
        raise LumaInputError(f"model: must be one of {', '.join(models)}, got {model!r}")
    aspect = _choice(body, "aspect_ratio", ASPECTS, "16:9")
    seed = random.randrange(0, 2**31)  # Luma takes no seed
    if kind == "video":
        prompt = _prompt(body, required=not body.get("keyframes"))
        resolution = _choice(body, "resolution", RESOLUTIONS, "540p")
        duration = _choice(body, "duration", tuple(DURATIONS), "5s")
        if not isinstance(body.get("loop", False), bool):
            raise LumaInputError("loop: must be a boolean")
        _keyframes(body.get("keyframes"), Fetcher(origin, state))
        requested = video_size(VIDEO_RESOLUTIONS[resolution], aspect)
        width, height = cap_video(*requested, state.config.max_video_side)
        name = f"{job_id}.mp4"
        if (width, height) != requested:
            name = f"{job_id}_requested-{requested[0]}x{requested[1]}.mp4"
        seconds = DURATIONS[duration]
        output = OutputSpec(name, prompt or f"{model} keyframes", seed, width, height, "mp4",
                            seconds, state.config.video_fps)
        frames = body.get("keyframes") if isinstance(body, dict) else None
        frames = frames if isinstance(frames, dict) else {}
        output = animate(output, state, frames.get("frame0"), frames.get("frame1"), body)
        cents = _CENTS_PER_SECOND[model] * _RESOLUTION_FACTOR[resolution] * seconds
        return Generation(kind, model, prompt, output, cents)
    prompt = _prompt(body, required=True)
    fmt = _choice(body, "format", ("png", "jpg"), "png")
    _refs(body, "image_ref", Fetcher(origin, state))
    _refs(body, "style_ref", Fetcher(origin, state))
    width, height = ASPECT_SIZES[aspect]
    ext, fmt = ("jpg", "jpeg") if fmt == "jpg" else ("png", "png")
    output = OutputSpec(f"{job_id}.{ext}", prompt, seed, width, height, fmt)
    return Generation(kind, model, prompt, output, _CENTS_PER_MEGAPIXEL[model] * width * height
                      / 1_000_000)


def charge_completed(state: SandboxState) -> None:
    now = state.clock.now()
    for job in state.jobs.all(PROVIDER):
        if not job.charged and job.phase(now) is Phase.SUCCEEDED:
            job.charged = True
            state.ledger.charge_luma(job.meta["cents"])


def _echo(value: Any) -> Any:
    """The request as Luma echoes it, with long strings (data URIs) cut short."""
    if isinstance(value, str) and len(value) > _ECHO_CHARS:
        return f"{value[:64]}...<{len(value)} chars>"
    if isinstance(value, dict):
        return {k: _echo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_echo(v) for v in value]
    return value


def routes(state: SandboxState) -> list[Route]:
    def create(kind: str):
        async def handler(request: Request, body: bytes) -> Response:
            try:
                payload = json.loads(body) if body else None
            except (UnicodeDecodeError, json.JSONDecodeError):
                return _error(400, "Request body is not valid JSON")
            job_id = str(uuid.uuid4())
            try:
                generation = plan(kind, payload, job_id, state, origin(request))
            except LumaInputError as exc:
                return _error(400, str(exc))
            charge_completed(state)
            if state.ledger.luma < generation.cents:
                return _error(402, "Insufficient credits to create this generation")
            timing = state.timing()  # drawn only for accepted jobs, so jitter stays repeatable
            job = Job(PROVIDER, generation.model, created_at=state.clock.now(),
                      queue_seconds=timing.queue_seconds, run_seconds=timing.run_seconds,
                      outputs=(generation.output,), log_steps=state.config.log_lines, id=job_id,
                      meta={"kind": kind, "cents": generation.cents, "request": _echo(payload)})
            fault = state.faults.take("fail_next", PROVIDER)
            if fault is not None:
                job.failure = Failure(fault.options.get("code", "generation_failed"),
                                      fault.options.get("message", "Sandbox: generation failed "
                                                                   "(injected fault)"))
            state.jobs.add(job)
            return JSONResponse(await _generation(state, request, job), status_code=201)

        return handler

    def find(request: Request) -> Job | None:
        job = state.jobs.get(request.path_params["generation_id"], PROVIDER)
        return None if job is None or job.meta.get("deleted") else job

    async def get_generation(request: Request, body: bytes) -> Response:
        job = find(request)
        if job is None:
            return _error(404, "Generation not found")
        content = await _generation(state, request, job)
        charge_completed(state)
        return JSONResponse(content)

    async def delete_generation(request: Request, body: bytes) -> Response:
        job = find(request)
        if job is None:
            return _error(404, "Generation not found")
        # Deleting stops a generation that is still dreaming and hides it from then on.
        job.cancel(state.clock.now(), even_if_finished=True)
        job.meta["deleted"] = True
        return Response(status_code=204)

    async def credits(request: Request, body: bytes) -> Response:
        charge_completed(state)
        return JSONResponse({"credit_balance": state.ledger.luma})

    async def ping(request: Request, body: bytes) -> Response:
        return JSONResponse({"message": "pong"})

    by_id = "/generations/{generation_id}"
    return [
        provider_route(state, DIALECT, "/generations/video", create("video"), ["POST"]),
        provider_route(state, DIALECT, "/generations/image", create("image"), ["POST"]),
        provider_route(state, DIALECT, by_id, get_generation, ["GET"], is_poll=True),
        provider_route(state, DIALECT, by_id, delete_generation, ["DELETE"]),
        provider_route(state, DIALECT, "/credits", credits, ["GET"]),
        provider_route(state, DIALECT, "/ping", ping, ["GET"]),
        unknown_route(state, DIALECT, "See /generations/{video,image}, /generations/{id}, "
                                      "/credits."),
    ]


async def _generation(state: SandboxState, request: Request, job: Job) -> dict[str, Any]:
    phase = job.phase(state.clock.now())
    assets: dict[str, str] | None = None
    if phase is Phase.SUCCEEDED:
        [stored] = job.register_outputs(state.files)
        await state.files.render(stored)
        assets = {job.meta["kind"]: file_url(request, stored.name)}
    return {
        "id": job.id,
        "generation_type": job.meta["kind"],
        "state": STATE[phase],
        "failure_reason": job.failure.message if phase is Phase.FAILED and job.failure else None,
        "created_at": state.clock.iso(job.created_at),
        "assets": assets,
        "model": job.route,
        "request": job.meta["request"],
    }
