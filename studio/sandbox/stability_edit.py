"""Stability v2beta edit and upscale endpoints under /stability, with real effects (edits.py):
inpaint, outpaint, remove-background, upscale fast (4x), conservative (to 4 MP),
creative (asynchronous: `{"id"}` now, `GET /v2beta/results/{id}` answers 202 until done).
"""

from __future__ import annotations

import asyncio
import base64
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import edits
from .formdata import FormData, FormDataError, is_multipart, parse_form
from .gateway import Dialect, provider_route
from .jobs import Job, Phase
from .render import content_type_for
from .state import SandboxState

PROVIDER = "stability"
MAX_SEED = 4294967294
FOUR_MEGAPIXELS = 4 * 1024 * 1024
CREDITS = {"edit/inpaint": 5.0, "edit/outpaint": 4.0, "edit/remove-background": 5.0,
           "upscale/fast": 2.0, "upscale/conservative": 40.0, "upscale/creative": 60.0}
# Stability's fast upscaler takes 1,024 to 1,048,576 input pixels.
FAST_PIXELS = (1024, 1024 * 1024)


@dataclass
class EditRequest:
    path: str
    form: FormData
    image: bytes
    errors: list[str] = field(default_factory=list)

    def text(self, name: str, default: str = "") -> str:
        return self.form.fields.get(name, default)

    def number(self, name: str, default: float, low: float, high: float) -> float:
        raw = self.form.fields.get(name)
        try:
            value = default if raw is None else float(raw)
        except ValueError:
            value = float("nan")  # fails the range check below
        if not low <= value <= high:
            self.errors.append(f"{name}: must be a number between {low:g} and {high:g}")
            return default
        return value

    def seed(self) -> int:
        raw = self.text("seed", "0")
        value = int(raw) if raw.isdigit() else -1
        if not 0 <= value <= MAX_SEED:
            self.errors.append(f"seed: must be an integer between 0 and {MAX_SEED}")
        return value or random.randint(1, MAX_SEED)  # 0: Stability picks and reports one

    def output_format(self, allowed: tuple[str, ...] = ("png", "jpeg", "webp")) -> str:
        fmt = self.text("output_format", "png")
        if fmt not in allowed:
            self.errors.append(f"output_format: must be one of {', '.join(allowed)}")
        return fmt if fmt in allowed else "png"


Render = Callable[[], bytes]


def _plan(req: EditRequest) -> tuple[Render, str, int]:
    """(how to render, the output format, the seed) or errors recorded on `req`."""
    path, fields = req.path, req.form.fields
    if path in ("edit/inpaint", "upscale/conservative", "upscale/creative") and not \
            fields.get("prompt", "").strip():
        req.errors.append("prompt: is required")
    if path == "edit/remove-background":
        fmt = req.output_format(("png", "webp"))
        return (lambda: edits.remove_background(req.image, fmt=fmt)), fmt, 0
    fmt, seed, prompt = req.output_format(), req.seed(), req.text("prompt")
    if path == "edit/inpaint":
        grow = int(req.number("grow_mask", 5, 0, 100))
        mask = req.form.file("mask")
        mask_data = mask.data if mask else None
        return (lambda: edits.inpaint(req.image, mask_data, prompt, seed, grow=grow,
                                      fmt=fmt)), fmt, seed
    if path == "edit/outpaint":
        left, right, up, down = (int(req.number(s, 0, 0, 2000))
                                 for s in ("left", "right", "up", "down"))
        req.number("creativity", 0.5, 0, 1)
        if not (left or right or up or down):
            req.errors.append("left, right, up, down: at least one must be greater than 0")
        return (lambda: edits.outpaint(req.image, left, right, up, down, prompt, seed,
                                       fmt=fmt)), fmt, seed
    if path == "upscale/fast":
        return (lambda: edits.upscale(req.image, 4, fmt=fmt)), fmt, 0
    low = 0.2 if path == "upscale/conservative" else 0.1
    req.number("creativity", 0.35, low, 0.5)
    return (lambda: edits.upscale(req.image, 4, max_pixels=FOUR_MEGAPIXELS, fmt=fmt)), fmt, seed


