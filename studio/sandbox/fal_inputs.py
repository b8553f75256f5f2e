"""Reading a fal model input: which files the request will produce, or a 422 reason."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any, TypeGuard

from .config import SandboxConfig
from .jobs import OutputSpec
from .sizes import ASPECT_SIZES, FAL_IMAGE_SIZES, VIDEO_RESOLUTIONS, cap_video, video_size

VIDEO_MARKERS = ("video", "kling", "pika", "luma-dream-machine", "pixverse", "wan-", "veo")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*s?\s*$")
MAX_VIDEO_SECONDS = 60.0


class FalInputError(Exception):
    """One field of the input is wrong; rendered as fal's 422 validation detail."""

    def __init__(self, field: str, msg: str, kind: str) -> None:
        super().__init__(f"{field}: {msg}")
        self.field, self.msg, self.kind = field, msg, kind

    def detail(self) -> list[dict[str, Any]]:
        loc = ["body"] if not self.field else ["body", self.field]
        return [{"loc": loc, "msg": self.msg, "type": self.kind}]


@dataclass(frozen=True)
class FalPlan:
    """What a submitted request will produce."""

    prompt: str
    seed: int
    is_video: bool
    outputs: tuple[OutputSpec, ...]
    requested_size: tuple[int, int]
    single: bool = False  # the result has one `image` (upscalers, background removal)


def is_video_endpoint(endpoint_id: str) -> bool:
    lowered = endpoint_id.lower()
    return any(marker in lowered for marker in VIDEO_MARKERS)


def plan_request(endpoint_id: str, body: Any, request_id: str, config: SandboxConfig) -> FalPlan:
    if not isinstance(body, dict):
        raise FalInputError("", "value is not a valid dict", "type_error.dict")
    prompt = body.get("prompt")
    if prompt is None:
        raise FalInputError("prompt", "field required", "value_error.missing")
    if not isinstance(prompt, str):
        raise FalInputError("prompt", "str type expected", "type_error.str")
    if "image-to-" in endpoint_id and not _non_empty_str(body.get("image_url")):
        raise FalInputError("image_url", "field required", "value_error.missing")
    if "pikaframes" in endpoint_id:
        _check_keyframes(body.get("image_urls"))
    seed = _seed(body.get("seed"))
    if is_video_endpoint(endpoint_id):
        return _video_plan(endpoint_id, body, prompt, seed, request_id, config)
    return _image_plan(endpoint_id, body, prompt, seed, request_id, config)


