"""Luma Agents API (uni-1 images, ray-3.2 video): POST /generations, poll GET /generations/{id}.

Docs: https://docs.agents.lumalabs.ai/ . States: queued -> processing -> completed | failed
(with a `failure_code`). Input images travel as ImageRefs: `{url}` for https inputs and
hosted uploads, else inline raw base64 (`{data, media_type}`): for uni-1 as `image_ref` (or
the first one as the `source` of an image_edit), for ray-3.2 as the clip's start and end
frames. 10 s ray-3.2 clips are text-to-video only: no frames and no loop (SDK
`video_options_param.py` at 38837df: "loop ... not supported with duration=10s"; Luma's own
model page on Replicate: "10s clips support text-to-video only"). The SDK has no cancel and
no balance endpoint. Prices: uni-1 from Luma's price list (each reference image counts);
ray-3.2 from a third-party table (approximate).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any, Literal, get_args

import httpx
from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from studio.providers.base import (
    Bill,
    Capabilities,
    Failed,
    InputImage,
    KeySpec,
    Kind,
    Mode,
    ModelInfo,
    ParamsBase,
    Pending,
    PollHint,
    PollResult,
    PreparedCall,
    Price,
    PriceRule,
    PriceSource,
    Provider,
    ProviderContext,
    ProviderError,
    ProviderInfo,
    RemoteHandle,
    RemoteOutput,
    RenderRequest,
    Submitted,
    Succeeded,
    params_as,
)
from studio.providers.http import parse_json, send

ImageAspect = Literal["1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3", "21:9", "2:1", "1:2",
                      "3:1", "1:3"]
VideoAspect = Literal["16:9", "9:16", "1:1", "4:3", "3:4", "21:9"]
MAX_IMAGE_REFS = {"image": 9, "image_edit": 8}


class UniParams(ParamsBase):
    type: Literal["image", "image_edit"] = Field(
        "image", description="image: generate (input images are references); image_edit: "
                             "edit the first input image")
    aspect_ratio: ImageAspect = Field("1:1", description="Frame shape")
    output_format: Literal["png", "jpeg"] = Field("png", description="File format")
    style: Literal["auto", "manga"] = Field("auto", description="Rendering style")


class RayParams(ParamsBase):
    aspect_ratio: VideoAspect = Field("16:9", description="Frame shape")
    duration: Literal["5s", "10s"] = Field(
        "5s", description="Clip length (10 s: text-to-video only, no frames, no loop)")
    resolution: Literal["540p", "720p", "1080p"] = Field("540p", description="Output resolution")
    loop: bool = Field(False, description="End on the first frame so the clip loops (5 s only)")

    @field_validator("loop")
    @classmethod
    def _loop_is_five_seconds(cls, loop: bool, info: ValidationInfo) -> bool:
        if loop and info.data.get("duration") == "10s":
            raise PydanticCustomError(
                "ray_loop_duration", "loop is not supported for 10 s clips; choose 5 s or "
                                     "turn loop off")
        return loop


# ---- price rules ----------------------------------------------------------------------

LUMA_PRICING = PriceSource("https://docs.agents.lumalabs.ai/guides/pricing/", "2026-12-06",
                           first_party=True)
# Luma's own ray-3.2 table could not be read; Runware's lists it (fal resells at 2-3x).
RAY_THIRD_PARTY = PriceSource("https://runware.ai/docs/models/luma-ray3-2", "2026-12-06",
                              note="third-party reseller table")
PRICE_SOURCES = (LUMA_PRICING, RAY_THIRD_PARTY)
# (text to image, image edit or one reference image); each extra image adds UNI_EXTRA_REF_USD.
_UNI_USD = {"uni-1": (0.0404, 0.0434), "uni-1-max": (0.1000, 0.1030)}
UNI_EXTRA_REF_USD = 0.0030
RAY_USD_PER_5S = {"540p": 0.15, "720p": 0.30, "1080p": 1.20}


def _uni_price(model: str) -> PriceRule:
    plain, first = _UNI_USD[model]

    def price(bill: Bill) -> Price:
        p = params_as(bill.params, UniParams)
        # An image_edit's source takes one of the reference slots, priced the same way.
        images = len(bill.images)
        if images == 0:
            return Price(usd=plain, approximate=False, source=LUMA_PRICING,
                         basis=f"${plain}/image text-to-image (Luma price list)")
        usd = first + UNI_EXTRA_REF_USD * (images - 1)
        what = "edit" if p.type == "image_edit" else "image with references"
        # Luma's table shows the extra-reference step for uni-1; uni-1-max's is assumed equal.
        sure = model == "uni-1" or images == 1
        return Price(usd=usd, approximate=not sure, source=LUMA_PRICING,
                     basis=f"${first} for an {what} with 1 input image + ${UNI_EXTRA_REF_USD} "
                           f"x {images - 1} more (Luma price list)")
    return price


def _ray_price(bill: Bill) -> Price:
    p = params_as(bill.params, RayParams)
    blocks = int(p.duration.rstrip("s")) // 5
    rate = RAY_USD_PER_5S[p.resolution]
    return Price(usd=rate * blocks, source=RAY_THIRD_PARTY,
                 basis=f"~${rate} per 5 s block at {p.resolution} x {blocks} (third-party "
                       "table; Luma's own ray-3.2 price was not readable)")


_UNI_CAPS = Capabilities(seed=False, negative_prompt=False, max_reference_images=9,
                         sizes=get_args(ImageAspect))
_RAY_CAPS = Capabilities(seed=False, negative_prompt=False, max_reference_images=2,
                         sizes=get_args(VideoAspect), durations=(5, 10))

MODELS: dict[str, ModelInfo] = {
    m.id: m
    for m in [
        ModelInfo("uni-1", "Uni-1", (Mode.TXT2IMG, Mode.IMG2IMG), UniParams,
                  _uni_price("uni-1"), _UNI_CAPS,
                  "Luma's image model: up to 9 reference images, or edit one image"),
        ModelInfo("uni-1-max", "Uni-1 Max", (Mode.TXT2IMG, Mode.IMG2IMG), UniParams,
                  _uni_price("uni-1-max"), _UNI_CAPS, "Higher-quality Uni-1"),
        ModelInfo("ray-3.2", "Ray 3.2", (Mode.TXT2VIDEO, Mode.IMG2VIDEO), RayParams, _ray_price,
                  _RAY_CAPS, "Luma's video model; one image sets the start frame, a second "
                             "the end frame"),
    ]
}


def image_ref(image: InputImage) -> dict[str, str]:
    """An ImageRef: exactly one of url, data (+ media_type) or generation_id."""
    if image.url:
        return {"url": image.url}
    return {"data": base64.b64encode(image.data).decode(), "media_type": image.media_type}


# failure_code -> (what the user can do, retryable)
FAILURES: dict[str, tuple[str, bool]] = {
    "content_moderated": ("Luma's moderation refused the prompt or an input image; change "
                          "it", False),
    "generation_failed": ("the generation failed at Luma; retry", True),
    "budget_exhausted": ("the Luma Agents budget is used up: add credits or raise the budget "
                         "in Luma's dashboard", False),
    "output_not_found": ("Luma lost the output; retry", True),
    "image_too_large": ("an input image is too large for Luma; use a smaller one", False),
    "unsupported_format": ("an input image's format is not supported; use PNG or JPEG", False),
    "corrupt_input": ("an input image could not be read; re-export it", False),
    "invalid_request": ("Luma rejected the request", False),
    "rate_limited": ("rate limited by Luma; retry in a minute", True),
}


def failure_from(generation: dict[str, Any]) -> Failed:
    code = str(generation.get("failure_code") or "") or None
    reason = str(generation.get("failure_reason") or "").strip()
    text, retryable = FAILURES.get(code or "", ("", False))
    if not text:
        return Failed(f"Luma: {reason or 'the generation failed without a reason'}",
                      code=code or "generation_failed", raw=generation)
    said = f" (Luma: {reason})" if reason else ""
    return Failed(f"Luma: {text}{said}", code=code, retryable=retryable, raw=generation)


class LumaAgentsProvider(Provider):
    info = ProviderInfo(
        id="luma_agents",
        name="Luma Agents",
        kinds=(Kind.IMAGE, Kind.VIDEO),
        key=KeySpec(env=("LUMA_AGENTS_API_KEY",), keyring_entry="luma-agents"),
        docs_url="https://docs.agents.lumalabs.ai/",
        pricing_url="https://docs.agents.lumalabs.ai/guides/pricing/",
        default_base_url="https://agents.lumalabs.ai/v1",
        notes="Luma's 2026 API (uni-1, ray-3.2), separate from the Dream Machine API and its "
              "key. No cancel and no balance endpoint; ray-3.2 prices are third-party "
              "estimates.",
        sandbox="studio.sandbox.luma_agents:routes",
        price_sources=PRICE_SOURCES,
        former_ids=("luma-agents",),
    )
    models = MODELS
    poll_hint = PollHint(min_interval=1.0, max_interval=5.0)

    def _headers(self, ctx: ProviderContext) -> dict[str, str]:
        return {"Authorization": f"Bearer {ctx.key or ''}", "Accept": "application/json"}

    def check(
        self, request: RenderRequest, params: ParamsBase, images: Sequence[InputImage]
    ) -> list[tuple[str, str]]:
        given = len(request.input_images)
        if isinstance(params, UniParams):
            if params.type == "image_edit" and not given:
                return [("type", "image_edit needs an input image to edit")]
            limit = MAX_IMAGE_REFS[params.type] + (1 if params.type == "image_edit" else 0)
            if given > limit:
                return [("input_images", f"{params.type} takes at most {limit} input images")]
        if isinstance(params, RayParams) and params.duration == "10s" and request.input_images:
            return [("input_images", "ray-3.2 takes start/end frames only for 5 s clips (10 s "
                                     "clips are text-to-video only); choose 5 s or remove the "
                                     "images")]
        return []

    def build(
        self,
        request: RenderRequest,
        params: ParamsBase,
        images: Sequence[InputImage],
        ctx: ProviderContext,
    ) -> PreparedCall:
        model = self.model(request.model)
        body: dict[str, Any] = {"prompt": request.prompt, "model": model.id}
        if isinstance(params, UniParams):
            body.update(type=params.type, aspect_ratio=params.aspect_ratio,
                        output_format=params.output_format)
            if params.style != "auto":
                body["style"] = params.style
            refs = list(images)
            if params.type == "image_edit" and refs:
                body["source"] = image_ref(refs.pop(0))
            if refs:
                body["image_ref"] = [image_ref(i) for i in refs]
        elif isinstance(params, RayParams):
            video: dict[str, Any] = {"duration": params.duration,
                                     "resolution": params.resolution, "loop": params.loop}
            for name, image in zip(("start_frame", "end_frame"), images, strict=False):
                video[name] = image_ref(image)
            body.update(type="video", aspect_ratio=params.aspect_ratio, video=video)
        return PreparedCall(
            method="POST", url=f"{ctx.base_url}/generations",
            headers={**self._headers(ctx), "Content-Type": "application/json"}, json_body=body)

    async def submit(
        self, http: httpx.AsyncClient, call: PreparedCall, ctx: ProviderContext
    ) -> Submitted:
        what = "Luma Agents submit"
        response = await send(http, call.method, call.url, what, **call.send_kwargs())
        body = parse_json(response, what)
        generation_id = body.get("id") if isinstance(body, dict) else None
        if not isinstance(generation_id, str) or not generation_id:
            raise ProviderError(f"{what}: the answer had no generation id",
                                status=response.status_code, code="malformed_response")
        url = f"{ctx.base_url}/generations/{generation_id}"
        return Submitted(handle=RemoteHandle(generation_id, {"generation": url}), raw=body)

    async def poll(
        self, http: httpx.AsyncClient, handle: RemoteHandle, ctx: ProviderContext
    ) -> PollResult:
        what = "Luma Agents generation status"
        url = handle.urls.get("generation") or f"{ctx.base_url}/generations/{handle.remote_id}"
        response = await send(http, "GET", url, what, headers=self._headers(ctx))
        generation = parse_json(response, what)
        state = generation.get("state") if isinstance(generation, dict) else None
        if state == "queued":
            return Pending("queued", raw=generation)
        if state == "processing":
            return Pending("running", message="processing", raw=generation)
        if state == "completed":
            outputs = generation.get("output") if isinstance(generation.get("output"), list) else []
            urls = [o["url"] for o in outputs
                    if isinstance(o, dict) and isinstance(o.get("url"), str) and o["url"]]
            if not urls:
                return Failed("Luma: the generation completed without an output",
                              code="no_output", raw=generation)
            return Succeeded(outputs=[RemoteOutput(url=u) for u in urls], raw=generation)
        if state == "failed":
            return failure_from(generation)
        raise ProviderError(f"{what}: unexpected state {state!r}", code="malformed_response",
                            retryable=True)


PROVIDER = LumaAgentsProvider
