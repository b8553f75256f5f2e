"""Checking a RenderRequest against its provider and model before anything is written."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import ValidationError

from studio.core.inputs import AssetResolver, InputError, is_url, load_input
from studio.core.masks import fit_mask
from studio.providers.base import (
    ImageTransport,
    InputImage,
    Mode,
    ModelInfo,
    ParamsBase,
    Provider,
    RenderRequest,
    Role,
    UnknownModel,
)


@dataclass(frozen=True)
class FieldError:
    """A form field's validation error, said for the artist."""
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
    """A request that passed validation, with its provider, model and parameters."""
    request: RenderRequest
    provider: Provider
    model: ModelInfo
    mode: Mode
    params: ParamsBase
    # The input images with their roles, then the mask (role MASK) when there is one.
    images: tuple[InputImage, ...]
    # What the check changed and why (a mask scaled to the image), kept on the job.
    notes: tuple[str, ...] = ()

    @property
    def inputs(self) -> tuple[InputImage, ...]:
        """The input images without the mask: what a price rule counts."""
        return tuple(i for i in self.images if i.role is not Role.MASK)


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
    mode = request.mode or _default_mode(model, bool(request.input_images))
    if mode not in model.modes:
        errors.append(FieldError("mode", f"{model.name} supports "
                                         f"{', '.join(m.value for m in model.modes)}"))
    caps = model.capabilities
    if not request.prompt.strip() and caps.prompt == "required":
        errors.append(FieldError("prompt", "a prompt is required"))
    needs = max(caps.min_reference_images, 1 if caps.requires_image or mode.needs_image else 0)
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
    errors.extend(_mask_errors(request, provider, model))
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
    notes: list[str] = []
    if load_images and not errors:
        roles = model.input_roles(mode, len(request.input_images))
        for i, ref in enumerate(request.input_images):
            try:
                images.append(dataclasses.replace(load_input(ref, assets), role=roles[i]))
            except InputError as exc:
                errors.append(FieldError(f"input_images.{i}", str(exc)))
        if request.mask and not errors:
            try:
                mask, note = fit_mask(load_input(request.mask, assets),
                                      images[0] if images else None)
            except InputError as exc:
                errors.append(FieldError("mask", str(exc).replace("input image", "mask")))
            else:
                images.append(mask)
                notes.extend([note] if note else [])
    if not errors and params is not None:
        errors.extend(FieldError(f, m) for f, m in provider.check(request, params, images))
    if errors or params is None:
        raise RequestError(errors)
    return CheckedRequest(request, provider, model, mode, params, tuple(images), tuple(notes))


def _default_mode(model: ModelInfo, has_images: bool) -> Mode:
    """The model's first mode; with input images, its image mode when it has one (so the
    images get the roles they play: the image to restyle, a video's frames)."""
    first = model.modes[0]
    if has_images and not first.needs_image:
        for mode in (Mode.IMG2IMG, Mode.IMG2VIDEO):
            if mode in model.modes and mode.kind is first.kind:
                return mode
    return first


def _mask_errors(request: RenderRequest, provider: Provider,
                 model: ModelInfo) -> list[FieldError]:
    caps = model.capabilities
    if request.mask is None:
        if caps.mask_required:
            return [FieldError("mask", f"{model.name} needs a mask (white = the area to "
                                       "change, black = keep)")]
        return []
    if not caps.mask:
        return [FieldError("mask", f"{model.name} takes no mask")]
    if provider.info.image_transport is ImageTransport.INLINE and is_url(request.mask):
        return [FieldError("mask", f"{provider.info.name} takes image files, not URLs: give "
                                   "a local file or an asset")]
    return []
