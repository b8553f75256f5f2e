"""fal edit endpoints in the sandbox: FLUX Fill / inpainting (image_url + mask_url), the
Clarity upscaler and BiRefNet background removal, with real effects (edits.py).

Input images are data URIs or URLs this sandbox serves (fal storage uploads and other
/files/..., the S3 stand-in); anything else is fal's 422 "could not download".
"""

from __future__ import annotations

import base64
import binascii
import random
import re
from typing import Any
from urllib.parse import unquote, urlsplit

from . import edits
from .edits import edit_output
from .fal_inputs import FalInputError, FalPlan
from .state import SandboxState

FILLS = ("fal-ai/flux-pro/v1/fill", "fal-ai/flux-lora/inpainting")
UPSCALERS = ("fal-ai/clarity-upscaler",)
CUTOUTS = ("fal-ai/birefnet", "fal-ai/birefnet/v2")
EDIT_ENDPOINTS = (*FILLS, *UPSCALERS, *CUTOUTS)
_DATA_URI = re.compile(r"^data:[\w/.+-]+;base64,(?P<payload>.*)$", re.S)


def is_edit_endpoint(endpoint_id: str) -> bool:
    return endpoint_id in EDIT_ENDPOINTS


def fetch(state: SandboxState, field: str, value: Any) -> bytes:
    """The bytes behind a data URI or a URL this sandbox serves."""
    if not isinstance(value, str) or not value.strip():
        raise FalInputError(field, "field required", "value_error.missing")
    match = _DATA_URI.match(value)
    if match:
        try:
            return base64.b64decode(match.group("payload"), validate=True)
        except (binascii.Error, ValueError):
            raise FalInputError(field, "invalid base64 data URI", "value_error") from None
    path = unquote(urlsplit(value).path)
    name = path.rsplit("/files/", 1)[1] if "/files/" in path else None
    stored = state.files.get(name) if name else None
    if stored is not None:
        return stored.data()
    s3 = state.extensions.get("s3")
    if path.startswith("/s3/") and s3 is not None:
        bucket, _, key = path.removeprefix("/s3/").partition("/")
        found = getattr(s3, "items", {}).get((bucket, key))
        if found is not None:
            return found[0]
    raise FalInputError(field, f"Could not download the file from {value[:80]}",
                        "file_download_error")


def plan_edit(endpoint_id: str, body: Any, request_id: str, state: SandboxState) -> FalPlan:
    if not isinstance(body, dict):
        raise FalInputError("", "value is not a valid dict", "type_error.dict")
    image_data = fetch(state, "image_url", body.get("image_url"))
    try:
        image = edits.open_image(image_data)
    except edits.EditError as exc:
        raise FalInputError("image_url", str(exc), "value_error") from None
    seed = body.get("seed")
    seed = seed if isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0 else \
        random.randrange(0, 2**31)
    given = body.get("prompt")
    prompt = given if isinstance(given, str) else ""
    if endpoint_id in FILLS:
        return _fill_plan(body, state, request_id, image_data, image.size, prompt, seed)
    if endpoint_id in UPSCALERS:
        factor = body.get("upscale_factor", 2)
        if isinstance(factor, bool) or not isinstance(factor, int | float) or not 1 <= factor <= 4:
            raise FalInputError("upscale_factor", "ensure this value is between 1 and 4",
                                "value_error.number.not_in_range")
        size = (round(image.width * factor), round(image.height * factor))
        output = edit_output(f"{request_id}.png", "png", *size,
                            lambda: edits.upscale(image_data, factor))
        return FalPlan(prompt, seed, False, (output,), size, single=True)
    fmt = body.get("output_format", "png")
    if fmt not in ("png", "webp", "gif"):
        raise FalInputError("output_format", "value is not one of ['webp', 'png', 'gif']",
                            "type_error.enum")
    fmt = "png" if fmt == "gif" else fmt  # the sandbox cuts out as PNG or WebP only
    output = edit_output(f"{request_id}.{fmt}", fmt, *image.size,
                        lambda: edits.remove_background(image_data, fmt=fmt))
    return FalPlan("", seed, False, (output,), image.size, single=True)


def _fill_plan(body: dict[str, Any], state: SandboxState, request_id: str, image_data: bytes,
               size: tuple[int, int], prompt: str, seed: int) -> FalPlan:
    if not prompt.strip():
        raise FalInputError("prompt", "field required", "value_error.missing")
    mask_data = fetch(state, "mask_url", body.get("mask_url"))
    try:
        mask_size = edits.open_image(mask_data, "mask").size
    except edits.EditError as exc:
        raise FalInputError("mask_url", str(exc), "value_error") from None
    if mask_size != size:
        raise FalInputError("mask_url", f"Needs to match the dimensions of the input image "
                            f"({size[0]}x{size[1]}), got {mask_size[0]}x{mask_size[1]}",
                            "value_error")
    count = body.get("num_images", 1)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 4:
        raise FalInputError("num_images", "ensure this value is between 1 and 4",
                            "value_error.number.not_in_range")
    fmt = body.get("output_format") or "jpeg"
    if fmt not in ("jpeg", "png"):
        raise FalInputError("output_format", "value is not one of ['jpeg', 'png']",
                            "type_error.enum")
    ext = "jpg" if fmt == "jpeg" else fmt

    def renderer(index: int):
        return lambda: edits.inpaint(image_data, mask_data, prompt, seed + index, fmt=fmt)

    outputs = tuple(edit_output(f"{request_id}-{i}.{ext}", fmt, *size, renderer(i))
                    for i in range(count))
    return FalPlan(prompt, seed, False, outputs, size)
