"""Stability AI REST v2beta: synchronous multipart generation, credits from /v1/user/balance.

Docs: https://platform.stability.ai/docs/api-reference . The submit answer IS the image
(`Accept: image/*`), with `seed` and `finish-reason` in response headers; nothing to poll,
except for the asynchronous endpoints (creative upscale: `{"id"}`, then
`GET /v2beta/results/{id}`, 202 while running). Edit and upscale models: stability_edit.py.
Images are multipart file parts (never URLs). A job's cost is read as the change in
/v1/user/balance; the per-image credits below are third-party figures.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from typing import Any, Literal, get_args

import httpx
from pydantic import Field

from studio.providers.base import (
    Bill,
    Capabilities,
    Failed,
    FilePart,
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
    Quota,
    RemoteHandle,
    RemoteOutput,
    RenderRequest,
    Submitted,
    Succeeded,
)
from studio.providers.http import parse_json, send
from studio.providers.info import ImageTransport
from studio.providers.stability_edit import (
    EDIT_MODELS,
    RESELLER,
    build_edit,
    edit_problems,
    form_value,
)

USD_PER_CREDIT = 0.01

AspectRatio = Literal["16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21"]
# None (the first choice) sends no style_preset at all.
StylePreset = Literal[
    None, "3d-model", "analog-film", "anime", "cinematic", "comic-book", "digital-art",
    "enhance", "fantasy-art", "isometric", "line-art", "low-poly", "modeling-compound",
    "neon-punk", "origami", "photographic", "pixel-art", "tile-texture",
]

_SQUARE: AspectRatio = "1:1"
_ASPECT = Field(_SQUARE, description="Output aspect ratio (text-to-image only; image-to-image "
                                   "keeps the input's shape)")
_STYLE = Field(None, description="Guide the image towards a style")
_STRENGTH = Field(0.5, ge=0, le=1, description="Only with an input image: 0 keeps the input, "
                                                "1 ignores it")


# ---- params models: Stability's own form-field names, bounds and defaults -------------


class UltraParams(ParamsBase):
    aspect_ratio: AspectRatio = _ASPECT
    output_format: Literal["png", "jpeg", "webp"] = Field("png", description="File format")
    style_preset: StylePreset = _STYLE
    strength: float = _STRENGTH


class CoreParams(ParamsBase):
    aspect_ratio: AspectRatio = _ASPECT
    output_format: Literal["png", "jpeg", "webp"] = Field("png", description="File format")
    style_preset: StylePreset = _STYLE


class SD3Params(ParamsBase):
    aspect_ratio: AspectRatio = _ASPECT
    output_format: Literal["png", "jpeg"] = Field("png", description="File format")
    style_preset: StylePreset = _STYLE
    cfg_scale: float = Field(4.0, ge=1, le=10, description="How strictly to follow the prompt")
    strength: float = _STRENGTH


class SD3TurboParams(SD3Params):
    cfg_scale: float = Field(1.0, ge=1, le=10, description="Turbo is made for low values")


# ---- price rules -----------------------------------------------------------------------


# Stability's own pricing page could not be read; this list quotes it.
THIRD_PARTY = PriceSource("https://developer.puter.com/", "2026-11-21",
                          note="third-party list quoting platform.stability.ai/pricing")
PRICE_SOURCES = (THIRD_PARTY, RESELLER)


def _per_image(credits: float) -> PriceRule:
    def price(_: Bill) -> Price:
        return Price(usd=credits * USD_PER_CREDIT, credits=credits, source=THIRD_PARTY,
                     basis=f"{credits:g} credits/image at $0.01/credit (third-party price "
                           "list; unconfirmed)")
    return price


_ASPECTS = get_args(AspectRatio)
_TXT2IMG = Capabilities(seed=True, negative_prompt=True, sizes=_ASPECTS)
_BOTH = Capabilities(seed=True, negative_prompt=True, max_reference_images=1, sizes=_ASPECTS)


def _sd3(model_id: str, name: str, params: type[ParamsBase], credits: float,
         description: str) -> ModelInfo:
    return ModelInfo(model_id, name, (Mode.TXT2IMG, Mode.IMG2IMG), params, _per_image(credits),
                     _BOTH, description, {"endpoint": "sd3", "model": model_id})


MODELS: dict[str, ModelInfo] = {
    m.id: m
    for m in [
        ModelInfo("ultra", "Stable Image Ultra", (Mode.TXT2IMG, Mode.IMG2IMG), UltraParams,
                  _per_image(8), _BOTH, "Stability's top photorealistic model",
                  {"endpoint": "ultra"}),
        ModelInfo("core", "Stable Image Core", (Mode.TXT2IMG,), CoreParams, _per_image(3),
                  _TXT2IMG, "Fast, cheap text-to-image", {"endpoint": "core"}),
        _sd3("sd3.5-large", "SD 3.5 Large", SD3Params, 6.5, "8B-parameter Stable Diffusion 3.5"),
        _sd3("sd3.5-large-turbo", "SD 3.5 Large Turbo", SD3TurboParams, 4,
             "Distilled SD 3.5 Large: few steps, low cfg_scale"),
        _sd3("sd3.5-medium", "SD 3.5 Medium", SD3Params, 3.5, "2.5B-parameter SD 3.5"),
    ]
}
MODELS.update(EDIT_MODELS)


class StabilityProvider(Provider):
    info = ProviderInfo(
        id="stability",
        name="Stability AI",
        kinds=(Kind.IMAGE,),
        key=KeySpec(env=("STABILITY_API_KEY",), keyring_entry="stability"),
        docs_url="https://platform.stability.ai/docs/api-reference",
        pricing_url="https://platform.stability.ai/pricing",
        default_base_url="https://api.stability.ai",
        notes="Synchronous: the image comes back in the submit answer. 1 credit = $0.01; "
              "150 requests per 10 s per key.",
        sandbox="studio.sandbox.stability:routes",
        price_sources=PRICE_SOURCES,
        image_transport=ImageTransport.INLINE,
        bills_from_balance=True,
    )
    models = MODELS
    poll_hint = PollHint()

    def build(
        self,
        request: RenderRequest,
        params: ParamsBase,
        images: Sequence[InputImage],
        ctx: ProviderContext,
    ) -> PreparedCall:
        model = self.model(request.model)
        if "path" in model.metadata:
            return build_edit(model, request, params, images, ctx.base_url, ctx.key)
        endpoint = model.metadata["endpoint"]
        image = images[0] if images else None
        values = params.model_dump(mode="json")
        strength = values.pop("strength", None)
        form: dict[str, str] = {"prompt": request.prompt}
        if endpoint == "sd3":
            form["model"] = model.metadata["model"]
            form["mode"] = "image-to-image" if image else "text-to-image"
        if image is not None:
            values.pop("aspect_ratio")  # the output takes the input image's shape
            form["strength"] = form_value(strength)
        form.update({k: form_value(v) for k, v in values.items() if v is not None})
        if request.negative_prompt and model.capabilities.negative_prompt:
            form["negative_prompt"] = request.negative_prompt
        if request.seed is not None:
            form["seed"] = str(request.seed)
        files = [FilePart("image", image.name, image.media_type, image.data)] if image else []
        return PreparedCall(
            method="POST",
            url=f"{ctx.base_url}/v2beta/stable-image/generate/{endpoint}",
            headers={"Authorization": f"Bearer {ctx.key or ''}", "Accept": "image/*"},
            form=form,
            files=files,
        )

    def check(self, request: RenderRequest, params: ParamsBase,
              images: Sequence[InputImage]) -> list[tuple[str, str]]:
        return edit_problems(self.model(request.model), params)

    async def submit(
        self, http: httpx.AsyncClient, call: PreparedCall, ctx: ProviderContext
    ) -> Submitted:
        response = await send(http, call.method, call.url, "Stability generate",
                              **call.send_kwargs())
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        result_id = _async_id(response) if media_type == "application/json" else None
        if result_id:
            handle = RemoteHandle(remote_id=result_id, urls={
                "result": f"{ctx.base_url}/v2beta/results/{result_id}"})
            return Submitted(handle=handle, raw={"id": result_id})
        return Submitted(*self._answer(response, media_type))

    def _answer(self, response: httpx.Response, media_type: str
                ) -> tuple[RemoteHandle, Succeeded | Failed, dict[str, Any]]:
        """(handle, result, raw) of an answer that carries the image (or says why not)."""
        if media_type == "application/json":
            data, reason, seed = _from_json(response)
        elif media_type.startswith("image/") and response.content:
            data = response.content
            reason = response.headers.get("finish-reason", "SUCCESS").upper()
            seed = _seed(response.headers.get("seed"))
        else:
            raise ProviderError(
                f"Stability generate: expected an image, got {media_type or 'no content type'}"
                f" ({len(response.content)} bytes)",
                status=response.status_code, code="malformed_response")
        raw = {"finish_reason": reason, "seed": seed, "content_type": media_type,
               "bytes": len(data)}
        handle = RemoteHandle(remote_id=response.headers.get("x-request-id") or uuid.uuid4().hex)
        if reason == "CONTENT_FILTERED":
            result: Succeeded | Failed = Failed(
                "Stability's content filter blocked this image; change the prompt or input",
                code="CONTENT_FILTERED", raw=raw)
        elif reason != "SUCCESS":
            result = Failed(f"Stability: generation ended with {reason}", code=reason, raw=raw)
        else:
            output = RemoteOutput(data=data, media_type=_image_type(data, media_type))
            result = Succeeded(outputs=[output], seed=seed, raw=raw)
        return handle, result, raw

    async def poll(
        self, http: httpx.AsyncClient, handle: RemoteHandle, ctx: ProviderContext
    ) -> PollResult:
        url = handle.urls.get("result")
        if url:  # an asynchronous endpoint: 202 while it runs, then the image
            response = await send(http, "GET", url, "Stability result", headers={
                "Authorization": f"Bearer {ctx.key or ''}", "Accept": "image/*"})
            if response.status_code == 202:
                return Pending("running", raw=_json_or_none(response))
            media_type = response.headers.get("content-type", "").split(";")[0].strip()
            _, result, _ = self._answer(response, media_type.lower())
            return result
        # Only reached when the app stopped between receiving the image and saving it.
        raise ProviderError(
            "Stability answers image requests at once, so there is nothing to poll: the image "
            "was lost when the app stopped before saving it; retry the job",
            code="not_pollable", retryable=False)

    async def usage(self, http: httpx.AsyncClient, ctx: ProviderContext) -> Quota | None:
        response = await send(http, "GET", f"{ctx.base_url}/v1/user/balance",
                              "Stability balance", headers={"Authorization": f"Bearer "
                                                                             f"{ctx.key or ''}"})
        body = parse_json(response, "Stability balance")
        credits = body.get("credits") if isinstance(body, dict) else None
        if isinstance(credits, bool) or not isinstance(credits, int | float):
            raise ProviderError("Stability balance: the answer had no credits",
                                code="malformed_response", retryable=True)
        usd = credits * USD_PER_CREDIT
        return Quota(remaining=float(credits), unit="credits", usd=usd,
                     detail=f"${usd:.2f} of credit")


def _seed(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _async_id(response: httpx.Response) -> str | None:
    """The id of an asynchronous job's `{"id": ...}` answer (no image in it)."""
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and isinstance(body.get("id"), str) and not (
            body.get("image") or body.get("result")):
        return body["id"]
    return None


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _image_type(data: bytes, said: str) -> str:
    """What the bytes are (a JSON answer says nothing about its base64 image's type)."""
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return said


def _from_json(response: httpx.Response) -> tuple[bytes, str, int | None]:
    """The `Accept: application/json` form: {"image" (or "result" for asynchronous jobs):
    base64, "finish_reason", "seed"}."""
    body = parse_json(response, "Stability generate")
    try:
        data = base64.b64decode(body.get("image") or body["result"], validate=True)
    except (KeyError, TypeError, AttributeError, binascii.Error, ValueError):
        raise ProviderError("Stability generate: the answer had no image",
                            status=response.status_code, code="malformed_response") from None
    seed = body.get("seed")
    reason = str(body.get("finish_reason") or "SUCCESS").upper()
    return data, reason, seed if isinstance(seed, int) and not isinstance(seed, bool) else None


PROVIDER = StabilityProvider