def _check_image(req: EditRequest) -> None:
    try:
        image = edits.open_image(req.image)
    except edits.EditError as exc:
        req.errors.append(str(exc))
        return
    pixels = image.width * image.height
    if req.path == "upscale/fast" and not FAST_PIXELS[0] <= pixels <= FAST_PIXELS[1]:
        req.errors.append(f"image: the fast upscaler takes {FAST_PIXELS[0]:,} to "
                          f"{FAST_PIXELS[1]:,} pixels; this one has {pixels:,}")
    mask = req.form.file("mask")
    if mask is not None:
        try:
            size = edits.open_image(mask.data, "mask").size
        except edits.EditError as exc:
            req.errors.append(str(exc))
            return
        if size != image.size:
            req.errors.append(f"mask: must match the image's size ({image.width}x"
                              f"{image.height}), got {size[0]}x{size[1]}")


def _bad_request(errors: list[str]) -> Response:
    return JSONResponse({"id": uuid.uuid4().hex, "name": "bad_request", "errors": errors},
                        status_code=400)


def _image_answer(data: bytes, fmt: str, seed: int, accept: str | None,
                  reason: str = "SUCCESS", key: str = "image") -> Response:
    if accept and "application/json" in accept and "image/" not in accept:
        return JSONResponse({key: base64.b64encode(data).decode("ascii"),
                             "finish_reason": reason, "seed": seed})
    return Response(data, media_type=content_type_for(fmt),
                    headers={"finish-reason": reason, "seed": str(seed)})


def routes(state: SandboxState, dialect: Dialect) -> list[Route]:
    async def edit(request: Request, body: bytes) -> Response:
        path = f"{request.path_params['group']}/{request.path_params['name']}"
        if path not in CREDITS:
            return dialect.error(404, f"Unknown endpoint stable-image/{path}")
        content_type = request.headers.get("content-type") or ""
        if not is_multipart(content_type):
            return dialect.error(400, "content-type: must be multipart/form-data")
        try:
            form = parse_form(body, content_type)
        except FormDataError as exc:
            return dialect.error(400, f"body: {exc}")
        part = form.file("image")
        if part is None:
            return _bad_request(["image: is required"])
        req = EditRequest(path, form, part.data)
        _check_image(req)
        render, fmt, seed = _plan(req)
        if req.errors:
            return _bad_request(req.errors)
        if state.ledger.stability < CREDITS[path]:
            return dialect.error(402, "You lack sufficient credits to make this request.")
        fault = state.faults.take("fail_next", PROVIDER)
        if fault is not None:
            status = fault.options.get("status") or 500
            return dialect.error(status, fault.options.get("message", "Sandbox: edit failed "
                                                                      "(fault)"))
        state.ledger.charge_stability(CREDITS[path])
        if path == "upscale/creative":
            return _start_creative(state, render, fmt, seed)
        await asyncio.sleep(min(state.timing().run_seconds, state.config.max_sync_delay))
        try:
            data = await run_in_threadpool(render)
        except edits.EditError as exc:
            return _bad_request([str(exc)])
        return _image_answer(data, fmt, seed, request.headers.get("accept"))

    async def result(request: Request, body: bytes) -> Response:
        job = state.jobs.get(request.path_params["result_id"], PROVIDER)
        if job is None:
            return dialect.error(404, "No generation found for the provided ID")
        phase = job.phase(state.clock.now())
        if phase is not Phase.SUCCEEDED:
            return JSONResponse({"id": job.id, "status": "in-progress"}, status_code=202)
        stored = state.files.register(f"stability-{job.id}.{job.meta['fmt']}",
                                      content_type_for(job.meta["fmt"]), job.meta["render"],
                                      PROVIDER)
        data = await state.files.render(stored)
        return _image_answer(data, job.meta["fmt"], job.meta["seed"],
                             request.headers.get("accept"), key="result")

    return [
        provider_route(state, dialect, "/v2beta/stable-image/{group:str}/{name:str}", edit,
                       ["POST"], is_poll=True),
        provider_route(state, dialect, "/v2beta/results/{result_id}", result, ["GET"],
                       is_poll=True),
    ]


def _start_creative(state: SandboxState, render: Render, fmt: str, seed: int) -> Response:
    timing = state.timing()
    job = Job(PROVIDER, "upscale/creative", created_at=state.clock.now(),
              queue_seconds=timing.queue_seconds, run_seconds=timing.run_seconds,
              meta={"render": render, "fmt": fmt, "seed": seed},
              id=uuid.uuid4().hex + uuid.uuid4().hex)  # Stability's ids are 64 characters
    state.jobs.add(job)
    return JSONResponse({"id": job.id})
