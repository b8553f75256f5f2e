"""How one shared brief becomes each model's own request, and what changed on the way.

A compare group sends the same brief (prompt, negative prompt, seed, aspect, duration,
input images) to every target. Models name these settings differently (image_size,
aspect_ratio, ratio, width/height; duration as "5s", "5" or 5) and support different
subsets, so every target carries a record of what it honoured, changed or dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.fields import FieldInfo

from studio.providers.base import Kind, Mode, ModelInfo, PreparedCall, RenderRequest

Outcome = Literal["honoured", "changed", "dropped", "default", "overridden"]

# fal's named sizes and the shapes they stand for.
NAMED_SIZES = {"square_hd": 1.0, "square": 1.0, "portrait_4_3": 3 / 4,
               "portrait_16_9": 9 / 16, "landscape_4_3": 4 / 3, "landscape_16_9": 16 / 9}
ASPECT_FIELDS = ("aspect_ratio", "ratio", "image_size")
DURATION_FIELDS = ("duration", "duration_seconds")
FRAME_FIELDS = (("num_frames", "frames_per_second"), ("length", "fps"))
SAME_SHAPE = 0.015  # |log ratio| under this is the same shape (1104:832 is 4:3)


def parse_ratio(text: Any) -> float | None:
    """'16:9' or '1280:720' -> width/height; fal's named sizes too; None if neither."""
    if isinstance(text, str) and text in NAMED_SIZES:
        return NAMED_SIZES[text]
    w, sep, h = str(text).partition(":")
    try:
        ratio = float(w) / float(h) if sep else None
    except (ValueError, ZeroDivisionError):
        return None
    return ratio if ratio and ratio > 0 and math.isfinite(ratio) else None


COMMON_SHAPES = ("1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3", "4:5", "5:4", "21:9",
                 "9:21", "2:1", "1:2")


def shape_name(choice: Any) -> str:
    """'portrait_4_3' -> '3:4', '832:1104' -> '3:4', '1584:672' -> '2.36:1'."""
    ratio = parse_ratio(choice)
    if ratio is None:
        return str(choice)
    for name in COMMON_SHAPES:
        if abs(math.log(ratio / (parse_ratio(name) or 1))) < SAME_SHAPE:
            return name
    return f"{ratio:.2f}:1"


class Brief(BaseModel):
    """What every target of a compare group is asked for."""

    model_config = ConfigDict(extra="forbid", defer_build=True)  # built on first use

    prompt: str = Field(min_length=1, max_length=10_000)
    negative_prompt: str | None = Field(default=None, max_length=10_000)
    seed: int | None = Field(default=None, ge=0, le=4_294_967_294)
    aspect: str | None = None
    duration: float | None = Field(default=None, gt=0, le=600)
    input_images: list[str] = Field(default_factory=list)

    @field_validator("aspect")
    @classmethod
    def _aspect(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if ":" not in value or parse_ratio(value) is None:
            raise ValueError("aspect is WIDTH:HEIGHT, like 16:9")
        return value

    @field_validator("negative_prompt")
    @classmethod
    def _negative(cls, value: str | None) -> str | None:
        return value if value and value.strip() else None


class Target(BaseModel):
    """One provider/model in a group, with params that override the brief's mapping."""

    model_config = ConfigDict(extra="forbid", defer_build=True)  # built on first use

    provider: str
    model: str
    params: dict[str, Any] = Field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.provider}:{self.model}"

    @classmethod
    def parse(cls, text: str, params: dict[str, Any] | None = None) -> Target:
        """'PROVIDER:MODEL' (model ids contain slashes, never colons)."""
        provider, sep, model = text.strip().partition(":")
        if not sep or not provider or not model:
            raise ValueError(f"target {text!r}: expected PROVIDER:MODEL, like "
                             "fal:fal-ai/flux/dev")
        return cls(provider=provider, model=model, params=params or {})


