"""Luma Dream Machine API: create a generation, poll it, DELETE to cancel, balance from /credits.

Docs: https://docs.lumalabs.ai/docs/api . States: queued -> dreaming -> completed | failed.
Input images are hosted https URLs, the only form Luma documents (lumaai SDK
`video_create_params` keyframes `{type: image, url}`, `image_create_params` image_ref /
style_ref `{url, weight}`): local files reach Luma through the studio's image host.
Luma publishes no per-call API prices: Ray 2 is a third-party estimate, Photon is unknown.
The cost of a finished job is read as the change in GET /credits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, get_args

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
    PriceSource,
    Provider,
    ProviderContext,
    ProviderError,
    ProviderInfo,
    Quota,
    RemoteHandle,
    RemoteOutput,
    RenderRequest,
    Submitted,
    Succeeded,
    params_as,
    unpriced,
)
from studio.providers.http import json_object, parse_json, send
from studio.providers.info import ImageTransport

Aspect = Literal["16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "9:21"]


class RayParams(ParamsBase):
    aspect_ratio: Aspect = Field("16:9", description="Frame shape")
    resolution: Literal["540p", "720p", "1080p"] = Field(
        "540p", description="Output resolution (720p costs about 2x, 1080p 4x)")
    duration: Literal["5s", "9s"] = Field("5s", description="Clip length")
    loop: bool = Field(False, description="End on the first frame so the clip loops")


class PhotonParams(ParamsBase):
    aspect_ratio: Aspect = Field("16:9", description="Frame shape")
    format: Literal["png", "jpg"] = Field("png", description="File format")
    image_ref_weight: float = Field(0.85, ge=0, le=1,
                                    description="How strongly input images steer the content")
    style_ref: bool = Field(False, description="Use the last input image as a style "
                                               "reference (style_ref) instead")
    style_ref_weight: float = Field(0.8, ge=0, le=1, description="Strength of the style reference")


# ---- price rules (approximate or unknown: Luma's API price list is not public) ---------

# A third-party profile of Luma's API lists Ray 2 at ~$0.08/s (and Photon at $0.32 per
# megapixel, which Luma's partners and resellers put 10-40x lower: not used).
THIRD_PARTY = PriceSource("https://plans.apis.io/plans/luma-ai/luma-ai-plans-pricing/",
                          "2026-12-06", note="third-party profile of Luma's API prices")
LUMA_PRICING = PriceSource("https://lumalabs.ai/api/pricing", "2026-12-06", first_party=True,
                           note="no per-model API figures found on Luma's own pages")
PRICE_SOURCES = (THIRD_PARTY, LUMA_PRICING)
_RAY2_USD_PER_SECOND = 0.08
_RAY_RESOLUTION = {"540p": 1, "720p": 2, "1080p": 4}


def _ray2_price(bill: Bill) -> Price:
    p = params_as(bill.params, RayParams)
    seconds = int(p.duration.rstrip("s"))
    factor = _RAY_RESOLUTION[p.resolution]
    rate = _RAY2_USD_PER_SECOND
    return Price(usd=rate * factor * seconds, source=THIRD_PARTY,
                 basis=f"~${rate}/s at 540p (third-party figure) x{factor} for {p.resolution} "
                       f"x {seconds} s")


_no_price = unpriced("unknown: Luma publishes no API price for this model, and third-party "
                     "figures disagree by 10-40x", LUMA_PRICING)


_RAY_CAPS = Capabilities(seed=False, negative_prompt=False, max_reference_images=2,
                         sizes=get_args(Aspect), durations=(5, 9))
_PHOTON_CAPS = Capabilities(seed=False, negative_prompt=False, max_reference_images=4,
                            sizes=get_args(Aspect))
_VIDEO = {"endpoint": "generations/video"}
_IMAGE = {"endpoint": "generations/image"}

MODELS: dict[str, ModelInfo] = {
    m.id: m
    for m in [
        ModelInfo("ray-2", "Ray 2", (Mode.TXT2VIDEO, Mode.IMG2VIDEO), RayParams,
                  _ray2_price, _RAY_CAPS,
                  "Luma's flagship video model; one image sets the start frame, a second the "
                  "end frame", _VIDEO),
        ModelInfo("ray-flash-2", "Ray 2 Flash", (Mode.TXT2VIDEO, Mode.IMG2VIDEO), RayParams,
                  _no_price, _RAY_CAPS, "Faster, cheaper Ray 2", _VIDEO),
        ModelInfo("photon-1", "Photon", (Mode.TXT2IMG, Mode.IMG2IMG), PhotonParams,
                  _no_price, _PHOTON_CAPS,
                  "Luma's image model; up to 4 reference images (image_ref / style_ref)", _IMAGE),
        ModelInfo("photon-flash-1", "Photon Flash", (Mode.TXT2IMG, Mode.IMG2IMG), PhotonParams,
                  _no_price, _PHOTON_CAPS, "Faster, cheaper Photon", _IMAGE),
    ]
}


def hosted_url(image: InputImage) -> str:
    """Luma fetches every input image itself: the studio hosts local files first."""
    if not image.url:
        raise ValueError(f"Luma needs a hosted URL for {image.name}; choose an image host "
                         "in Settings")
    return image.url


def _keyframes(images: Sequence[InputImage]) -> dict[str, Any]:
    return {f"frame{i}": {"type": "image", "url": hosted_url(image)}
            for i, image in enumerate(images[:2])}


def _references(params: PhotonParams, images: Sequence[InputImage]) -> dict[str, Any]:
    content = list(images[:-1] if params.style_ref else images)
    out: dict[str, Any] = {}
    if content:
        out["image_ref"] = [{"url": hosted_url(i), "weight": params.image_ref_weight}
                            for i in content]
    if params.style_ref and images:
        out["style_ref"] = [{"url": hosted_url(images[-1]), "weight": params.style_ref_weight}]
    return out


class LumaProvider(Provider):
    info = ProviderInfo(
        id="luma",
        name="Luma Dream Machine",
        kinds=(Kind.VIDEO, Kind.IMAGE),
        key=KeySpec(env=("LUMA_API_KEY", "LUMAAI_API_KEY"), keyring_entry="luma"),
        docs_url="https://docs.lumalabs.ai/docs/api",
        pricing_url="https://lumalabs.ai/api/pricing",
        default_base_url="https://api.lumalabs.ai/dream-machine/v1",
        notes="Prepaid API credits, separate from Dream Machine app plans. Prices shown are "
              "third-party estimates or unknown; the actual cost is read from /credits. Input "
              "images go by URL, through the image host chosen in Settings.",
        sandbox="studio.sandbox.luma:routes",
        price_sources=PRICE_SOURCES,
        image_transport=ImageTransport.URL,
        bills_from_balance=True,
    )
    models = MODELS
    # Ray clips take tens of seconds; Luma's own examples poll every few seconds.
    poll_hint = PollHint(min_interval=1.0, max_interval=5.0)

    def _headers(self, ctx: ProviderContext) -> dict[str, str]:
        return {"Authorization": f"Bearer {ctx.key or ''}", "Accept": "application/json"}

    def build(
        self,
        request: RenderRequest,
        params: ParamsBase,
        images: Sequence[InputImage],
        ctx: ProviderContext,
    ) -> PreparedCall:
        model = self.model(request.model)
        body: dict[str, Any] = {"model": model.id, "prompt": request.prompt}
        if isinstance(params, RayParams):
            body.update(params.model_dump(mode="json"))
            if images:
                body["keyframes"] = _keyframes(images)
        elif isinstance(params, PhotonParams):
            body.update(aspect_ratio=params.aspect_ratio, format=params.format)
            body.update(_references(params, images))
        return PreparedCall(
            method="POST",
            url=f"{ctx.base_url}/{model.metadata['endpoint']}",
            headers={**self._headers(ctx), "Content-Type": "application/json"},
            json_body=body,
        )

    async def submit(
        self, http: httpx.AsyncClient, call: PreparedCall, ctx: ProviderContext
    ) -> Submitted:
        response = await send(http, call.method, call.url, "Luma submit", **call.send_kwargs())
        body = parse_json(response, "Luma submit")
        generation_id = body.get("id") if isinstance(body, dict) else None
        if not isinstance(generation_id, str) or not generation_id:
            raise ProviderError("Luma submit: the answer had no generation id",
                                status=response.status_code, code="malformed_response")
        url = f"{ctx.base_url}/generations/{generation_id}"
        return Submitted(handle=RemoteHandle(generation_id, {"generation": url}), raw=body)

    def _url(self, handle: RemoteHandle, ctx: ProviderContext) -> str:
        return handle.urls.get("generation") or f"{ctx.base_url}/generations/{handle.remote_id}"

    async def poll(
        self, http: httpx.AsyncClient, handle: RemoteHandle, ctx: ProviderContext
    ) -> PollResult:
        response = await send(http, "GET", self._url(handle, ctx), "Luma generation status",
                              headers=self._headers(ctx))
        generation = parse_json(response, "Luma generation status")
        state = generation.get("state") if isinstance(generation, dict) else None
        if state == "queued":
            return Pending("queued", raw=generation)
        if state == "dreaming":
            return Pending("running", message="dreaming", raw=generation)
        if state == "completed":
            assets = json_object(generation.get("assets"))
            url = assets.get("video") or assets.get("image")
            if not isinstance(url, str) or not url:
                return Failed("Luma: the generation completed without an asset",
                              code="no_output", raw=generation)
            return Succeeded(outputs=[RemoteOutput(url=url)], raw=generation)
        if state == "failed":
            reason = str(generation.get("failure_reason") or "").strip()
            return Failed(f"Luma: {reason or 'the generation failed without a reason'}",
                          code="generation_failed", raw=generation)
        raise ProviderError(f"Luma generation status: unexpected state {state!r}",
                            code="malformed_response", retryable=True)

    async def cancel(
        self, http: httpx.AsyncClient, handle: RemoteHandle, ctx: ProviderContext
    ) -> bool:
        try:
            await send(http, "DELETE", self._url(handle, ctx), "Luma cancel",
                       headers=self._headers(ctx))
        except ProviderError as exc:
            if exc.status == 404:  # already gone
                return False
            raise
        return True

    async def usage(self, http: httpx.AsyncClient, ctx: ProviderContext) -> Quota | None:
        response = await send(http, "GET", f"{ctx.base_url}/credits", "Luma credits",
                              headers=self._headers(ctx))
        body = parse_json(response, "Luma credits")
        cents = body.get("credit_balance") if isinstance(body, dict) else None
        if isinstance(cents, bool) or not isinstance(cents, int | float):
            raise ProviderError("Luma credits: the answer had no credit_balance",
                                code="malformed_response", retryable=True)
        usd = cents / 100  # Luma documents credit_balance in USD cents
        return Quota(remaining=usd, unit="usd", usd=usd, detail=f"${usd:.2f} of Luma API credit")


PROVIDER = LumaProvider
