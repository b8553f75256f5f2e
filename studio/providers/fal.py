"""fal.ai queue protocol: submit, status (logs, queue position), result, cancel.

Docs: https://fal.ai/docs/inference-api/queue . A run that fails still ends COMPLETED,
with `error` set; fetching its result is then an HTTP error. Every model here is listed in
fal's published endpoint types (`ENDPOINTS`); its fields and defaults come from there.
Input images go as the URL the provider can fetch, else as data URIs (fal takes both).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import httpx
from pydantic import Field

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
)
from studio.providers.fal_edit import EDIT_MODELS, billed_megapixels
from studio.providers.fal_edit import PRICE_SOURCES as EDIT_PRICE_SOURCES
from studio.providers.fal_safety import FalSafety
from studio.providers.fal_sources import (
    ENDPOINTS,
    FAST_SDXL_DOCS,
    FLUX_DEV_PAGE,
    FLUX_PRO_THIRD_PARTY,
    FLUX_ULTRA_DOCS,
    PRICE_SOURCES,
    PRICE_SOURCES_BY_MODEL,
)
from studio.providers.fal_storage import FalStorage, storage_hosts
from studio.providers.fal_video import VIDEO_MODELS, image_fields
from studio.providers.http import parse_json, send
from studio.providers.images import data_uri

__all__ = ["MODELS", "PROVIDER", "FalProvider", "data_uri", "progress_from_logs"]

ImageSize = Literal[
    "square_hd", "square", "portrait_4_3", "portrait_16_9", "landscape_4_3", "landscape_16_9"
]
IMAGE_SIZE_PIXELS: dict[str, tuple[int, int]] = {
    "square_hd": (1024, 1024),
    "square": (512, 512),
    "portrait_4_3": (768, 1024),
    "portrait_16_9": (576, 1024),
    "landscape_4_3": (1024, 768),
    "landscape_16_9": (1024, 576),
}
UltraAspect = Literal["21:9", "16:9", "4:3", "3:2", "1:1", "2:3", "3:4", "9:16", "9:21"]
SafetyTolerance = Literal["1", "2", "3", "4", "5", "6"]


# ---- params models: the provider's own field names, bounds and defaults -------------


class FluxDevParams(FalSafety):
    image_size: ImageSize = Field("landscape_4_3", description="Output size preset")
    num_inference_steps: int = Field(28, ge=1, le=50, description="Denoising steps")
    guidance_scale: float = Field(3.5, ge=1, le=20, description="How closely to follow the prompt")
    num_images: int = Field(1, ge=1, le=4, description="Images per request")
    output_format: Literal["jpeg", "png"] = Field("jpeg", description="File format")
    enable_safety_checker: bool = Field(True, description="fal's NSFW filter")
    acceleration: Literal["none", "regular", "high"] = Field("none", description="Speed-up")


class FluxSchnellParams(FluxDevParams):
    num_inference_steps: int = Field(4, ge=1, le=12, description="Schnell is made for 1-4 steps")


class FluxDevImg2ImgParams(FalSafety):
    strength: float = Field(0.95, ge=0.01, le=1, description="How much to change the input")
    num_inference_steps: int = Field(40, ge=1, le=50, description="Denoising steps")
    guidance_scale: float = Field(3.5, ge=1, le=20, description="How closely to follow the prompt")
    num_images: int = Field(1, ge=1, le=4, description="Images per request")
    output_format: Literal["jpeg", "png"] = Field("jpeg", description="File format")
    enable_safety_checker: bool = Field(True, description="fal's NSFW filter")
    acceleration: Literal["none", "regular", "high"] = Field("none", description="Speed-up")


class FluxProParams(FalSafety):
    image_size: ImageSize = Field("landscape_4_3", description="Output size preset")
    num_images: int = Field(1, ge=1, le=4, description="Images per request")
    output_format: Literal["jpeg", "png"] = Field("jpeg", description="File format")
    safety_tolerance: SafetyTolerance = Field("2", description="1 is strictest, 6 most permissive")
    enhance_prompt: bool = Field(False, description="Let the provider rewrite the prompt")


class FluxProUltraParams(FalSafety):
    aspect_ratio: UltraAspect = Field("16:9", description="Output aspect ratio")
    raw: bool = Field(False, description="Less processed, more natural look")
    num_images: int = Field(1, ge=1, le=4, description="Images per request")
    output_format: Literal["jpeg", "png"] = Field("jpeg", description="File format")
    safety_tolerance: SafetyTolerance = Field("2", description="1 is strictest, 6 most permissive")
    enhance_prompt: bool = Field(False, description="Let the provider rewrite the prompt")
    image_prompt_strength: float = Field(0.1, ge=0, le=1, description="Weight of the image prompt")


class FastSdxlParams(FalSafety):
    image_size: ImageSize = Field("square_hd", description="Output size preset")
    num_inference_steps: int = Field(25, ge=1, le=50, description="Denoising steps")
    guidance_scale: float = Field(7.5, ge=0, le=20, description="How closely to follow the prompt")
    num_images: int = Field(1, ge=1, le=8, description="Images per request")
    format: Literal["jpeg", "png"] = Field("jpeg", description="File format")
    enable_safety_checker: bool = Field(True, description="fal's NSFW filter")
    expand_prompt: bool = Field(False, description="Let the provider expand the prompt")


class KlingI2VParams(ParamsBase):
    duration: Literal["5", "10"] = Field("5", description="Clip length in seconds")
    cfg_scale: float = Field(0.5, ge=0, le=1, description="How closely to follow the prompt")


class WanT2VParams(FalSafety):
    num_frames: int = Field(81, ge=81, le=100, description="Frames (over 81 costs 1.25x)")
    frames_per_second: int = Field(16, ge=5, le=24, description="Playback rate")
    resolution: Literal["480p", "580p", "720p"] = Field("720p", description="Output resolution")
    aspect_ratio: Literal["16:9", "9:16"] = Field("16:9", description="Output aspect ratio")
    num_inference_steps: int = Field(30, ge=2, le=40, description="Denoising steps")
    enable_safety_checker: bool = Field(True, description="fal's NSFW filter")
    enable_prompt_expansion: bool = Field(False, description="Let the provider expand the prompt")


# ---- price rules ---------------------------------------------------------------------

def _per_megapixel(rate: float, source: PriceSource) -> PriceRule:
    def price(bill: Bill) -> Price:
        w, h = IMAGE_SIZE_PIXELS[bill.params.image_size]
        mp, certain = billed_megapixels(w, h)
        n = bill.params.num_images
        return Price(usd=rate * mp * n, approximate=not certain, source=source,
                     basis=f"${rate}/megapixel, rounded up to whole megapixels: {mp} MP "
                           f"({w}x{h}) x {n} image(s)")
    return price


def _img2img_price(bill: Bill) -> Price:
    # fal lists no image-to-image price: the text-to-image rate for the output, whose size
    # follows the input image.
    facts = bill.images[0] if bill.images else None
    w, h = (facts.width, facts.height) if facts and facts.width and facts.height else (1024, 768)
    mp, _ = billed_megapixels(w, h)
    n = bill.params.num_images
    size = f"{w}x{h}" if facts and facts.width else "input size unknown, 1 MP assumed"
    return Price(usd=0.025 * mp * n, source=FLUX_DEV_PAGE,
                 basis=f"estimate: FLUX.1 [dev]'s $0.025/megapixel applied to the output "
                       f"({mp} MP, {size}) x {n} image(s); fal publishes no image-to-image "
                       "price")


def _per_image(rate: float, source: PriceSource, *, approximate: bool = True) -> PriceRule:
    def price(bill: Bill) -> Price:
        n = bill.params.num_images
        return Price(usd=rate * n, approximate=approximate, source=source,
                     basis=f"${rate}/image x {n}")
    return price


def _fast_sdxl_price(bill: Bill) -> Price:
    p = bill.params
    usd = 0.0025 * p.num_images * p.num_inference_steps / 25
    return Price(usd=usd, source=FAST_SDXL_DOCS,
                 basis=f"estimate: ~$0.0025 per image at 25 steps (fal's docs: billed by GPU "
                       f"time) x {p.num_images} image(s) x {p.num_inference_steps}/25 steps")


def _kling_price(base: float, per_extra_second: float, source: PriceSource) -> PriceRule:
    def price(bill: Bill) -> Price:
        seconds = int(bill.params.duration)
        usd = base + per_extra_second * max(0, seconds - 5)
        return Price(usd=usd, approximate=False, source=source,
                     basis=f"${base} per 5 s + ${per_extra_second}/s beyond")
    return price


def _wan_price(source: PriceSource) -> PriceRule:
    def price(bill: Bill) -> Price:
        p = bill.params
        usd = 0.20 if p.resolution == "480p" else 0.40
        if p.num_frames > 81:
            usd *= 1.25
        return Price(usd=usd, approximate=False, source=source,
                     basis="$0.20 (480p) / $0.40 (720p) per video; >81 frames 1.25x")
    return price


_IMG = Capabilities(seed=True, negative_prompt=False, sizes=tuple(IMAGE_SIZE_PIXELS))

def _model(model_id: str, *args: Any) -> ModelInfo:
    return dataclasses.replace(ModelInfo(model_id, *args), source=ENDPOINTS)


MODELS: dict[str, ModelInfo] = {
    m.id: m
    for m in [
        _model("fal-ai/flux/dev", "FLUX.1 [dev]", (Mode.TXT2IMG,), FluxDevParams,
               _per_megapixel(0.025, FLUX_DEV_PAGE), _IMG,
               "12B flow transformer, 28 steps by default",
               {"gpu": "H100", "queue": "yes", "sync": "yes"}),
        _model("fal-ai/flux/schnell", "FLUX.1 [schnell]", (Mode.TXT2IMG,), FluxSchnellParams,
               _per_megapixel(0.003, PRICE_SOURCES_BY_MODEL["fal-ai/flux/schnell"]), _IMG,
               "1-4 step distilled FLUX", {"gpu": "H100", "queue": "yes", "sync": "yes"}),
        _model("fal-ai/flux/dev/image-to-image", "FLUX.1 [dev] image-to-image",
               (Mode.IMG2IMG,), FluxDevImg2ImgParams, _img2img_price,
               Capabilities(seed=True, max_reference_images=1, requires_image=True),
               "Restyle an input image", {"queue": "yes"}),
        _model("fal-ai/flux-pro/v1.1", "FLUX1.1 [pro]", (Mode.TXT2IMG,), FluxProParams,
               _per_image(0.04, FLUX_PRO_THIRD_PARTY), _IMG,
               "Black Forest Labs' hosted pro model", {"queue": "yes"}),
        _model("fal-ai/flux-pro/v1.1-ultra", "FLUX1.1 [pro] ultra", (Mode.TXT2IMG,),
               FluxProUltraParams, _per_image(0.06, FLUX_ULTRA_DOCS, approximate=False),
               Capabilities(seed=True, max_reference_images=1), "Up to 4 MP output",
               {"queue": "yes"}),
        _model("fal-ai/fast-sdxl", "Fast SDXL", (Mode.TXT2IMG,), FastSdxlParams,
               _fast_sdxl_price,
               Capabilities(seed=True, negative_prompt=True, sizes=tuple(IMAGE_SIZE_PIXELS)),
               "SDXL 1.0 on fal's fast runtime", {"gpu": "A100", "queue": "yes"}),
        _model("fal-ai/kling-video/v2.1/standard/image-to-video",
               "Kling 2.1 standard (image-to-video)", (Mode.IMG2VIDEO,), KlingI2VParams,
               _kling_price(0.28, 0.056, PRICE_SOURCES_BY_MODEL[
                   "fal-ai/kling-video/v2.1/standard/image-to-video"]),
               Capabilities(seed=False, negative_prompt=True, max_reference_images=1,
                            requires_image=True, durations=(5, 10)),
               "Kling 2.1 standard tier", {"queue": "yes"}),
        _model("fal-ai/wan-t2v", "Wan 2.1 (text-to-video)", (Mode.TXT2VIDEO,), WanT2VParams,
               _wan_price(PRICE_SOURCES_BY_MODEL["fal-ai/wan-t2v"]),
               Capabilities(seed=True, negative_prompt=True),
               "Open Wan 2.1 model", {"queue": "yes"}),
    ]
}
MODELS.update(VIDEO_MODELS)
MODELS.update(EDIT_MODELS)


_STEP = re.compile(r"\b(\d+)\s*/\s*(\d+)\b")
_PERCENT = re.compile(r"\b(\d{1,3})%")


def progress_from_logs(messages: Sequence[str]) -> float | None:
    """Progress from the newest log line that shows steps (`12/28`, tqdm) or a percentage."""
    for message in reversed(messages[-20:]):
        step = _STEP.search(message)
        if step and int(step.group(2)) > 0 and int(step.group(1)) <= int(step.group(2)):
            return int(step.group(1)) / int(step.group(2))
        percent = _PERCENT.search(message)
        if percent and int(percent.group(1)) <= 100:
            return int(percent.group(1)) / 100
    return None


def _app_path(endpoint_id: str) -> str:
    """Status/result/cancel URLs use only owner/alias; fal drops the sub-path there."""
    return "/".join(endpoint_id.split("/")[:2])


class FalProvider(Provider):
    info = ProviderInfo(
        id="fal",
        name="fal.ai",
        kinds=(Kind.IMAGE, Kind.VIDEO),
        key=KeySpec(env=("FAL_KEY",), keyring_entry="fal"),
        docs_url="https://fal.ai/docs/inference-api/queue",
        pricing_url="https://fal.ai/pricing",
        default_base_url="https://queue.fal.run",
        notes="Queue API; 2 concurrent requests on new accounts.",
        sandbox="studio.sandbox.fal:routes",
        price_sources=(*PRICE_SOURCES, *EDIT_PRICE_SOURCES),
        hosts_images=True,
    )
    models = MODELS
    poll_hint = PollHint(min_interval=0.5, max_interval=5.0)

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        super().__init__(env)
        self.storage = FalStorage()

    async def host_image(self, http: httpx.AsyncClient, ctx: ProviderContext,
                         image: InputImage) -> str:
        """fal's storage upload (its CDN), with the same key as the queue API."""
        if not ctx.key:
            raise ProviderError("fal storage needs a fal key", code="missing_credentials")
        return await self.storage.upload(http, storage_hosts(ctx.base_url, ctx.sandbox),
                                         ctx.key, image)

    def build(
        self,
        request: RenderRequest,
        params: ParamsBase,
        images: Sequence[InputImage],
        ctx: ProviderContext,
    ) -> PreparedCall:
        model = self.model(request.model)
        body: dict[str, Any] = {}
        takes = model.capabilities.prompt
        if takes == "required" or (takes == "optional" and request.prompt.strip()):
            body["prompt"] = request.prompt
        body.update(params.model_dump(mode="json", exclude_none=True))
        if request.negative_prompt and model.capabilities.negative_prompt:
            body["negative_prompt"] = request.negative_prompt
        if request.seed is not None and model.capabilities.seed:
            body["seed"] = request.seed
        body.update(image_fields(model, images))
        return PreparedCall(
            method="POST",
            url=f"{ctx.base_url}/{model.id}",
            headers={"Authorization": f"Key {ctx.key or ''}", "Accept": "application/json"},
            json_body=body,
        )

    def _handle(self, ctx: ProviderContext, endpoint_id: str, request_id: str) -> RemoteHandle:
        base = f"{ctx.base_url}/{_app_path(endpoint_id)}/requests/{request_id}"
        return RemoteHandle(
            remote_id=request_id,
            urls={"status": f"{base}/status", "result": base, "cancel": f"{base}/cancel"},
        )

    def _auth(self, ctx: ProviderContext) -> dict[str, str]:
        return {"Authorization": f"Key {ctx.key or ''}"}

    async def submit(
        self, http: httpx.AsyncClient, call: PreparedCall, ctx: ProviderContext
    ) -> Submitted:
        response = await send(http, call.method, call.url, "fal submit", **call.send_kwargs())
        body = parse_json(response, "fal submit")
        request_id = body.get("request_id") if isinstance(body, dict) else None
        if not isinstance(request_id, str) or not request_id:
            raise ProviderError("fal submit: the answer had no request_id",
                                code="malformed_response")
        endpoint_id = call.url[len(ctx.base_url) + 1:]
        return Submitted(handle=self._handle(ctx, endpoint_id, request_id), raw=body)

    async def poll(
        self, http: httpx.AsyncClient, handle: RemoteHandle, ctx: ProviderContext
    ) -> PollResult:
        response = await send(http, "GET", handle.urls["status"], "fal status",
                              params={"logs": "1"}, headers=self._auth(ctx))
        body = parse_json(response, "fal status")
        status = body.get("status") if isinstance(body, dict) else None
        if status == "IN_QUEUE":
            return Pending("queued", queue_position=body.get("queue_position"), raw=body)
        if status == "IN_PROGRESS":
            messages = [m for entry in body.get("logs") or []
                        if isinstance(entry, dict) and isinstance(m := entry.get("message"), str)]
            return Pending("running", progress=progress_from_logs(messages),
                           message=messages[-1] if messages else None, raw=body)
        if status == "COMPLETED":
            if body.get("error"):
                code = body.get("error_type")
                if code == "request_cancelled":
                    return Failed("cancelled at the provider", code="cancelled", raw=body)
                return Failed(f"fal: {body['error']}", code=code, raw=body)
            return await self._result(http, handle, ctx)
        raise ProviderError(f"fal status: unexpected status {status!r}",
                            code="malformed_response", retryable=True)

    async def _result(
        self, http: httpx.AsyncClient, handle: RemoteHandle, ctx: ProviderContext
    ) -> PollResult:
        response = await send(http, "GET", handle.urls["result"], "fal result",
                              headers=self._auth(ctx))
        body = parse_json(response, "fal result")
        if not isinstance(body, dict):
            raise ProviderError("fal result: expected a JSON object", code="malformed_response",
                                retryable=True)
        files = list(body.get("images") or [])
        for single in ("image", "video"):  # upscalers and background removal: one `image`
            if isinstance(body.get(single), dict):
                files.append(body[single])
        outputs = [
            RemoteOutput(url=f["url"], media_type=f.get("content_type"),
                         filename=f.get("file_name"))
            for f in files if isinstance(f, dict) and isinstance(f.get("url"), str)
        ]
        if not outputs:
            return Failed("fal: the result had no images or video", code="no_output", raw=body)
        nsfw = body.get("has_nsfw_concepts") or []
        message = "fal flagged NSFW content" if any(nsfw) else None
        seed = body.get("seed") if isinstance(body.get("seed"), int) else None
        return Succeeded(outputs=outputs, seed=seed, raw=body, message=message)

    async def cancel(
        self, http: httpx.AsyncClient, handle: RemoteHandle, ctx: ProviderContext
    ) -> bool:
        try:
            await send(http, "PUT", handle.urls["cancel"], "fal cancel", headers=self._auth(ctx))
        except ProviderError as exc:
            if exc.status == 400:  # ALREADY_COMPLETED
                return False
            raise
        return True


PROVIDER = FalProvider
