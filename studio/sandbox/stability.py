"""Stability AI v2beta under /stability (stands in for https://api.stability.ai)."""

from __future__ import annotations

import asyncio
import base64
import io
import random
import uuid
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import stability_edit
from .formdata import FormData, FormDataError, is_multipart, parse_form
from .gateway import Dialect, provider_route, unknown_route
from .render import content_type_for, render_image
from .sizes import ASPECT_SIZES, STABILITY_ASPECTS
from .state import SandboxState

PROVIDER = "stability"
SERVICE_CREDITS = {"ultra": 8.0, "core": 3.0}
SD3_CREDITS = {"sd3.5-large": 6.5, "sd3.5-large-turbo": 4.0, "sd3.5-medium": 3.5}
FORMATS = {
    "ultra": ("png", "jpeg", "webp"),
    "core": ("png", "jpeg", "webp"),
    "sd3": ("png", "jpeg"),
}
STYLE_PRESETS = (
    "3d-model",
    "analog-film",
    "anime",
    "cinematic",
    "comic-book",
    "digital-art",
    "enhance",
    "fantasy-art",
    "isometric",
    "line-art",
    "low-poly",
    "modeling-compound",
    "neon-punk",
    "origami",
    "photographic",
    "pixel-art",
    "tile-texture",
)
MAX_SEED = 4294967294
_ERROR_NAMES = {
    400: "bad_request",
    401: "unauthorized",
    402: "payment_required",
    403: "forbidden",
    404: "not_found",
    413: "payload_too_large",
    422: "invalid_request",
    429: "rate_limit_exceeded",
    500: "internal_error",
    503: "service_unavailable",
}


def _error(status: int, message: str, name: str | None = None) -> Response:
    content = {
        "id": uuid.uuid4().hex,
        "name": name or _ERROR_NAMES.get(status, "error"),
        "errors": [message],
    }
    return JSONResponse(content, status_code=status)


def _authorize(request: Request) -> Response | None:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme != "Bearer" or not key.strip():
        return _error(401, "authorization: missing or invalid API key (expected 'Bearer sk-...')")
    return None


DIALECT = Dialect(PROVIDER, _authorize, _error)


@dataclass(frozen=True)
class Generation:
    prompt: str
    seed: int
    width: int
    height: int
    fmt: str
    credits: float


def _response_form(accept: str | None) -> str | None:
    """'image' or 'json' from the Accept header; None when it asks for anything else."""
    if accept is None:
        return "image"
    kinds = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    if any(
        kind == "image/*" or kind in {"image/png", "image/jpeg", "image/webp"} for kind in kinds
    ):
        return "image"
    if "application/json" in kinds:
        return "json"
    return None


def _validate(service: str, form: FormData) -> tuple[Generation | None, list[str]]:
    fields, errors = form.fields, []
    prompt = fields.get("prompt", "")
    if not prompt.strip():
        errors.append("prompt: is required")
    elif len(prompt) > 10000:
        errors.append("prompt: must be at most 10000 characters")
    aspect = fields.get("aspect_ratio", "1:1")
    if aspect not in STABILITY_ASPECTS:
        errors.append(f"aspect_ratio: must be one of {', '.join(STABILITY_ASPECTS)}")
    fmt = fields.get("output_format", "png")
    if fmt not in FORMATS[service]:
        errors.append(f"output_format: must be one of {', '.join(FORMATS[service])}")
    if "style_preset" in fields and fields["style_preset"] not in STYLE_PRESETS:
        errors.append("style_preset: is not a known preset")
    seed_text = fields.get("seed", "0")
    seed = int(seed_text) if seed_text.isdigit() else -1
    if not 0 <= seed <= MAX_SEED:
        errors.append(f"seed: must be an integer between 0 and {MAX_SEED}")
    credits = SERVICE_CREDITS.get(service, 0.0)
    mode = "image-to-image" if service == "ultra" and form.file("image") else "text-to-image"
    if service == "sd3":
        model = fields.get("model", "sd3.5-large")
        credits = SD3_CREDITS.get(model, 0.0)
        if model not in SD3_CREDITS:
            errors.append(f"model: must be one of {', '.join(SD3_CREDITS)}")
        mode = fields.get("mode", "text-to-image")
        if mode not in ("text-to-image", "image-to-image"):
            errors.append("mode: must be text-to-image or image-to-image")
    size = ASPECT_SIZES.get(aspect, (1024, 1024))
    if mode == "image-to-image":
        size = _image_to_image_size(form, errors)
    if errors:
        return None, errors
    # Like the real API, seed 0 means "pick one" and the chosen seed is reported back.
    seed = seed or random.randint(1, MAX_SEED)
    return Generation(prompt, seed, size[0], size[1], fmt, credits), errors


