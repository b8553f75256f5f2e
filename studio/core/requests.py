"""Checking a RenderRequest against its provider and model before anything is written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import ValidationError

from studio.core.inputs import AssetResolver, InputError, is_url, load_input
from studio.providers.base import (
    ImageTransport,
    InputImage,
    Mode,
    ModelInfo,
    ParamsBase,
    Provider,
    RenderRequest,
    UnknownModel,
)


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class RequestError(ValueError):
    """A request that cannot be sent, with one message per bad field."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


@dataclass(frozen=True)
class CheckedRequest:
    request: RenderRequest
    provider: Provider
    model: ModelInfo
    mode: Mode
    params: ParamsBase
    images: tuple[InputImage, ...]


def field_errors(exc: ValidationError, prefix: str = "") -> list[FieldError]:
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        name = f"{prefix}{loc}" if loc else prefix.rstrip(".") or "request"
        out.append(FieldError(name, err["msg"]))
    return out


def check_request(
    request: RenderRequest,
    providers: Mapping[str, Provider],
    *,
    load_images: bool = True,
    allow_weaker_safety: bool = False,
    assets: AssetResolver | None = None,
) -> CheckedRequest:
    provider = providers.get(request.provider)
    if provider is None:
        known = ", ".join(sorted(providers))
        raise RequestError([FieldError("provider", f"unknown provider {request.provider!r}; "
                                                   f"known: {known}")])
    try:
        model = provider.model(request.model)
    except UnknownModel as exc:
        raise RequestError([FieldError("model", exc.message)]) from None
    errors: list[FieldError] = []
    mode = request.mode or model.modes[0]
    if mode not in model.modes:
        errors.append(FieldError("mode", f"{model.name} supports "
                                         f"{', '.join(m.value for m in model.modes)}"))
    if not request.prompt.strip():
        errors.append(FieldError("prompt", "a prompt is required"))
    caps = model.capabilities
    needs = max(caps.min_reference_images,
                1 if caps.requires_image or mode in (Mode.IMG2IMG, Mode.IMG2VIDEO) else 0)
    given = len(request.input_images)
    if caps.image_url_param and request.params.get(caps.image_url_param):
        given += 1
    if given < needs:
        errors.append(FieldError("input_images", f"{model.name} needs "
                                 f"{'an input image' if needs == 1 else f'{needs} input images'}"
                                 f" in {mode.value} mode"))
    if len(request.input_images) > max(caps.max_reference_images, 0):
        errors.append(FieldError("input_images", f"{model.name} accepts at most "
                                                 f"{caps.max_reference_images} input image(s)"))
    if provider.info.image_transport is ImageTransport.INLINE:
        for i, ref in enumerate(request.input_images):
            if is_url(ref):
                errors.append(FieldError(f"input_images.{i}", f"{provider.info.name} takes "
                                         "image files, not URLs: give a local file or an "
                                         "asset"))
    params: ParamsBase | None = None
    try:
        params = model.params.model_validate(request.params)
    except ValidationError as exc:
        errors.extend(field_errors(exc, "params."))
    if params is not None and not request.confirm_weaker_safety and not allow_weaker_safety:
        for name, why in params.weakened_safety().items():
            errors.append(FieldError(f"params.{name}", f"this {why}; confirm to send it "
                                     "anyway (content policy)"))
    images: list[InputImage] = []
    if load_images and not errors:
        for i, ref in enumerate(request.input_images):
            try:
                images.append(load_input(ref, assets))
            except InputError as exc:
                errors.append(FieldError(f"input_images.{i}", str(exc)))
    if not errors and params is not None:
        errors.extend(FieldError(f, m) for f, m in provider.check(request, params, images))
    if errors or params is None:
        raise RequestError(errors)
    return CheckedRequest(request, provider, model, mode, params, tuple(images))
