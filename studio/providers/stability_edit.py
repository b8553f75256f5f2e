"""Stability AI v2beta edit and upscale endpoints: inpaint, outpaint, remove background,
fast / conservative / creative upscale. Merged into `stability.MODELS`; stability.py sends.

Field names, bounds and defaults are Stability's own, from the sources below (read
2026-12-06). Everything is multipart: `image` (and `mask`) as file parts, the rest as
fields. All answer synchronously with the image except `upscale/creative`, which answers
`{"id"}`; its result is `GET /v2beta/results/{id}` (HTTP 202 while it runs).

Sources:
- Stability-AI/ComfyUI-SAI_API `stability_api.py` @ 0018d4b (Stability's own node pack):
  endpoints, `grow_mask` 0..20 (default 5), outpaint `left/right/up/down` and `creativity`
  0..1 (default 0.5), conservative `creativity` 0.2..0.5 (0.35), remove-background
  `output_format` png/webp, creative upscale polled at `results/{id}`.
- comfyanonymous/ComfyUI `comfy_api_nodes/apis/stability.py` + `nodes_stability.py` (the
  Comfy-Org API nodes): creative `creativity` 0.1..0.5 (0.3) with `style_preset`, the
  results answer `{finish_reason, result|image, seed}`; fast upscale is 4x.
- Outpaint sides up to 2000 px each: Stability's API reference as quoted by the Roboflow
  and MCP wrappers (the SAI node caps them at 512; 2000 is the API's own limit).
Prices: Stability's credits (1 credit = $0.01) derived from a reseller's per-call list
(Locus MPP on clawmart.sh: Stability's credit price x 1.15, e.g. Ultra $0.092 = 8
credits); third-party, so always shown as estimates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field

from studio.providers.base import (
    Bill,
    Capabilities,
    FilePart,
    InputImage,
    Mode,
    ModelInfo,
    ParamsBase,
    PreparedCall,
    Price,
    PriceRule,
    PriceSource,
    RenderRequest,
    Role,
)

SAI_NODES = ("https://github.com/Stability-AI/ComfyUI-SAI_API/blob/"
             "0018d4b8338958f1e0729e27b74d3472b6355da5/stability_api.py")
RESELLER = PriceSource("https://clawmart.sh/l/hzyta9", "2026-12-06",
                       note="reseller per-call prices (Locus MPP) divided by their 1.15 markup "
                            "on Stability's $0.01 credit")
USD_PER_CREDIT = 0.01
Format = Literal["png", "jpeg", "webp"]
StylePreset = Literal[
    None, "3d-model", "analog-film", "anime", "cinematic", "comic-book", "digital-art",
    "enhance", "fantasy-art", "isometric", "line-art", "low-poly", "modeling-compound",
    "neon-punk", "origami", "photographic", "pixel-art", "tile-texture",
]


class InpaintParams(ParamsBase):
    grow_mask: int = Field(5, ge=0, le=20, description="Grow the mask's edges outward by this "
                                                       "many pixels (softens the seam)")
    output_format: Format = Field("png", description="File format")
    style_preset: StylePreset = Field(None, description="Guide the fill towards a style")


class OutpaintParams(ParamsBase):
    left: int = Field(0, ge=0, le=2000, description="Pixels to add on the left")
    right: int = Field(0, ge=0, le=2000, description="Pixels to add on the right")
    up: int = Field(0, ge=0, le=2000, description="Pixels to add on top")
    down: int = Field(0, ge=0, le=2000, description="Pixels to add at the bottom")
    creativity: float = Field(0.5, ge=0, le=1, description="How freely to invent the new area")
    output_format: Format = Field("png", description="File format")


class FastUpscaleParams(ParamsBase):
    output_format: Format = Field("png", description="File format")


class ConservativeUpscaleParams(ParamsBase):
    creativity: float = Field(0.35, ge=0.2, le=0.5, description="How much new detail to add")
    output_format: Format = Field("png", description="File format")


class CreativeUpscaleParams(ParamsBase):
    creativity: float = Field(0.3, ge=0.1, le=0.5, description="How much new detail to add")
    style_preset: StylePreset = Field(None, description="Guide the detail towards a style")
    output_format: Format = Field("png", description="File format")


class RemoveBackgroundParams(ParamsBase):
    output_format: Literal["png", "webp"] = Field("png", description="File format (both keep "
                                                                     "transparency)")


def _credits(credits: float, what: str) -> PriceRule:
    def price(_: Bill) -> Price:
        return Price(usd=credits * USD_PER_CREDIT, credits=credits, source=RESELLER,
                     basis=f"{credits:g} credits per {what} at $0.01/credit (from a reseller's "
                           "price list; unconfirmed)")
    return price


def _caps(*, seed: bool, negative: bool, prompt: Literal["required", "optional", "none"],
          mask: bool = False) -> Capabilities:
    return Capabilities(seed=seed, negative_prompt=negative, max_reference_images=1,
                        requires_image=True, mask=mask, prompt=prompt,
                        input_roles=(Role.INPUT,))


def _edit(model_id: str, name: str, mode: Mode, params: type[ParamsBase], credits: float,
          caps: Capabilities, description: str, path: str, *, asynchronous: bool = False
          ) -> ModelInfo:
    meta = {"path": path, **({"async": "yes"} if asynchronous else {})}
    return ModelInfo(model_id, name, (mode,), params, _credits(credits, "image"), caps,
                     description, meta, source=SAI_NODES)


EDIT_MODELS: dict[str, ModelInfo] = {m.id: m for m in [
    _edit("inpaint", "Inpaint", Mode.INPAINT, InpaintParams, 5,
          _caps(seed=True, negative=True, prompt="required", mask=True),
          "Repaint the masked area (white) from the prompt; without a mask the image's "
          "transparent pixels are repainted", "edit/inpaint"),
    _edit("outpaint", "Outpaint", Mode.OUTPAINT, OutpaintParams, 4,
          _caps(seed=True, negative=False, prompt="optional"),
          "Extend the image on any side (left/right/up/down pixels)", "edit/outpaint"),
    _edit("upscale-fast", "Fast Upscaler (4x)", Mode.UPSCALE, FastUpscaleParams, 2,
          _caps(seed=False, negative=False, prompt="none"),
          "4x the resolution in about a second, without changing the picture",
          "upscale/fast"),
    _edit("upscale-conservative", "Conservative Upscaler", Mode.UPSCALE,
          ConservativeUpscaleParams, 40, _caps(seed=True, negative=True, prompt="required"),
          "Up to 4 megapixels, keeping the picture as it is", "upscale/conservative"),
    _edit("upscale-creative", "Creative Upscaler", Mode.UPSCALE, CreativeUpscaleParams, 60,
          _caps(seed=True, negative=True, prompt="required"),
          "Up to 4 megapixels, inventing fine detail (asynchronous)", "upscale/creative",
          asynchronous=True),
    _edit("remove-background", "Remove Background", Mode.REMOVE_BACKGROUND,
          RemoveBackgroundParams, 5, _caps(seed=False, negative=False, prompt="none"),
          "Cut out the subject: a PNG/WebP with a transparent background",
          "edit/remove-background"),
]}


def form_value(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def build_edit(model: ModelInfo, request: RenderRequest, params: ParamsBase,
               images: Sequence[InputImage], base_url: str, key: str | None) -> PreparedCall:
    """The multipart request of an edit or upscale endpoint."""
    caps = model.capabilities
    form: dict[str, str] = {}
    if caps.prompt != "none" and (request.prompt.strip() or caps.prompt == "required"):
        form["prompt"] = request.prompt
    form.update({k: form_value(v) for k, v in params.model_dump(mode="json").items()
                 if v is not None})
    if caps.negative_prompt and request.negative_prompt:
        form["negative_prompt"] = request.negative_prompt
    if caps.seed and request.seed is not None:
        form["seed"] = str(request.seed)
    image = next(i for i in images if i.role is not Role.MASK)
    files = [FilePart("image", image.name, image.media_type, image.data)]
    mask = next((i for i in images if i.role is Role.MASK), None)
    if mask is not None:
        files.append(FilePart("mask", mask.name, mask.media_type, mask.data))
    return PreparedCall(
        method="POST",
        url=f"{base_url}/v2beta/stable-image/{model.metadata['path']}",
        headers={"Authorization": f"Bearer {key or ''}", "Accept": "image/*"},
        form=form, files=files)


def edit_problems(model: ModelInfo, params: ParamsBase) -> list[tuple[str, str]]:
    """Cross-field checks Stability would refuse."""
    if isinstance(params, OutpaintParams) and not (params.left or params.right or params.up
                                                   or params.down):
        return [("params.left", "outpaint needs at least one side: left, right, up or down")]
    return []