@dataclass(frozen=True)
class Adaptation:
    """What happened to one input of the brief for one target."""

    input: str  # seed, negative_prompt, aspect, duration, input_images
    outcome: Outcome
    asked: Any
    sent: Any
    note: str
    fields: tuple[str, ...] = ()  # the model's params that carry it

    def as_dict(self) -> dict[str, Any]:
        return {"input": self.input, "outcome": self.outcome, "asked": self.asked,
                "sent": self.sent, "note": self.note, "fields": list(self.fields)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Adaptation:
        return cls(data["input"], data["outcome"], data.get("asked"), data.get("sent"),
                   data.get("note", ""), tuple(data.get("fields") or ()))


@dataclass(frozen=True)
class Adapted:
    """A brief adapted to one target model, and what was changed."""
    target: Target
    request: RenderRequest
    adaptations: tuple[Adaptation, ...]


def seed_honoured(adaptations: tuple[Adaptation, ...] | list[Adaptation]) -> bool | None:
    """True/False when the brief had a seed, None when it did not."""
    for a in adaptations:
        if a.input == "seed":
            return a.outcome == "honoured"
    return None


def adapt(brief: Brief, target: Target, model: ModelInfo,
          group: str | None = None) -> Adapted:
    """The RenderRequest for one target and the record of what it kept of the brief."""
    caps = model.capabilities
    fields = model.params.model_fields
    params: dict[str, Any] = {}
    notes: list[Adaptation] = []
    mapped: dict[str, list[str]] = {}  # input -> params fields it set

    seed = brief.seed
    if seed is not None:
        if caps.seed:
            notes.append(Adaptation("seed", "honoured", seed, seed, f"seed {seed} sent"))
        else:
            notes.append(Adaptation("seed", "dropped", seed, None,
                                    "seed ignored: the model has no seed"))
            seed = None
    negative = brief.negative_prompt
    if negative is not None:
        if caps.negative_prompt:
            notes.append(Adaptation("negative_prompt", "honoured", negative, negative,
                                    "negative prompt sent"))
        else:
            notes.append(Adaptation("negative_prompt", "dropped", negative, None,
                                    "negative prompt dropped: not supported"))
            negative = None
    images, mode, image_note = _images(brief.input_images, model)
    if image_note is not None:
        notes.append(image_note)
    if brief.aspect is not None:
        note, values = _aspect(brief.aspect, fields)
        notes.append(replace(note, fields=tuple(values)))
        params.update(values)
        mapped["aspect"] = list(values)
    if brief.duration is not None:
        if model.kind is Kind.IMAGE:
            notes.append(Adaptation("duration", "dropped", brief.duration, None,
                                    "duration not used: image model"))
        else:
            note, values = _duration(brief.duration, fields, target.params)
            notes.append(replace(note, fields=tuple(values)))
            params.update(values)
            mapped["duration"] = list(values)
    for name, fields_set in mapped.items():
        overridden = [f for f in fields_set if f in target.params]
        if overridden:
            shown = ", ".join(f"{f}={target.params[f]}" for f in overridden)
            notes = [Adaptation(name, "overridden", n.asked, target.params[overridden[0]],
                                f"{name}: set by this target's params ({shown})",
                                tuple(fields_set)) if n.input == name else n for n in notes]
    params.update(target.params)
    request = RenderRequest(provider=target.provider, model=target.model, mode=mode,
                            prompt=brief.prompt, negative_prompt=negative, seed=seed,
                            params=params, input_images=images, compare_group=group)
    return Adapted(target, request, tuple(notes))


def confirm_sent(adapted: Adapted, call: PreparedCall) -> Adapted:
    """Mark mapped inputs the model's request builder left out as dropped (Stability's
    image-to-image takes the input image's shape and sends no aspect_ratio)."""
    body = call.json_body if call.json_body is not None else dict(call.form or {})
    sent = _keys(body, set())
    notes = []
    for n in adapted.adaptations:
        if n.fields and n.outcome in ("honoured", "changed") and not set(n.fields) & sent:
            mode = adapted.request.mode.value if adapted.request.mode else "this"
            why = ("the output follows the input image" if n.input == "aspect"
                   and adapted.request.input_images else "the model decides")
            n = replace(n, outcome="dropped", sent=None,
                        note=f"{n.input} not sent in {mode} mode ({why})")
        notes.append(n)
    return replace(adapted, adaptations=tuple(notes))


def _keys(value: Any, out: set[str]) -> set[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            out.add(str(k))
            _keys(v, out)
    elif isinstance(value, list):
        for v in value:
            _keys(v, out)
    return out


def _images(paths: list[str], model: ModelInfo) -> tuple[list[str], Mode, Adaptation | None]:
    caps = model.capabilities
    text_modes: list[Mode] = [m for m in model.modes if m in (Mode.TXT2IMG, Mode.TXT2VIDEO)]
    image_modes: list[Mode] = [m for m in model.modes if m in (Mode.IMG2IMG, Mode.IMG2VIDEO)]
    if not paths:
        return [], (text_modes or list(model.modes))[0], None
    limit = max(caps.max_reference_images, 0)
    if limit == 0:
        note = Adaptation("input_images", "dropped", len(paths), 0,
                          "input images dropped: this model takes none")
        return [], (text_modes or list(model.modes))[0], note
    used = paths[:limit]
    mode = (image_modes or list(model.modes))[0]
    if len(used) < len(paths):
        note = Adaptation("input_images", "changed", len(paths), len(used),
                          f"used {len(used)} of {len(paths)} input images")
    else:
        note = Adaptation("input_images", "honoured", len(paths), len(used),
                          f"{len(used)} input image{'s' if len(used) > 1 else ''} sent")
    return used, mode, note


def _literal_choices(field: FieldInfo) -> list[Any] | None:
    ann = field.annotation
    if get_origin(ann) is Literal:
        return [c for c in get_args(ann) if c is not None]
    for arg in get_args(ann):  # Optional[Literal[...]]
        if get_origin(arg) is Literal:
            return [c for c in get_args(arg) if c is not None]
    return None


def _bounds(field: FieldInfo) -> tuple[float | None, float | None, int | None]:
    low = high = step = None
    for m in field.metadata:
        low = getattr(m, "ge", None) if getattr(m, "ge", None) is not None else low
        high = getattr(m, "le", None) if getattr(m, "le", None) is not None else high
        step = getattr(m, "multiple_of", None) or step
    return low, high, step


def _clamp(value: float, low: float | None, high: float | None) -> float:
    if low is not None:
        value = max(value, low)
    if high is not None:
        value = min(value, high)
    return value


def _aspect(asked: str, fields: dict[str, FieldInfo]) -> tuple[Adaptation, dict[str, Any]]:
    want = parse_ratio(asked) or 1.0
    for name in ASPECT_FIELDS:
        field = fields.get(name)
        choices = _literal_choices(field) if field is not None else None
        shaped = [(c, r) for c in choices or [] if (r := parse_ratio(c)) is not None]
        if not shaped:
            continue
        choice, ratio = min(shaped, key=lambda cr: abs(math.log(cr[1] / want)))
        shown = shape_name(choice)
        if shown != choice:
            shown += f" ({name}={choice})"
        if abs(math.log(ratio / want)) < SAME_SHAPE:
            text = f"aspect {asked}" + ("" if choice == asked else f" as {choice}")
            return Adaptation("aspect", "honoured", asked, choice, text), {name: choice}
        return (Adaptation("aspect", "changed", asked, choice,
                           f"aspect {asked} snapped to {shown}"),
                {name: choice})
    if {"width", "height"} <= set(fields):
        return _width_height(asked, want, fields["width"], fields["height"])
    return (Adaptation("aspect", "default", asked, None,
                       "aspect: model default (no aspect setting)"), {})


def _width_height(asked: str, want: float, wf: FieldInfo,
                  hf: FieldInfo) -> tuple[Adaptation, dict[str, Any]]:
    """Keep the default pixel count, reshape to the asked ratio on the model's grid."""
    area = float(wf.default or 1024) * float(hf.default or 1024)
    out = []
    for field, side in ((wf, math.sqrt(area * want)), (hf, math.sqrt(area / want))):
        low, high, step = _bounds(field)
        step = int(step or 8)
        out.append(int(_clamp(round(side / step) * step, low, high)))
    w, h = out
    if abs(math.log((w / h) / want)) < SAME_SHAPE:
        return (Adaptation("aspect", "honoured", asked, f"{w}x{h}", f"aspect {asked} as {w}×{h}"),
                {"width": w, "height": h})
    return (Adaptation("aspect", "changed", asked, f"{w}x{h}",
                       f"aspect {asked} became {w}×{h} (size limits)"),
            {"width": w, "height": h})


def _seconds(choice: Any) -> float | None:
    if isinstance(choice, bool):
        return None
    if isinstance(choice, int | float):
        return float(choice)
    try:
        return float(str(choice).rstrip("s"))
    except ValueError:
        return None


def _fmt(seconds: float) -> str:
    return f"{seconds:g} s"


def _duration(asked: float, fields: dict[str, FieldInfo],
              overrides: dict[str, Any]) -> tuple[Adaptation, dict[str, Any]]:
    for name in DURATION_FIELDS:
        field = fields.get(name)
        if field is None:
            continue
        choices = _literal_choices(field)
        if choices:
            timed = [(c, s) for c in choices if (s := _seconds(c)) is not None]
            if not timed:
                continue
            choice, got = min(timed, key=lambda cs: (abs(cs[1] - asked), cs[1]))
            allowed = ", ".join(f"{s:g}" for _, s in timed)
            return _duration_note(asked, got, choice, f"supports {allowed} s"), {name: choice}
        if field.annotation in (int, float):
            low, high, _ = _bounds(field)
            got = _clamp(asked, low, high)
            value: Any = round(got) if field.annotation is int else got
            limits = f"{_fmt(low or 0)}–{_fmt(high)}" if high is not None else "limits"
            return _duration_note(asked, float(value), value, limits), {name: value}
    for frames_name, fps_name in FRAME_FIELDS:
        if frames_name in fields and fps_name in fields:
            fps = float(overrides.get(fps_name) or fields[fps_name].default or 16)
            low, high, _ = _bounds(fields[frames_name])
            frames = int(_clamp(round(asked * fps), low, high))
            got = frames / fps
            limits = f"{frames_name} {low or 1:g}–{high:g}" if high else frames_name
            adaptation = _duration_note(asked, got, f"{frames} frames",
                                        f"{limits} at {fps:g} fps",
                                        tolerance=max(0.1, 1 / fps))
            return adaptation, {frames_name: frames}
    return (Adaptation("duration", "default", asked, None,
                       "duration: model default (no duration setting)"), {})


def _duration_note(asked: float, got: float, sent: Any, allowed: str,
                   tolerance: float = 0.05) -> Adaptation:
    if abs(got - asked) <= tolerance:
        return Adaptation("duration", "honoured", asked, sent, f"duration {_fmt(got)}")
    return Adaptation("duration", "changed", asked, sent,
                      f"duration {_fmt(asked)} clamped to {_fmt(round(got, 2))} ({allowed})")
