"""Firefly storage uploads and the fill-async / expand-async jobs, under /firefly, with real
effects (edits.py): fill repaints the mask's white area (black with `invert`), expand puts
the image at its inset on a larger rendered canvas. Jobs are polled at /v3/status/{jobId}
like generate-async's (firefly.py)."""

from __future__ import annotations

import json
import random
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import edits
from .edits import edit_output
from .gateway import Dialect, origin, provider_route
from .jobs import Job
from .state import SandboxState

PROVIDER = "firefly"
UPLOAD_TYPES = ("image/png", "image/jpeg", "image/webp")
MAX_SIDE = 3999


class EditInputError(Exception):
    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


def routes(state: SandboxState, dialect: Dialect, uploads: dict[str, bytes]) -> list[Route]:
    async def upload(request: Request, body: bytes) -> Response:
        kind = (request.headers.get("content-type") or "").split(";")[0].strip()
        if kind not in UPLOAD_TYPES:
            return JSONResponse({"error_code": "invalid_content_type",
                                 "message": f"Content-Type must be one of {UPLOAD_TYPES}"},
                                status_code=415)
        try:
            edits.open_image(body)
        except edits.EditError as exc:
            return JSONResponse({"error_code": "validation_error", "message": str(exc)},
                                status_code=400)
        upload_id = str(uuid.uuid4())
        uploads[upload_id] = body
        return JSONResponse({"images": [{"id": upload_id}]})

    async def edit(request: Request, body: bytes) -> Response:
        action = request.path_params["action"]
        try:
            payload = json.loads(body) if body else None
            job = _job(state, action, payload, uploads)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return JSONResponse({"error_code": "bad_request",
                                 "message": "Request body is not valid JSON"}, status_code=400)
        except EditInputError as exc:
            return JSONResponse({"error_code": "validation_error",
                                 "message": "Request validation failed",
                                 "validation_errors": [{"path": exc.path,
                                                        "message": str(exc)}]},
                                status_code=400)
        state.jobs.add(job)
        base = f"{origin(request)}/{PROVIDER}/v3"
        return JSONResponse({"jobId": job.id, "statusUrl": f"{base}/status/{job.id}",
                             "cancelUrl": f"{base}/cancel/{job.id}"}, status_code=202)

    return [
        provider_route(state, dialect, "/v2/storage/image", upload, ["POST"]),
        provider_route(state, dialect, "/v3/images/{action:str}", edit, ["POST"]),
    ]


def _upload(payload: dict[str, Any], name: str, uploads: dict[str, bytes]) -> bytes:
    part = payload.get(name)
    source = part.get("source") if isinstance(part, dict) else None
    upload_id = source.get("uploadId") if isinstance(source, dict) else None
    if not isinstance(upload_id, str) or upload_id not in uploads:
        raise EditInputError("must be {source: {uploadId}} of an uploaded image", name)
    return uploads[upload_id]


def _job(state: SandboxState, action: str, payload: Any, uploads: dict[str, bytes]) -> Job:
    if action not in ("fill-async", "expand-async"):
        raise EditInputError(f"unknown endpoint /v3/images/{action}", "path")
    if not isinstance(payload, dict):
        raise EditInputError("expected a JSON object", "body")
    image = _upload(payload, "image", uploads)
    width, height = edits.open_image(image).size
    prompt = payload.get("prompt") or ""
    if not isinstance(prompt, str) or len(prompt) > 1024:
        raise EditInputError("must be a string of at most 1024 characters", "prompt")
    variations = payload.get("numVariations", 1)
    if not isinstance(variations, int) or isinstance(variations, bool) or \
            not 1 <= variations <= 4:
        raise EditInputError("must be an integer between 1 and 4", "numVariations")
    seeds = payload.get("seeds") or [random.randrange(0, 2**31) for _ in range(variations)]
    if not isinstance(seeds, list) or len(seeds) != variations:
        raise EditInputError("must be a list of integers, one per variation", "seeds")
    job_id = str(uuid.uuid4())
    if action == "fill-async":
        renders = _fill(payload, image, (width, height), prompt, seeds, uploads)
    else:
        renders, (width, height) = _expand(payload, image, (width, height), prompt, seeds)
    outputs = tuple(edit_output(f"{job_id}_{i}.png", "png", width, height, render)
                    for i, render in enumerate(renders))
    timing = state.timing()
    return Job(PROVIDER, action, created_at=state.clock.now(),
               queue_seconds=timing.queue_seconds, run_seconds=timing.run_seconds,
               outputs=outputs, log_steps=state.config.log_lines, id=job_id,
               meta={"seeds": seeds, "size": {"width": width, "height": height},
                     "contentClass": None})


def _fill(payload: dict[str, Any], image: bytes, size: tuple[int, int], prompt: str,
          seeds: list[int], uploads: dict[str, bytes]) -> list[Any]:
    mask = _upload(payload, "mask", uploads)
    if edits.open_image(mask).size != size:
        raise EditInputError(f"the mask must be {size[0]}x{size[1]} like the image", "mask")
    if payload["mask"].get("invert"):
        inverted = edits.open_image(mask).convert("L").point(lambda v: 255 - v)
        mask = edits.encode(inverted)
    return [lambda s=seed: edits.inpaint(image, mask, prompt, s) for seed in seeds]


def _expand(payload: dict[str, Any], image: bytes, size: tuple[int, int], prompt: str,
            seeds: list[int]) -> tuple[list[Any], tuple[int, int]]:
    wanted = payload.get("size") or {"width": 2048, "height": 2048}
    width, height = wanted.get("width"), wanted.get("height")
    if not (isinstance(width, int) and isinstance(height, int)
            and 1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
        raise EditInputError(f"width and height must be 1 to {MAX_SIDE}", "size")
    inset = (payload.get("placement") or {}).get("inset")
    if isinstance(inset, dict):
        box = (inset.get("left", 0), inset.get("top", 0), width - inset.get("right", 0),
               height - inset.get("bottom", 0))
    else:  # centred at its own size
        left, top = (width - size[0]) // 2, (height - size[1]) // 2
        box = (left, top, left + size[0], top + size[1])
    if not (0 <= box[0] < box[2] <= width and 0 <= box[1] < box[3] <= height):
        raise EditInputError("the inset leaves no room for the image", "placement.inset")
    return [lambda s=seed: edits.place(image, width, height, box, prompt, s)
            for seed in seeds], (width, height)
