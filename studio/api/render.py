"""From an API generate body to the studio's RenderRequest.

The API speaks in portable words (mode `image2image` or `video`, `duration_seconds`,
`resolution`); each model keeps its own parameter names. This module maps one onto the
other and remembers which parameter came from which API field, so a validation error
names the field the client actually sent.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from studio.api.schemas import ImageGenerateRequest, VideoGenerateRequest
from studio.core.requests import FieldError, RequestError
from studio.providers.base import Kind, Mode, ModelInfo, Provider, RenderRequest, UnknownModel

API_MODE = {Mode.TXT2IMG: "txt2img", Mode.IMG2IMG: "image2image", Mode.TXT2VIDEO: "video",
            Mode.IMG2VIDEO: "video", Mode.STORYBOARD: "storyboard", Mode.INPAINT: "inpaint",
            Mode.OUTPAINT: "outpaint", Mode.UPSCALE: "upscale",
            Mode.REMOVE_BACKGROUND: "remove_background"}
_ALIASES = {"image2image": Mode.IMG2IMG}
_DURATION_FIELDS = ("duration", "duration_seconds")
_SIZE = re.compile(r"(\d{2,5})\s*[x:×]\s*(\d{2,5})", re.IGNORECASE)


@dataclass
class Translated:
    request: RenderRequest
    renames: dict[str, str] = field(default_factory=dict)  # params field -> API field

    def api_field(self, name: str) -> str:
        """The API's name for a core error field (`params.x` -> `parameters.x`)."""
        if name.startswith("params."):
            head, _, rest = name[len("params."):].partition(".")
            if head in self.renames:
                return self.renames[head]
            return "parameters." + head + (f".{rest}" if rest else "")
        return name

    def api_errors(self, errors: list[FieldError]) -> list[FieldError]:
        return [FieldError(self.api_field(e.field), e.message) for e in errors]


def api_modes(model: ModelInfo) -> list[str]:
    return list(dict.fromkeys(API_MODE[m] for m in model.modes))


def translate(
    body: ImageGenerateRequest,
    kind: Kind,
    providers: Mapping[str, Provider],
    image_paths: list[str],
) -> Translated:
    provider = providers.get(body.provider)
    if provider is None:
        raise RequestError([FieldError("provider", f"unknown provider {body.provider!r}; "
                                       f"known: {', '.join(sorted(providers))}")])
    try:
        model = provider.model(body.model)
    except UnknownModel as exc:
        raise RequestError([FieldError("model", exc.message)]) from None
    if model.kind is not kind:
        raise RequestError([FieldError("model", f"{model.name} is a {model.kind.value} model; "
                                       f"use /api/providers/{model.kind.value}/generate")])
    mode = resolve_mode(body.mode, model, kind, bool(body.input_images))
    params = dict(body.parameters)
    renames: dict[str, str] = {}
    if isinstance(body, VideoGenerateRequest):
        errors = _map_duration(body.duration_seconds, model, params, renames)
        errors += _map_resolution(body.resolution, model, params, renames)
        if errors:
            raise RequestError(errors)
    request = RenderRequest(
        provider=body.provider, model=body.model, mode=mode, prompt=body.prompt,
        negative_prompt=body.negative_prompt, seed=body.seed, params=params,
        input_images=image_paths, compare_group=body.compare_group,
        confirm_weaker_safety=body.confirm_weaker_safety)
    return Translated(request, renames)


def resolve_mode(name: str | None, model: ModelInfo, kind: Kind, has_images: bool
                 ) -> Mode | None:
    if name is None and kind is Kind.IMAGE:
        return Mode.IMG2IMG if has_images and Mode.IMG2IMG in model.modes else None
    if name in (None, "video"):
        video = [m for m in model.modes if m in (Mode.TXT2VIDEO, Mode.IMG2VIDEO)]
        if not video:
            if name is None:
                return None
            raise _mode_error(model)
        if has_images and Mode.IMG2VIDEO in video:
            return Mode.IMG2VIDEO
        return Mode.TXT2VIDEO if Mode.TXT2VIDEO in video else video[0]
    mode = _ALIASES.get(name) or Mode(name)
    if mode.kind is not kind or mode not in model.modes:
        raise _mode_error(model)
    return mode


def _mode_error(model: ModelInfo) -> RequestError:
    return RequestError([FieldError("mode", f"{model.name} supports "
                                            f"{', '.join(api_modes(model))}")])


def _field_type(model: ModelInfo, name: str) -> Any:
    info = model.params.model_fields.get(name)
    return None if info is None else info.annotation


def _map_duration(seconds: float | None, model: ModelInfo, params: dict[str, Any],
                  renames: dict[str, str]) -> list[FieldError]:
    if seconds is None:
        return []
    name = next((n for n in _DURATION_FIELDS if n in model.params.model_fields), None)
    if name is None:
        return [FieldError("duration_seconds", f"{model.name} has no clip-length setting; "
                                               "use its own parameters")]
    annotation = _field_type(model, name)
    value: Any
    if typing.get_origin(annotation) is typing.Literal:
        choices = typing.get_args(annotation)
        value = next((c for c in choices if _seconds(c) == seconds), None)
        if value is None:
            offered = ", ".join(f"{_seconds(c):g}" for c in choices if _seconds(c) is not None)
            return [FieldError("duration_seconds", f"{model.name} makes clips of {offered} s")]
    elif annotation is int:
        if seconds != int(seconds):
            return [FieldError("duration_seconds", "this model takes whole seconds")]
        value = int(seconds)
    else:
        value = seconds
    return _put(params, renames, name, value, "duration_seconds")


def _map_resolution(resolution: str | None, model: ModelInfo, params: dict[str, Any],
                    renames: dict[str, str]) -> list[FieldError]:
    if resolution is None:
        return []
    fields = model.params.model_fields
    resolution = resolution.strip()
    if "resolution" in fields:
        return _put(params, renames, "resolution", resolution, "resolution")
    size = _SIZE.fullmatch(resolution)
    if "ratio" in fields and size:
        return _put(params, renames, "ratio", f"{size.group(1)}:{size.group(2)}", "resolution")
    if "width" in fields and "height" in fields and size:
        return (_put(params, renames, "width", int(size.group(1)), "resolution")
                + _put(params, renames, "height", int(size.group(2)), "resolution"))
    if "ratio" in fields or "width" in fields:
        return [FieldError("resolution", "give this model WIDTHxHEIGHT, e.g. 1280x720")]
    return [FieldError("resolution", f"{model.name} has no resolution setting")]


def _put(params: dict[str, Any], renames: dict[str, str], name: str, value: Any,
         api_field: str) -> list[FieldError]:
    if name in params and params[name] != value:
        return [FieldError(api_field, f"conflicts with parameters.{name}={params[name]!r}")]
    params[name] = value
    renames[name] = api_field
    return []


def _seconds(choice: Any) -> float | None:
    try:
        return float(str(choice).rstrip("s"))
    except ValueError:
        return None
