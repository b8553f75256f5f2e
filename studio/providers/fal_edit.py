"""fal.ai edit models: FLUX.1 [pro] Fill and FLUX.1 [dev] inpainting (image + mask, for
inpaint and for outpaint on an extended canvas), the Clarity upscaler and BiRefNet v2
background removal. Merged into `studio.providers.fal.MODELS`; the queue protocol is
fal.py's.

Fields, enums and defaults: fal's endpoint types (`fal_sources.ENDPOINTS`: FluxProFillInput,
InpaintInput, ClarityUpscalerInput, BirefnetV2Input). Prices: each model's llms.txt page on
fal.ai (read 2026-12-06): Fill $0.05 and FLUX [dev] inpainting $0.035 per megapixel
(rounded up to whole megapixels), Clarity $0.03 per megapixel; BiRefNet v2 is billed by
compute time and its page shows no figure. Fill and inpainting outputs keep the input's size;
the mask must match it (core checks and scales masks).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from pydantic import Field

from studio.providers.base import (
    Bill,
    Capabilities,
    Mode,
    ModelInfo,
    Price,
    PriceRule,
    PriceSource,
    Role,
)
from studio.providers.fal_safety import FalSafety
from studio.providers.fal_sources import ENDPOINTS
from studio.providers.fal_video import IMAGE_FIELDS

_MEGAPIXEL = 1024 * 1024  # fal's megapixel: 1024x1024 is one


def _page(endpoint: str) -> PriceSource:
    return PriceSource(f"https://fal.ai/models/{endpoint}/llms.txt", "2026-12-06",
                       first_party=True)


FILL = "fal-ai/flux-pro/v1/fill"
DEV_INPAINT = "fal-ai/flux-lora/inpainting"
CLARITY = "fal-ai/clarity-upscaler"
BIREFNET = "fal-ai/birefnet/v2"
PRICE_SOURCES = tuple(_page(m) for m in (FILL, DEV_INPAINT, CLARITY, BIREFNET))
SafetyTolerance = Literal["1", "2", "3", "4", "5", "6"]


def billed_megapixels(width: int, height: int) -> tuple[int, bool]:
    """(whole megapixels fal bills, whether that is certain). fal rounds up to a whole
    megapixel; when the decimal megapixel would round differently, the figure is unsure."""
    binary = -(-(width * height) // _MEGAPIXEL)
    decimal = -(-(width * height) // 1_000_000)
    return max(1, binary), binary == decimal


# ---- params models -----------------------------------------------------------------------


class FluxProFillParams(FalSafety):
    num_images: int = Field(1, ge=1, le=4, description="Images per request")
    output_format: Literal["jpeg", "png"] = Field("png", description="File format")
    safety_tolerance: SafetyTolerance = Field("2", description="1 is strictest, 6 most permissive")
    enhance_prompt: bool = Field(False, description="Let the provider rewrite the prompt")


class FluxDevInpaintParams(FalSafety):
    strength: float = Field(0.85, ge=0.01, le=1, description="How much the masked area "
                                                              "changes (1 remakes it)")
    num_inference_steps: int = Field(28, ge=1, le=50, description="Denoising steps")
    guidance_scale: float = Field(3.5, ge=0, le=35, description="How closely to follow the "
                                                                "prompt")
    num_images: int = Field(1, ge=1, le=4, description="Images per request")
    output_format: Literal["jpeg", "png"] = Field("png", description="File format")
    enable_safety_checker: bool = Field(True, description="fal's NSFW filter")


class ClarityParams(FalSafety):
    upscale_factor: float = Field(2, ge=1, le=4, description="How many times bigger")
    creativity: float = Field(0.35, ge=0, le=1, description="How much new detail to invent")
    resemblance: float = Field(0.6, ge=0, le=1, description="How closely to keep the "
                                                            "original (ControlNet strength)")
    guidance_scale: float = Field(4, ge=0, le=20, description="How closely to follow the "
                                                              "prompt")
    num_inference_steps: int = Field(18, ge=4, le=50, description="Denoising steps")
    enable_safety_checker: bool = Field(True, description="fal's NSFW filter")


class BiRefNetParams(FalSafety):
    model: Literal["General Use (Light)", "General Use (Light 2K)", "General Use (Heavy)",
                   "Matting", "Portrait", "General Use (Dynamic)"] = Field(
        "General Use (Light)", description="Which BiRefNet weights")
    operating_resolution: Literal["1024x1024", "2048x2048", "2304x2304"] = Field(
        "1024x1024", description="Resolution the cut is computed at")
    output_format: Literal["png", "webp", "gif"] = Field("png", description="File format")
    refine_foreground: bool = Field(True, description="Clean the subject's edges")


# ---- prices ----------------------------------------------------------------------------------


def _size(bill: Bill, scale: float = 1.0) -> tuple[int, int, bool]:
    facts = bill.images[0] if bill.images else None
    if facts and facts.width and facts.height:
        return round(facts.width * scale), round(facts.height * scale), True
    return round(1024 * scale), round(1024 * scale), False


def _per_output_megapixel(rate: float, source: PriceSource) -> PriceRule:
    def price(bill: Bill) -> Price:
        width, height, known = _size(bill)
        mp, certain = billed_megapixels(width, height)
        n = bill.params.num_images
        size = f"{width}x{height}" if known else "input size unknown, 1 MP assumed"
        return Price(usd=rate * mp * n, approximate=not (certain and known), source=source,
                     basis=f"${rate}/megapixel, rounded up: {mp} MP ({size}, the output keeps "
                           f"the input's size) x {n} image(s)")
    return price


def _clarity_price(bill: Bill) -> Price:
    width, height, known = _size(bill, bill.params.upscale_factor)
    mp = width * height / _MEGAPIXEL
    size = f"{width}x{height}" if known else "input size unknown, 1 MP input assumed"
    return Price(usd=0.03 * mp, source=_page(CLARITY),
                 basis=f"estimate: $0.03/megapixel of the output ({size}, {mp:.2f} MP); fal "
                       "does not say whether input or output megapixels are billed")


def _birefnet_price(_: Bill) -> Price:
    return Price(usd=None, source=_page(BIREFNET),
                 basis="fal bills BiRefNet v2 by compute time and its page shows no figure")


# ---- the models ------------------------------------------------------------------------------


def _caps(*, seed: bool, mask: bool, prompt: Literal["required", "optional", "none"],
          negative: bool = False) -> Capabilities:
    return Capabilities(seed=seed, negative_prompt=negative, max_reference_images=1,
                        requires_image=True, mask=mask, mask_required=mask, prompt=prompt,
                        input_roles=(Role.INPUT,))


def _model(model_id: str, *args: Any) -> ModelInfo:
    return dataclasses.replace(ModelInfo(model_id, *args), source=ENDPOINTS)


_FILLS = (Mode.INPAINT, Mode.OUTPAINT)

EDIT_MODELS: dict[str, ModelInfo] = {m.id: m for m in [
    _model(FILL, "FLUX.1 [pro] Fill", _FILLS, FluxProFillParams,
           _per_output_megapixel(0.05, _page(FILL)), _caps(seed=True, mask=True,
                                                          prompt="required"),
           "Repaint the masked area; outpaint on an extended canvas with its mask",
           {"queue": "yes", IMAGE_FIELDS: "image_url,mask_url"}),
    _model(DEV_INPAINT, "FLUX.1 [dev] inpainting", _FILLS, FluxDevInpaintParams,
           _per_output_megapixel(0.035, _page(DEV_INPAINT)),
           _caps(seed=True, mask=True, prompt="required"),
           "FLUX.1 [dev] inpainting (LoRA endpoint): cheaper, strength controls the change",
           {"queue": "yes", IMAGE_FIELDS: "image_url,mask_url"}),
    _model(CLARITY, "Clarity Upscaler", (Mode.UPSCALE,), ClarityParams, _clarity_price,
           _caps(seed=True, mask=False, prompt="optional", negative=True),
           "Upscale 1-4x with added detail (prompt optional)", {"queue": "yes"}),
    _model(BIREFNET, "BiRefNet v2 (remove background)", (Mode.REMOVE_BACKGROUND,),
           BiRefNetParams, _birefnet_price, _caps(seed=False, mask=False, prompt="none"),
           "Cut out the subject: a PNG with a transparent background", {"queue": "yes"}),
]}