def _non_empty_str(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _seed(value: Any) -> int:
    if value is None:
        # Like fal: no seed means a random one, reported back in the result.
        return random.randrange(0, 2**31)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FalInputError("seed", "value is not a valid integer >= 0", "type_error.integer")
    return value


def _image_plan(
    endpoint_id: str,
    body: dict[str, Any],
    prompt: str,
    seed: int,
    request_id: str,
    config: SandboxConfig,
) -> FalPlan:
    width, height = _image_size(endpoint_id, body, config.max_image_side)
    count = body.get("num_images", 1)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 4:
        raise FalInputError(
            "num_images", "ensure this value is between 1 and 4", "value_error.number.not_in_range"
        )
    fmt = _image_format(body)
    ext = "jpg" if fmt == "jpeg" else fmt
    outputs = tuple(
        OutputSpec(f"{request_id}-{i}.{ext}", prompt, seed + i, width, height, fmt)
        for i in range(count)
    )
    return FalPlan(prompt, seed, False, outputs, (width, height))


def _image_size(endpoint_id: str, body: dict[str, Any], max_side: int) -> tuple[int, int]:
    size = body.get("image_size")
    if isinstance(size, str):
        if size not in FAL_IMAGE_SIZES:
            raise FalInputError(
                "image_size", f"value is not one of {list(FAL_IMAGE_SIZES)}", "type_error.enum"
            )
        return FAL_IMAGE_SIZES[size]
    if isinstance(size, dict):
        width, height = size.get("width"), size.get("height")
        if not (_side_ok(width, max_side) and _side_ok(height, max_side)):
            raise FalInputError(
                "image_size",
                f"width and height must be integers 1..{max_side}",
                "value_error.number.not_in_range",
            )
        return width, height
    if size is not None:
        raise FalInputError("image_size", "value is not a valid size", "type_error")
    aspect = body.get("aspect_ratio")
    if aspect is not None:
        if not isinstance(aspect, str) or aspect not in ASPECT_SIZES:
            raise FalInputError(
                "aspect_ratio", f"value is not one of {list(ASPECT_SIZES)}", "type_error.enum"
            )
        return ASPECT_SIZES[aspect]
    if "ultra" in endpoint_id:
        return ASPECT_SIZES["16:9"]
    if "sdxl" in endpoint_id:
        return FAL_IMAGE_SIZES["square_hd"]
    return FAL_IMAGE_SIZES["landscape_4_3"]


def _image_format(body: dict[str, Any]) -> str:
    field = "output_format" if "output_format" in body else "format"
    fmt = body.get(field) or "jpeg"
    fmt = "jpeg" if fmt == "jpg" else fmt
    if fmt not in ("png", "jpeg", "webp"):
        raise FalInputError(field, "value is not one of ['jpeg', 'png']", "type_error.enum")
    return fmt


def _video_plan(
    endpoint_id: str,
    body: dict[str, Any],
    prompt: str,
    seed: int,
    request_id: str,
    config: SandboxConfig,
) -> FalPlan:
    seconds = _video_seconds(endpoint_id, body)
    resolution = body.get("resolution") or ("540p" if "luma" in endpoint_id else "720p")
    if not isinstance(resolution, str) or resolution not in VIDEO_RESOLUTIONS:
        raise FalInputError(
            "resolution", f"value is not one of {list(VIDEO_RESOLUTIONS)}", "type_error.enum"
        )
    aspect = body.get("aspect_ratio") or "16:9"
    if aspect != "auto" and (not isinstance(aspect, str) or ":" not in aspect):
        raise FalInputError("aspect_ratio", "value is not a valid aspect ratio", "type_error.enum")
    requested = video_size(VIDEO_RESOLUTIONS[resolution], aspect)
    width, height = cap_video(*requested, config.max_video_side)
    name = f"{request_id}.mp4"
    if (width, height) != requested:
        # Say what was asked for, since the sandbox renders a smaller file.
        name = f"{request_id}_requested-{requested[0]}x{requested[1]}.mp4"
    output = OutputSpec(name, prompt, seed, width, height, "mp4", seconds, config.video_fps)
    return FalPlan(prompt, seed, True, (output,), requested)


def _check_keyframes(urls: Any) -> None:
    if not isinstance(urls, list) or not 2 <= len(urls) <= 5:
        raise FalInputError(
            "image_urls", "ensure this list has 2 to 5 items", "value_error.list.size"
        )
    if not all(_non_empty_str(url) for url in urls):
        raise FalInputError("image_urls", "every item must be a URL", "type_error.str")


def _pikaframes_seconds(body: dict[str, Any]) -> float:
    """Pikaframes: one transition per pair of images, 5 s each unless given; 25 s at most."""
    transitions = body.get("transitions")
    if transitions is None:
        return 5.0 * (len(body["image_urls"]) - 1)
    if not isinstance(transitions, list):
        transitions = [None]
    moves = len(body["image_urls"]) - 1
    if len(transitions) != moves:
        raise FalInputError(
            "transitions", f"Length must be len(image_urls) - 1 = {moves}, got "
            f"{len(transitions)}", "value_error")
    durations = [t.get("duration", 5) if isinstance(t, dict) else None for t in transitions]
    if not all(_positive_int(d) for d in durations):
        raise FalInputError(
            "transitions", "each transition needs a positive integer duration", "type_error"
        )
    total = float(sum(durations))  # type: ignore[arg-type]
    if total > 25:
        raise FalInputError(
            "transitions", "the total duration must be 25 seconds or less", "value_error"
        )
    return total


def _video_seconds(endpoint_id: str, body: dict[str, Any]) -> float:
    if "pikaframes" in endpoint_id:
        return _pikaframes_seconds(body)
    duration = body.get("duration")
    frames, fps = body.get("num_frames"), body.get("frames_per_second") or 16
    if duration is None and _positive_int(frames) and _positive_int(fps):
        # Wan-style inputs give frames and fps instead of a duration.
        return min(MAX_VIDEO_SECONDS, frames / fps)
    if duration is None:
        return 8.0 if "veo" in endpoint_id else 5.0
    if isinstance(duration, bool):
        duration = None
    if isinstance(duration, str) and (match := _DURATION.match(duration)):
        duration = float(match.group(1))
    if not isinstance(duration, int | float) or not 0 < duration <= MAX_VIDEO_SECONDS:
        raise FalInputError(
            "duration", "value is not a valid duration such as '5' or '8s'", "value_error"
        )
    return float(duration)


def _positive_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _side_ok(value: Any, max_side: int) -> TypeGuard[int]:
    return _positive_int(value) and value <= max_side
