"""File names for exported copies: a template such as `{date}_{provider}_{model}_{seed}_{index}`
rendered with safe characters only, and collisions resolved before anything is written."""

from __future__ import annotations

import re
import string
import time
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_TEMPLATE = "{date}_{provider}_{model}_{seed}_{index}"
MAX_STEM = 120
TEMPLATE_FIELDS: dict[str, str] = {
    "date": "day the output was saved (2025-01-31)",
    "time": "time the output was saved (142501)",
    "provider": "provider id (fal, stability…)",
    "model": "model id, slashes turned into dashes",
    "mode": "txt2img, img2video…",
    "seed": "seed the provider used (empty when unknown)",
    "index": "position in this export (001, 002…)",
    "output": "output number within its job (0, 1…)",
    "job": "first 8 characters of the job id",
    "asset": "first 8 characters of the output id",
    "group": "compare group (empty when none)",
    "prompt": "start of the prompt (40 characters)",
    "rating": "stars (empty when unrated)",
}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_REPEATED_SEPARATORS = re.compile(r"([._-])[._-]+")
_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                       *(f"lpt{i}" for i in range(1, 10))})


class TemplateError(ValueError):
    """The naming template cannot be used; the message says which part and why."""


@dataclass(frozen=True)
class NameFields:
    """What one exported file's name can be made of."""

    created_at: float
    provider: str
    model: str
    mode: str
    seed: int | None
    output: int
    job_id: str
    asset_id: str
    group: str | None
    prompt: str
    rating: int | None

    def values(self, index: int, width: int) -> dict[str, object]:
        local = time.localtime(self.created_at)
        return {
            "date": time.strftime("%Y-%m-%d", local),
            "time": time.strftime("%H%M%S", local),
            "provider": self.provider,
            "model": self.model.replace("/", "-"),
            "mode": self.mode,
            "seed": "" if self.seed is None else self.seed,
            "index": str(index).zfill(width),
            "output": self.output,
            "job": self.job_id[:8],
            "asset": self.asset_id[:8],
            "group": self.group or "",
            "prompt": self.prompt[:40],
            "rating": self.rating or "",
        }


def check_template(template: str) -> None:
    """Raise TemplateError unless every `{field}` is known and the braces are balanced."""
    if not template.strip():
        raise TemplateError("the naming template is empty")
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise TemplateError(f"the naming template has unbalanced braces ({exc})") from None
    for _literal, field, _spec, conversion in parts:
        if field is None:
            continue
        if field not in TEMPLATE_FIELDS:
            known = ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS)
            raise TemplateError(f"unknown field {{{field}}} in the naming template; "
                                f"use {known}")
        if conversion:
            raise TemplateError(f"{{{field}!{conversion}}}: conversions are not supported")


def safe_stem(text: str) -> str:
    """ASCII letters, digits, dot, dash and underscore only; no hidden or reserved names."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    stem = _UNSAFE.sub("-", ascii_text)
    stem = _REPEATED_SEPARATORS.sub(r"\1", stem).strip("._-")[:MAX_STEM].rstrip("._-")
    if not stem:
        return "output"
    if stem.split(".")[0].lower() in _RESERVED:
        stem = "_" + stem
    return stem


def render_stem(template: str, fields: NameFields, index: int, total: int) -> str:
    check_template(template)
    width = max(3, len(str(total)))
    try:
        text = template.format_map(fields.values(index, width))
    except (ValueError, TypeError) as exc:
        raise TemplateError(f"the naming template cannot be filled in ({exc})") from None
    return safe_stem(text)


def render_names(
    template: str,
    items: Iterable[tuple[NameFields, str]],
    taken: Iterable[str] = (),
) -> list[str]:
    """One unique file name per (fields, extension), numbered from 1 in order.

    `taken` holds names already in the destination; comparison ignores case because
    macOS and Windows folders do. A name is also taken when its sidecar (`name.json`) is.
    """
    used = {name.lower() for name in taken}
    rows = list(items)
    names: list[str] = []
    for index, (fields, ext) in enumerate(rows, start=1):
        stem = render_stem(template, fields, index, len(rows))
        name = _free_name(stem, ext, used)
        used.update({name.lower(), f"{name}.json".lower()})
        names.append(name)
    return names


def free_name(stem: str, ext: str, taken: Iterable[str]) -> str:
    """`stem.ext`, or `stem-2.ext`, `stem-3.ext`… when that (or its sidecar) is taken."""
    return _free_name(stem, ext, {n.lower() for n in taken})


def _free_name(stem: str, ext: str, used: set[str]) -> str:
    n = 1
    while True:
        name = f"{stem}{ext}" if n == 1 else f"{stem}-{n}{ext}"
        if name.lower() not in used and f"{name}.json".lower() not in used:
            return name
        n += 1


def existing_names(folder: Path) -> list[str]:
    """Names already in `folder` (none when it does not exist yet)."""
    try:
        return [p.name for p in folder.iterdir()] if folder.is_dir() else []
    except OSError:
        return []


def extension_for(media_type: str, path: str) -> str:
    """The exported copy keeps the stored file's extension; the media type decides if absent."""
    suffix = Path(path).suffix.lower()
    if suffix:
        return ".jpg" if suffix == ".jpeg" else suffix
    return _BY_TYPE.get(media_type, ".bin")


_BY_TYPE: Mapping[str, str] = {
    "image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp", "video/mp4": ".mp4",
    "video/webm": ".webm", "video/quicktime": ".mov", "image/gif": ".gif",
}
