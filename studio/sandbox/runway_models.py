"""Runway models, the fields each accepts and what a task costs; validation issues list."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .sizes import parse_ratio

GEN4_RATIOS = ("1280:720", "720:1280", "1104:832", "960:960", "832:1104", "1584:672")
VEO_RATIOS = ("1280:720", "720:1280", "1080:1920", "1920:1080")
IMAGE_RATIOS = (
    "1024:1024",
    "1080:1080",
    "1168:880",
    "1360:768",
    "1440:1080",
    "1080:1440",
    "1808:768",
    "1920:1080",
    "1080:1920",
    "2112:912",
    "1280:720",
    "720:1280",
    "720:720",
    "960:720",
    "720:960",
    "1680:720",
)
MAX_DATA_URI_CHARS = 5 * 1024 * 1024
MAX_URL_CHARS = 2048
MAX_PROMPT_UNITS = 1000
_TAG = re.compile(r"^[A-Za-z][A-Za-z0-9_]{2,15}$")
_DATA_URI = re.compile(r"^data:image/[\w.+-]+;base64,(?P<payload>.*)$", re.S)


@dataclass(frozen=True)
class RunwayModel:
    name: str
    ratios: tuple[str, ...]
    durations: tuple[int, ...] = ()  # empty for image models
    default_duration: int | None = None  # None: duration is required
    prompt_required: bool = False
    credits: float = 0.0  # per second of video, or per image
    credits_no_audio: float | None = None
    min_references: int = 0

    @property
    def is_video(self) -> bool:
        return bool(self.durations)


_TWO_TO_TEN = tuple(range(2, 11))
_VEO_VARIANTS = (
    RunwayModel("veo3.1", VEO_RATIOS, (4, 6, 8), 8, credits=40, credits_no_audio=20),
    RunwayModel("veo3.1_fast", VEO_RATIOS, (4, 6, 8), 8, credits=15, credits_no_audio=10),
    RunwayModel("veo3", VEO_RATIOS, (8,), 8, credits=40),
)
MODELS: dict[str, dict[str, RunwayModel]] = {
    "image_to_video": {
        m.name: m
        for m in (
            RunwayModel("gen4.5", GEN4_RATIOS, _TWO_TO_TEN, None, prompt_required=True, credits=12),
            RunwayModel("gen4_turbo", GEN4_RATIOS, _TWO_TO_TEN, 10, credits=5),
            *_VEO_VARIANTS,
        )
    },
    "text_to_video": {
        m.name: m
        for m in (
            RunwayModel("gen4.5", ("1280:720", "720:1280"), _TWO_TO_TEN, None, True, 12),
            *(
                RunwayModel(
                    v.name,
                    v.ratios,
                    v.durations,
                    v.default_duration,
                    True,
                    v.credits,
                    v.credits_no_audio,
                )
                for v in _VEO_VARIANTS
            ),
        )
    },
    "text_to_image": {
        "gen4_image": RunwayModel("gen4_image", IMAGE_RATIOS, prompt_required=True, credits=5),
        "gen4_image_turbo": RunwayModel(
            "gen4_image_turbo", IMAGE_RATIOS, prompt_required=True, credits=2, min_references=1
        ),
    },
}


@dataclass(frozen=True)
class TaskRequest:
    """A validated create-task body."""

    model: RunwayModel
    prompt: str
    width: int
    height: int
    seconds: int
    seed: int | None
    credits: int


class Issues(list[dict[str, Any]]):
    def add(self, path: list[str | int], message: str) -> None:
        self.append({"path": path, "message": message})


def validate(kind: str, body: Any) -> tuple[TaskRequest | None, Issues]:
    issues = Issues()
    if not isinstance(body, dict):
        issues.add([], "Expected object")
        return None, issues
    models = MODELS[kind]
    name = body.get("model")
    model = models.get(name) if isinstance(name, str) else None
    if model is None:
        expected = " | ".join(f"'{option}'" for option in models)
        issues.add(["model"], f"Invalid enum value. Expected {expected}, received {name!r}")
        return None, issues
    if kind == "image_to_video":
        _check_prompt_image(body.get("promptImage"), issues)
    if kind == "text_to_image":
        _check_references(body.get("referenceImages"), model.min_references, issues)
    prompt = _check_prompt_text(body.get("promptText"), model.prompt_required, issues)
    ratio = body.get("ratio")
    if ratio not in model.ratios:
        issues.add(["ratio"], f"Invalid enum value. Expected one of {', '.join(model.ratios)}")
    seconds = _check_duration(body.get("duration"), model, issues)
    seed = body.get("seed")
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= 4294967295
    ):
        issues.add(["seed"], "Expected an integer between 0 and 4294967295")
    if issues:
        return None, issues
    width, height = parse_ratio(str(ratio)) or (0, 0)
    request = TaskRequest(
        model,
        prompt,
        width,
        height,
        seconds,
        seed,
        _credits(model, seconds, min(width, height), body.get("audio")),
    )
    return request, issues


def _credits(model: RunwayModel, seconds: int, short_side: int, audio: Any) -> int:
    if not model.is_video:
        return 8 if model.name == "gen4_image" and short_side >= 1080 else round(model.credits)
    per_second = model.credits
    if audio is False and model.credits_no_audio is not None:
        per_second = model.credits_no_audio
    return round(per_second * seconds)


def _check_prompt_text(value: Any, required: bool, issues: Issues) -> str:
    if value is None:
        if required:
            issues.add(["promptText"], "Required")
        return ""
    if not isinstance(value, str) or not value.strip():
        issues.add(["promptText"], "Expected a non-empty string")
        return ""
    if len(value.encode("utf-16-le")) // 2 > MAX_PROMPT_UNITS:
        issues.add(["promptText"], f"String must contain at most {MAX_PROMPT_UNITS} character(s)")
    return value


def _check_duration(value: Any, model: RunwayModel, issues: Issues) -> int:
    if not model.is_video:
        return 0
    if value is None:
        if model.default_duration is None:
            issues.add(["duration"], "Required")
            return 0
        return model.default_duration
    if isinstance(value, bool) or not isinstance(value, int) or value not in model.durations:
        allowed = ", ".join(str(d) for d in model.durations)
        issues.add(["duration"], f"Expected an integer in {{{allowed}}}")
        return 0
    return value


def _check_prompt_image(value: Any, issues: Issues) -> None:
    if value is None:
        issues.add(["promptImage"], "Required")
    elif isinstance(value, str):
        check_uri(value, ["promptImage"], issues)
    elif isinstance(value, list) and 1 <= len(value) <= 2:
        for index, item in enumerate(value):
            if not isinstance(item, dict) or item.get("position") not in ("first", "last"):
                issues.add(["promptImage", index, "position"], "Expected 'first' | 'last'")
                continue
            check_uri(item.get("uri"), ["promptImage", index, "uri"], issues)
    else:
        issues.add(["promptImage"], "Expected a URI string or 1-2 {uri, position} objects")


def _check_references(value: Any, minimum: int, issues: Issues) -> None:
    if value is None and minimum == 0:
        return
    if not isinstance(value, list) or not minimum <= len(value) <= 3:
        issues.add(["referenceImages"], f"Expected an array of {minimum} to 3 reference images")
        return
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            issues.add(["referenceImages", index], "Expected object")
            continue
        check_uri(item.get("uri"), ["referenceImages", index, "uri"], issues)
        tag = item.get("tag")
        if tag is not None and (not isinstance(tag, str) or not _TAG.match(tag)):
            issues.add(
                ["referenceImages", index, "tag"],
                "Tags are 3-16 letters, digits or underscores, starting with a letter",
            )


def check_uri(value: Any, path: list[str | int], issues: Issues) -> None:
    """Runway takes HTTPS URLs on a public domain, runway:// uploads and image data URIs."""
    if not isinstance(value, str) or not value:
        issues.add(path, "Expected a URI string")
        return
    if value.startswith("data:"):
        match = _DATA_URI.match(value)
        if match is None:
            issues.add(path, "Data URIs must look like data:image/<type>;base64,<data>")
        elif len(value) > MAX_DATA_URI_CHARS:
            issues.add(path, "Data URIs must be at most 5 MB")
        else:
            try:
                base64.b64decode(match.group("payload"), validate=True)
            except (binascii.Error, ValueError):
                issues.add(path, "The data URI does not contain valid base64")
        return
    if value.startswith("runway://"):
        return
    if len(value) > MAX_URL_CHARS:
        issues.add(path, f"URLs must be at most {MAX_URL_CHARS} characters")
        return
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        issues.add(path, "Only HTTPS URLs, runway:// URIs and data URIs are accepted")
    elif _is_ip_or_local(parts.hostname):
        issues.add(path, "URLs must use a public domain name, not an IP address or localhost")


def _is_ip_or_local(host: str) -> bool:
    if host == "localhost" or host.endswith((".localhost", ".local")) or "." not in host:
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
