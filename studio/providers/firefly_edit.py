"""Adobe Firefly Services v3 fill-async (inpaint) and expand-async (outpaint). Merged into
`firefly.MODELS`; firefly.py signs in, submits and polls as for generate-async.

Firefly takes images by upload id: the image and the mask travel with the call as file
parts and `submit` first uploads each (`POST /v2/storage/image`, the raw bytes) and puts
the returned ids where the body holds a placeholder. Dry-runs show the placeholders.

Sources (read 2026-12-06): AdobeDocs/ff-services-docs `generative_expand_async_v3.json`
@ 0a849ba (FillImageRequestV3: image.source, mask.source + invert, prompt, negativePrompt,
numVariations, seeds; ExpandImageRequestV3: image.source, size, placement.inset
{left, top, right, bottom}, prompt, numVariations, seeds; sizes up to 3999 px a side),
`concepts/masking` (white = the area Firefly may change), the fill tutorial (uploads via
/v2/storage/image -> {"images": [{"id"}]}). UNCONFIRMED: whether fill keeps the input's
size when `size` is left out (this adapter leaves it out), and the model version fill and
expand run on (no x-model-version is sent). Entitlement: as for generate-async.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
from pydantic import Field

from studio.providers.base import (
    Capabilities,
    FilePart,
    InputImage,
    Mode,
    ModelInfo,
    ParamsBase,
    PreparedCall,
    ProviderError,
    RenderRequest,
    Role,
)
from studio.providers.http import parse_json, send

DOCS = ("https://github.com/AdobeDocs/ff-services-docs/blob/"
        "0a849ba25704f12ac8f9db0a75a67978708880dd/generative_expand_async_v3.json")
MAX_SIDE = 3999  # "The maximum size for the output images is 3999px by 3999px"
SEED_LIMIT = 4_294_967_295


class FillParams(ParamsBase):
    numVariations: int = Field(1, ge=1, le=4, description="Images per request")
    invertMask: bool = Field(False, description="Fill the black area of the mask instead "
                                                "of the white")


class ExpandParams(ParamsBase):
    left: int = Field(0, ge=0, le=MAX_SIDE, description="Pixels to add on the left")
    right: int = Field(0, ge=0, le=MAX_SIDE, description="Pixels to add on the right")
    up: int = Field(0, ge=0, le=MAX_SIDE, description="Pixels to add on top")
    down: int = Field(0, ge=0, le=MAX_SIDE, description="Pixels to add at the bottom")
    numVariations: int = Field(1, ge=1, le=4, description="Images per request")


def edit_models(price: Any) -> dict[str, ModelInfo]:
    """The fill and expand models, priced like Firefly's other models (`price`)."""
    def caps(mask: bool, prompt: Any) -> Capabilities:
        return Capabilities(seed=True, negative_prompt=mask, max_reference_images=1,
                            requires_image=True, mask=mask, mask_required=mask,
                            prompt=prompt, input_roles=(Role.INPUT,))

    return {m.id: m for m in [
        ModelInfo("firefly-fill", "Firefly Fill (generative fill)", (Mode.INPAINT,),
                  FillParams, price, caps(True, "optional"),
                  "Fill the white area of the mask (fill-async)", {"path": "fill-async"},
                  source=DOCS),
        ModelInfo("firefly-expand", "Firefly Expand (generative expand)", (Mode.OUTPAINT,),
                  ExpandParams, price, caps(False, "optional"),
                  "Extend the image on any side (expand-async)", {"path": "expand-async"},
                  source=DOCS),
    ]}


def placeholder(part: FilePart) -> str:
    return f"<Firefly upload of {part.filename}>"


def _source(part: FilePart) -> dict[str, Any]:
    return {"source": {"uploadId": placeholder(part)}}


def _part(image: InputImage, kind: str) -> FilePart:
    ext = {"image/jpeg": "jpg", "image/webp": "webp"}.get(image.media_type, "png")
    return FilePart(kind, f"{kind}-{image.sha256[:12]}.{ext}", image.media_type, image.data)


def build_edit(model: ModelInfo, request: RenderRequest, params: ParamsBase,
               images: Sequence[InputImage], base_url: str,
               headers: Mapping[str, str]) -> PreparedCall:
    image = next(i for i in images if i.role is not Role.MASK)
    mask = next((i for i in images if i.role is Role.MASK), None)
    files = [_part(image, "image")] + ([_part(mask, "mask")] if mask is not None else [])
    body: dict[str, Any] = {"image": _source(files[0])}
    if isinstance(params, FillParams):
        body["mask"] = {**_source(files[1]), "invert": params.invertMask}
    if request.prompt.strip():
        body["prompt"] = request.prompt
    if request.negative_prompt and model.capabilities.negative_prompt:
        body["negativePrompt"] = request.negative_prompt
    variations = params.numVariations  # type: ignore[attr-defined]
    body["numVariations"] = variations
    if request.seed is not None:
        body["seeds"] = [(request.seed + i) % SEED_LIMIT for i in range(variations)]
    if isinstance(params, ExpandParams):
        width = (image.width or 0) + params.left + params.right
        height = (image.height or 0) + params.up + params.down
        body["size"] = {"width": width, "height": height}
        body["placement"] = {"inset": {"left": params.left, "top": params.up,
                                       "right": params.right, "bottom": params.down}}
    return PreparedCall("POST", f"{base_url}/v3/images/{model.metadata['path']}",
                        dict(headers), json_body=body, files=files)


def edit_problems(params: ParamsBase, images: Sequence[InputImage]) -> list[tuple[str, str]]:
    if not isinstance(params, ExpandParams):
        return []
    if not (params.left or params.right or params.up or params.down):
        return [("params.left", "expand needs at least one side: left, right, up or down")]
    image = next((i for i in images if i.role is not Role.MASK), None)
    if image is not None and image.width and image.height:
        width = image.width + params.left + params.right
        height = image.height + params.up + params.down
        if max(width, height) > MAX_SIDE:
            return [("params.left", f"the expanded image would be {width}x{height}; Firefly "
                                    f"makes at most {MAX_SIDE} px a side")]
    return []


async def with_uploads(http: httpx.AsyncClient, call: PreparedCall, base_url: str,
                       headers: Mapping[str, str]) -> PreparedCall:
    """The call with each file part uploaded to Firefly storage and its id in the body."""
    body = copy.deepcopy(call.json_body)
    for part in call.files:
        response = await send(http, "POST", f"{base_url}/v2/storage/image", "Firefly upload",
                              content=part.data,
                              headers={**headers, "Content-Type": part.media_type})
        answer = parse_json(response, "Firefly upload")
        listed = answer.get("images") if isinstance(answer, dict) else None
        upload_id = listed[0].get("id") if isinstance(listed, list) and listed and \
            isinstance(listed[0], dict) else None
        if not isinstance(upload_id, str) or not upload_id:
            raise ProviderError("Firefly upload: the answer had no image id",
                                code="malformed_response", retryable=True)
        _put(body, placeholder(part), upload_id)
    return dataclasses.replace(call, json_body=body, files=())


def _put(value: Any, placeholder_text: str, upload_id: str) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if item == placeholder_text:
                value[key] = upload_id
            else:
                _put(item, placeholder_text, upload_id)
