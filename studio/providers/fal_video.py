"""More fal.ai video models: Kling 2.1 pro/master, Luma Ray 2, PixVerse v4.5, Wan 2.1 i2v, Veo 3.1.

Merged into `studio.providers.fal.MODELS`; the queue protocol is fal.py's. This module only
depends on `base`, so fal.py can import it without a cycle. Field names, enums and defaults
are fal's (`fal_sources.ENDPOINTS`); prices are fal's model pages unless marked approximate.
fal-ai/veo3 left fal's endpoint types in August 2026 and is not offered.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Literal, get_args

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from studio.providers.base import (
    Bill,
    Capabilities,
    InputImage,
    Mode,
    ModelInfo,
    ParamsBase,
    Price,
    PriceRule,
    PriceSource,
    params_as,
)
from studio.providers.fal_safety import FalSafety
from studio.providers.fal_sources import ENDPOINTS, PRICE_SOURCES_BY_MODEL, RAY2_THIRD_PARTY
from studio.providers.images import uri_for

# ModelInfo.metadata key naming the body fields that carry input images, in order:
# "image_url,tail_image_url" puts the first image in image_url and the second in
# tail_image_url; a trailing "[]" ("image_urls[]") sends every image as one list.
IMAGE_FIELDS = "image_fields"


def image_fields(model: ModelInfo, images: Sequence[InputImage]) -> dict[str, Any]:
    """The body fields for the input images, named as this model expects them."""
    if not images:
        return {}
    spec = model.metadata.get(IMAGE_FIELDS, "image_url")
    if spec.endswith("[]"):
        return {spec[:-2]: [uri_for(image) for image in images]}
    return {name: uri_for(image) for name, image in zip(spec.split(","), images, strict=False)}


# ---- params models -------------------------------------------------------------------


class KlingParams(ParamsBase):
    duration: Literal["5", "10"] = Field("5", description="Clip length in seconds")
    cfg_scale: float = Field(0.5, ge=0, le=1, description="How closely to follow the prompt")


class KlingT2VParams(KlingParams):
    aspect_ratio: Literal["16:9", "9:16", "1:1"] = Field("16:9", description="Frame shape")


RayAspect = Literal["16:9", "9:16", "4:3", "3:4", "21:9", "9:21"]


class RayParams(ParamsBase):
    aspect_ratio: RayAspect = Field("16:9", description="Frame shape")
    duration: Literal["5s", "9s"] = Field("5s", description="Clip length (9 s costs 2x)")
    resolution: Literal["540p", "720p", "1080p"] = Field(
        "540p", description="Output resolution (720p costs 2x, 1080p 4x)")
    loop: bool = Field(False, description="End on the first frame so the clip loops")


PixverseStyle = Literal[None, "anime", "3d_animation", "clay", "comic", "cyberpunk"]


class PixverseParams(ParamsBase):
    resolution: Literal["360p", "540p", "720p", "1080p"] = Field(
        "720p", description="Output resolution")
    duration: Literal["5", "8"] = Field("5", description="Clip length (8 s costs 2x; "
                                                         "1080p is 5 s only)")
    style: PixverseStyle = Field(None, description="Optional look; none keeps it natural")

    @field_validator("duration")
    @classmethod
    def _full_hd_is_five_seconds(cls, duration: str, info: ValidationInfo) -> str:
        if duration != "5" and info.data.get("resolution") == "1080p":
            raise PydanticCustomError(
                "pixverse_1080p_duration",
                "PixVerse renders 1080p clips of 5 s only; choose 5 s or a lower resolution")
        return duration


class PixverseT2VParams(PixverseParams):
    aspect_ratio: Literal["16:9", "4:3", "1:1", "3:4", "9:16"] = Field(
        "16:9", description="Frame shape")


class WanI2VParams(FalSafety):
    num_frames: int = Field(81, ge=81, le=100, description="Frames (over 81 costs 1.25x)")
    frames_per_second: int = Field(16, ge=5, le=24, description="Playback rate")
    resolution: Literal["480p", "720p"] = Field("720p", description="Output resolution")
    aspect_ratio: Literal["auto", "16:9", "9:16", "1:1"] = Field(
        "auto", description="Frame shape; auto follows the input image")
    num_inference_steps: int = Field(30, ge=2, le=40, description="Denoising steps")
    guide_scale: float = Field(5, ge=1, le=10, description="How closely to follow the prompt")
    shift: float = Field(5, ge=1, le=10, description="Noise schedule shift")
    acceleration: Literal["none", "regular"] = Field("regular", description="Speed-up")
    enable_prompt_expansion: bool = Field(False, description="Let the provider expand the prompt")
    enable_safety_checker: bool = Field(True, description="fal's NSFW filter")


class Veo31Params(FalSafety):
    aspect_ratio: Literal["16:9", "9:16"] = Field("16:9", description="Frame shape")
    duration: Literal["4s", "6s", "8s"] = Field("8s", description="Clip length")
    resolution: Literal["720p", "1080p", "4k"] = Field(
        "720p", description="Output resolution (4k costs more)")
    generate_audio: bool = Field(True, description="Add a soundtrack (doubles the price)")
    auto_fix: bool = Field(True, description="Let fal rewrite a prompt the policy refuses")
    safety_tolerance: Literal["1", "2", "3", "4", "5", "6"] = Field(
        "4", description="1 is strictest, 6 most permissive")


# ---- price rules ---------------------------------------------------------------------

_PIXVERSE = "fal-ai/pixverse/v4.5"


def _kling(base: float, per_extra_second: float, model: str) -> PriceRule:
    source = PRICE_SOURCES_BY_MODEL[model]

    def price(bill: Bill) -> Price:
        p = params_as(bill.params, KlingParams)
        usd = base + per_extra_second * max(0, int(p.duration) - 5)
        return Price(usd=usd, approximate=False, source=source,
                     basis=f"${base} per 5 s + ${per_extra_second}/s beyond")
    return price


_RAY_RESOLUTION = {"540p": 1, "720p": 2, "1080p": 4}


def _ray(per_clip: float, source: PriceSource, *, approximate: bool) -> PriceRule:
    def price(bill: Bill) -> Price:
        p = params_as(bill.params, RayParams)
        factor = _RAY_RESOLUTION[p.resolution] * (2 if p.duration == "9s" else 1)
        return Price(usd=per_clip * factor, approximate=approximate, source=source,
                     basis=f"${per_clip} per 5 s at 540p x{factor} "
                           f"({p.resolution}, {p.duration})")
    return price


_PIXVERSE_RATE = {"360p": 0.30, "540p": 0.30, "720p": 0.40, "1080p": 0.80}


def _pixverse(bill: Bill) -> Price:
    p = params_as(bill.params, PixverseParams)
    rate = _PIXVERSE_RATE[p.resolution]
    clips = 2 if p.duration == "8" else 1
    # fal's page lists this table for v4.5 "fast"; used for v4.5 until a closer figure exists.
    return Price(usd=rate * clips, approximate=True,
                 source=PRICE_SOURCES_BY_MODEL[f"{_PIXVERSE}/text-to-video"],
                 basis=f"${rate} per 5 s at {p.resolution} x{clips} (v4.5 fast table)")


def _wan_i2v(bill: Bill) -> Price:
    p = params_as(bill.params, WanI2VParams)
    usd = 0.20 if p.resolution == "480p" else 0.40
    if p.num_frames > 81:
        usd *= 1.25
    return Price(usd=usd, approximate=False, source=PRICE_SOURCES_BY_MODEL["fal-ai/wan-i2v"],
                 basis="$0.20 (480p) / $0.40 (720p) per video; >81 frames 1.25x")


def _veo(silent: float, with_audio: float, silent_4k: float, audio_4k: float) -> PriceRule:
    def price(bill: Bill) -> Price:
        p = params_as(bill.params, Veo31Params)
        uhd = p.resolution == "4k"
        rate = (audio_4k if uhd else with_audio) if p.generate_audio else (
            silent_4k if uhd else silent)
        seconds = int(p.duration.rstrip("s"))
        audio = "with" if p.generate_audio else "without"
        return Price(usd=rate * seconds, approximate=False,
                     source=PRICE_SOURCES_BY_MODEL["fal-ai/veo3.1"],
                     basis=f"${rate}/s {audio} audio at {p.resolution} x {seconds} s")
    return price


# ---- the models --------------------------------------------------------------------------


def _caps(*, seed: bool, negative: bool, images: int = 0, sizes: Any = (),
          durations: tuple[float, ...] = ()) -> Capabilities:
    return Capabilities(seed=seed, negative_prompt=negative, max_reference_images=images,
                        requires_image=images > 0, sizes=tuple(sizes), durations=durations)


def _meta(images: str | None = None) -> dict[str, str]:
    return {"queue": "yes", **({IMAGE_FIELDS: images} if images else {})}


_RAY_SIZES = get_args(RayAspect)
_I2V, _T2V = (Mode.IMG2VIDEO,), (Mode.TXT2VIDEO,)
_KLING = "fal-ai/kling-video/v2.1"
_RAY = "fal-ai/luma-dream-machine/ray-2"
_RAY_FLASH = PRICE_SOURCES_BY_MODEL[f"{_RAY}-flash"]


def _model(model_id: str, *args: Any) -> ModelInfo:
    return dataclasses.replace(ModelInfo(model_id, *args), source=ENDPOINTS)


VIDEO_MODELS: dict[str, ModelInfo] = {
    m.id: m
    for m in [
        _model(f"{_KLING}/pro/image-to-video", "Kling 2.1 pro (image-to-video)", _I2V,
                  KlingParams, _kling(0.49, 0.098, f"{_KLING}/pro/image-to-video"),
                  _caps(seed=False, negative=True, images=2, durations=(5, 10)),
                  "Kling 2.1 pro; a second image sets the end frame (tail_image_url)",
                  _meta("image_url,tail_image_url")),
        _model(f"{_KLING}/master/image-to-video", "Kling 2.1 master (image-to-video)", _I2V,
                  KlingParams, _kling(1.40, 0.28, f"{_KLING}/master/image-to-video"),
                  _caps(seed=False, negative=True, images=1, durations=(5, 10)),
                  "Kling's top tier: best motion, slowest and dearest", _meta("image_url")),
        _model(f"{_KLING}/master/text-to-video", "Kling 2.1 master (text-to-video)", _T2V,
                  KlingT2VParams, _kling(1.40, 0.28, f"{_KLING}/master/text-to-video"),
                  _caps(seed=False, negative=True, sizes=("16:9", "9:16", "1:1"),
                        durations=(5, 10)),
                  "Kling 2.1 master from a prompt alone", _meta()),
        _model(_RAY, "Luma Ray 2 (text-to-video)", _T2V, RayParams,
                  _ray(0.50, RAY2_THIRD_PARTY, approximate=True),
                  _caps(seed=False, negative=False, sizes=_RAY_SIZES, durations=(5, 9)),
                  "Luma Dream Machine Ray 2 hosted on fal", _meta()),
        _model(f"{_RAY}/image-to-video", "Luma Ray 2 (image-to-video)", _I2V, RayParams,
                  _ray(0.50, RAY2_THIRD_PARTY, approximate=True),
                  _caps(seed=False, negative=False, images=2, sizes=_RAY_SIZES,
                        durations=(5, 9)),
                  "Ray 2 from a start image; a second image sets the end frame",
                  _meta("image_url,end_image_url")),
        _model(f"{_RAY}-flash", "Luma Ray 2 Flash (text-to-video)", _T2V, RayParams,
                  _ray(0.20, _RAY_FLASH, approximate=False),
                  _caps(seed=False, negative=False, sizes=_RAY_SIZES, durations=(5, 9)),
                  "Faster, cheaper Ray 2", _meta()),
        _model(f"{_RAY}-flash/image-to-video", "Luma Ray 2 Flash (image-to-video)", _I2V,
                  RayParams, _ray(0.20, _RAY_FLASH, approximate=False),
                  _caps(seed=False, negative=False, images=2, sizes=_RAY_SIZES,
                        durations=(5, 9)),
                  "Ray 2 Flash from a start image; a second image sets the end frame",
                  _meta("image_url,end_image_url")),
        _model(f"{_PIXVERSE}/text-to-video", "PixVerse v4.5 (text-to-video)", _T2V,
                  PixverseT2VParams, _pixverse,
                  _caps(seed=True, negative=True, sizes=("16:9", "4:3", "1:1", "3:4", "9:16"),
                        durations=(5, 8)),
                  "PixVerse v4.5; optional anime/clay/comic styles", _meta()),
        _model(f"{_PIXVERSE}/image-to-video", "PixVerse v4.5 (image-to-video)", _I2V,
                  PixverseParams, _pixverse,
                  _caps(seed=True, negative=True, images=1, durations=(5, 8)),
                  "PixVerse v4.5 from a start image", _meta("image_url")),
        _model("fal-ai/wan-i2v", "Wan 2.1 (image-to-video)", _I2V, WanI2VParams, _wan_i2v,
                  _caps(seed=True, negative=True, images=1),
                  "Open Wan 2.1 model from a start image", _meta("image_url")),
        _model("fal-ai/veo3.1", "Veo 3.1 (text-to-video)", _T2V, Veo31Params,
                  _veo(0.20, 0.40, 0.40, 0.60),
                  _caps(seed=True, negative=True, sizes=("16:9", "9:16"), durations=(4, 6, 8)),
                  "Google Veo 3.1 with optional audio, up to 4k", _meta()),
    ]
}
