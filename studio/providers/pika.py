"""Pika 2.2, which has no public API of its own: it runs on fal.ai with the fal key.

The protocol is FalProvider's; this module only declares Pika's models. `key_from="fal"`
makes Studio use fal's key and base URL (in the sandbox, `<sandbox>/fal`).
Docs: https://fal.ai/models/fal-ai/pika/v2.2/text-to-video . Fields: fal's endpoint types
(`fal_sources.ENDPOINTS`): pikaframes takes 2-5 `image_urls` and, optionally, exactly
len(image_urls) - 1 `transitions` whose durations total 25 s at most.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, get_args

from pydantic import (
    Field,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    field_validator,
    model_serializer,
)
from pydantic_core import PydanticCustomError

from studio.providers.base import (
    Bill,
    Capabilities,
    InputImage,
    Kind,
    Mode,
    ModelInfo,
    ParamsBase,
    Price,
    PriceSource,
    ProviderInfo,
    RenderRequest,
    params_as,
)
from studio.providers.fal import FalProvider
from studio.providers.fal_sources import ENDPOINTS, PRICE_SOURCES_BY_MODEL
from studio.providers.fal_video import IMAGE_FIELDS

PikaAspect = Literal["16:9", "9:16", "1:1", "4:5", "5:4", "3:2", "2:3"]
Resolution = Literal["720p", "1080p"]
CLIP_MAX_SECONDS = 10  # Pika 2.2 text/image-to-video: 5 or 10 s
FRAMES_MAX_SECONDS = 25  # pikaframes: all transitions together
_USD_PER_5S = {"720p": 0.20, "1080p": 0.45}


def _guard(cap: int) -> Any:
    # exclude=True: a local cost guard the form shows but fal never receives.
    return Field(cap, ge=1, le=cap, exclude=True,
                 description=f"Refuse videos longer than this many seconds (at most {cap})")


def _checked(cls: type[ParamsBase], seconds: int, info: ValidationInfo, what: str) -> None:
    """Refuse `seconds` over the guard; None means the guard itself failed validation."""
    limit = info.data.get("max_duration_seconds")
    if limit is None or seconds <= limit:
        return
    cap = cls.model_fields["max_duration_seconds"].default
    advice = (f"shorten it or raise max_duration_seconds (Pika allows up to {cap} s)"
              if limit < cap else "shorten it")
    raise PydanticCustomError(
        "duration_over_guard", "{what} is {seconds} s, over the {limit} s limit; {advice}",
        {"what": what, "seconds": seconds, "limit": limit, "advice": advice})


class PikaI2VParams(ParamsBase):
    max_duration_seconds: int = _guard(CLIP_MAX_SECONDS)
    resolution: Resolution = Field("720p", description="Output resolution (1080p costs more)")
    duration: Literal[5, 10] = Field(5, description="Clip length in seconds")

    @field_validator("duration")
    @classmethod
    def _check_guard(cls, duration: int, info: ValidationInfo) -> int:
        _checked(cls, duration, info, "the duration")
        return duration


class PikaT2VParams(PikaI2VParams):
    aspect_ratio: PikaAspect = Field("16:9", description="Frame shape")


class PikaTransition(ParamsBase):
    duration: int = Field(5, ge=1, le=FRAMES_MAX_SECONDS, description="Seconds for this move")
    prompt: str | None = Field(None, max_length=2000, description="What happens in this move")

    @model_serializer(mode="wrap")
    def _drop_unset_prompt(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return {k: v for k, v in handler(self).items() if v is not None}


class PikaframesParams(ParamsBase):
    max_duration_seconds: int = _guard(FRAMES_MAX_SECONDS)
    resolution: Resolution = Field("720p", description="Output resolution (1080p costs more)")
    transitions: list[PikaTransition] | None = Field(
        None, max_length=4,
        description="One entry per move between consecutive images (default 5 s each)")

    @field_validator("transitions")
    @classmethod
    def _check_guard(
        cls, transitions: list[PikaTransition] | None, info: ValidationInfo
    ) -> list[PikaTransition] | None:
        _checked(cls, sum(t.duration for t in transitions or []), info, "the transitions total")
        return transitions


_FAL_PAGE = PRICE_SOURCES_BY_MODEL["fal-ai/pika/v2.2/text-to-video"]
# Pika's partner price list gives $0.60 for a 10 s clip at 720p (not 2x the 5 s price); it
# was cited by the provider review and could not be re-read here, so it stays an estimate.
PARTNER_TABLE = PriceSource("https://pika.art/api", "2026-11-21", first_party=True,
                            note="10 s at 720p: $0.60 (as cited, unconfirmed)")
PRICE_SOURCES = (_FAL_PAGE, PRICE_SOURCES_BY_MODEL["fal-ai/pika/v2.2/image-to-video"],
                 PARTNER_TABLE)
_USD_PER_10S_720P = 0.60


def _clip_price(bill: Bill) -> Price:
    p = params_as(bill.params, PikaI2VParams)
    five = _USD_PER_5S[p.resolution]
    if p.duration == 5:
        return Price(usd=five, approximate=False, source=_FAL_PAGE,
                     basis=f"${five} per 5 s clip at {p.resolution} (fal's price list)")
    # 10 s: Pika's table at 720p; at 1080p the same 3x step over the 5 s price is assumed.
    ratio = _USD_PER_10S_720P / _USD_PER_5S["720p"]
    usd = five * ratio
    assumed = "" if p.resolution == "720p" else "; the same step assumed at 1080p"
    return Price(usd=usd, source=PARTNER_TABLE,
                 basis=f"10 s at {p.resolution}: ${usd:.2f} (Pika's table gives $0.60 at "
                       f"720p, {ratio:g}x the 5 s price{assumed})")


def _frames_price(bill: Bill) -> Price:
    p = params_as(bill.params, PikaframesParams)
    images = len(bill.images)
    moves = max(1, images - 1)
    seconds = sum(t.duration for t in p.transitions) if p.transitions else 5 * moves
    rate = _USD_PER_5S[p.resolution]
    # No published Pikaframes price: the 5 s clip price scaled by the total length.
    return Price(usd=rate * seconds / 5, source=_FAL_PAGE,
                 basis=f"estimate: ${rate} per 5 s at {p.resolution} x {seconds} s of "
                       f"transitions ({moves} between {images or 'the'} keyframes); fal "
                       "publishes no Pikaframes price")


_V22 = "fal-ai/pika/v2.2"
_META = {"queue": "yes", "runs_on": "fal"}

MODELS: dict[str, ModelInfo] = {
    m.id: m
    for m in [
        ModelInfo(f"{_V22}/text-to-video", "Pika 2.2 (text-to-video)", (Mode.TXT2VIDEO,),
                  PikaT2VParams, _clip_price,
                  Capabilities(seed=True, negative_prompt=True, sizes=get_args(PikaAspect),
                               durations=(5, 10)),
                  "Pika 2.2 from a prompt alone", _META, ENDPOINTS),
        ModelInfo(f"{_V22}/image-to-video", "Pika 2.2 (image-to-video)", (Mode.IMG2VIDEO,),
                  PikaI2VParams, _clip_price,
                  Capabilities(seed=True, negative_prompt=True, max_reference_images=1,
                               requires_image=True, durations=(5, 10)),
                  "Pika 2.2 from a start image", {**_META, IMAGE_FIELDS: "image_url"},
                  ENDPOINTS),
        ModelInfo(f"{_V22}/pikaframes", "Pika 2.2 Pikaframes (keyframes)", (Mode.STORYBOARD,),
                  PikaframesParams, _frames_price,
                  Capabilities(seed=True, negative_prompt=True, max_reference_images=5,
                               min_reference_images=2, requires_image=True),
                  "2 to 5 keyframe images joined by transitions (25 s at most)",
                  {**_META, IMAGE_FIELDS: "image_urls[]"}, ENDPOINTS),
    ]
}


class PikaProvider(FalProvider):
    info = ProviderInfo(
        id="pika",
        name="Pika",
        kinds=(Kind.VIDEO,),
        key=FalProvider.info.key,
        docs_url="https://fal.ai/models/fal-ai/pika/v2.2/text-to-video",
        pricing_url="https://fal.ai/pricing",
        default_base_url=FalProvider.info.default_base_url,
        notes="Pika's API is served by fal.ai: uses your fal key and is billed by fal.",
        key_from="fal",
        price_sources=PRICE_SOURCES,
    )
    models = MODELS

    def check(
        self, request: RenderRequest, params: ParamsBase, images: Sequence[InputImage]
    ) -> list[tuple[str, str]]:
        """fal refuses pikaframes whose transitions are not one per move between images."""
        if isinstance(params, PikaframesParams) and params.transitions is not None:
            moves = len(request.input_images) - 1
            if len(params.transitions) != moves:
                return [("params.transitions",
                         f"give exactly {moves} transition(s), one per move between the "
                         f"{len(request.input_images)} keyframe images (or none for 5 s "
                         f"each); got {len(params.transitions)}")]
        return []


PROVIDER = PikaProvider