def _image_to_image_size(form: FormData, errors: list[str]) -> tuple[int, int]:
    part, strength = form.file("image"), form.fields.get("strength")
    try:
        if strength is None or not 0 <= float(strength) <= 1:
            errors.append("strength: is required for image-to-image and must be between 0 and 1")
    except ValueError:
        errors.append("strength: must be a number between 0 and 1")
    if part is None:
        errors.append("image: is required for image-to-image")
        return 1024, 1024
    try:
        with Image.open(io.BytesIO(part.data)) as image:
            return image.size
    except (UnidentifiedImageError, OSError):
        errors.append("image: could not be decoded as an image")
        return 1024, 1024


def routes(state: SandboxState) -> list[Route]:
    async def generate(request: Request, body: bytes) -> Response:
        service = request.path_params["service"]
        if service not in FORMATS:
            return _error(404, f"Unknown endpoint stable-image/generate/{service}")
        content_type = request.headers.get("content-type")
        if not is_multipart(content_type):
            return _error(400, "content-type: must be multipart/form-data")
        try:
            form = parse_form(body, content_type or "")
        except FormDataError as exc:
            return _error(400, f"body: {exc}")
        form_kind = _response_form(request.headers.get("accept"))
        if form_kind is None:
            return _error(400, "accept: must be image/* or application/json")
        generation, errors = _validate(service, form)
        if generation is None:
            return JSONResponse(
                {"id": uuid.uuid4().hex, "name": "bad_request", "errors": errors}, status_code=400
            )
        if state.ledger.stability < generation.credits:
            return _error(402, "You lack sufficient credits to make this request.")
        finish_reason = "SUCCESS"
        fault = state.faults.take("fail_next", PROVIDER)
        if fault is not None:
            code = fault.options.get("code", "internal_error")
            if code.upper() != "CONTENT_FILTERED":
                message = fault.options.get("message", "Sandbox: generation failed (fault)")
                status = fault.options.get("status") or (403 if "moderation" in code else 500)
                return _error(status, message, name=code)
            finish_reason = "CONTENT_FILTERED"
        await asyncio.sleep(min(state.timing().run_seconds, state.config.max_sync_delay))
        g = generation
        data = await run_in_threadpool(
            render_image,
            g.prompt,
            g.seed,
            g.width,
            g.height,
            g.fmt,
            blurred=finish_reason != "SUCCESS",
        )
        state.ledger.charge_stability(g.credits)
        if form_kind == "json":
            content = {
                "image": base64.b64encode(data).decode("ascii"),
                "finish_reason": finish_reason,
                "seed": g.seed,
            }
            return JSONResponse(content)
        headers = {"finish-reason": finish_reason, "seed": str(g.seed)}
        return Response(data, media_type=content_type_for(g.fmt), headers=headers)

    async def balance(request: Request, body: bytes) -> Response:
        return JSONResponse({"credits": state.ledger.stability})

    generate_path = "/v2beta/stable-image/generate/{service}"
    return [
        # The sync generate call is also the "poll", so server_errors faults apply to it.
        provider_route(state, DIALECT, generate_path, generate, ["POST"], is_poll=True),
        *stability_edit.routes(state, DIALECT),
        provider_route(state, DIALECT, "/v1/user/balance", balance, ["GET"]),
        unknown_route(state, DIALECT, "See /v2beta/stable-image/generate/{ultra,core,sd3}, "
                                      "/v2beta/stable-image/edit/*, upscale/*, "
                                      "/v2beta/results/{id}."),
    ]
