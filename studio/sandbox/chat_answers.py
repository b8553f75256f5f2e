"""Deterministic answers for the chat emulator, derived from the request alone.

The same request always gets the same answer. With a JSON schema, the answer is a valid
instance of it: strings are runs of the prompt's own words, numbers and choices come from
a hash of the conversation and the field's path, array lengths honour minItems/maxItems,
and colour fields (`hex`, `color`) take the attached images' dominant colours.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, UnidentifiedImageError

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_FILLER = ("soft", "light", "over", "a", "quiet", "scene", "with", "clear", "detail")
_LABEL = re.compile(r"^[A-Za-z ]{1,24}:\s*")
# What a rewrite adds to the subject (deterministically chosen): the enhancement.
_DETAILS = ("soft morning light", "shallow depth of field", "wide establishing shot",
            "cinematic composition", "rich natural colours", "gentle camera push-in",
            "fine surface detail", "golden hour glow", "overcast diffuse light",
            "slow tracking shot")
_DATA_URL = re.compile(r"data:image/(png|jpeg|jpg|webp|gif);base64,(.*)\Z", re.DOTALL)
MAX_DEPTH = 12


class AnswerError(ValueError):
    """The request cannot be answered (a schema the emulator cannot fill)."""


@dataclass
class Conversation:
    """What an answer is derived from."""

    seed: bytes
    words: list[str]
    colours: list[str] = field(default_factory=list)

    def number(self, path: str) -> int:
        return int.from_bytes(hashlib.sha256(self.seed + path.encode()).digest()[:8], "big")


def conversation(messages: list[dict[str, Any]]) -> Conversation:
    """The seed (every message), the subject's words (the first line of the first user
    message, its "Label:" dropped: the prompt or the brief), the images' colours."""
    seed = hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).digest()
    first_user = next((m for m in messages if m.get("role") == "user"), {})
    text = text_of(first_user.get("content"))
    line = _LABEL.sub("", text.strip().split("\n", 1)[0])
    words = _WORD.findall(line) if len(_WORD.findall(line)) >= 2 else _WORD.findall(text)
    colours: list[str] = []
    for message in messages:
        for url in image_urls(message.get("content")):
            colours += dominant_colours(url)
    return Conversation(seed, words or list(_FILLER), colours)


def text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content
                        if isinstance(p, dict) and p.get("type") == "text")
    return ""


def image_urls(content: Any) -> list[str]:
    if not isinstance(content, list):
        return []
    return [str(p["image_url"].get("url", "")) for p in content if isinstance(p, dict)
            and p.get("type") == "image_url" and isinstance(p.get("image_url"), dict)]


def decode_data_url(url: str) -> Image.Image | None:
    """The image of a data: URL, or None when it is not one that decodes."""
    match = _DATA_URL.match(url)
    if match is None:
        return None
    try:
        data = base64.b64decode(match[2], validate=True)
        image = Image.open(io.BytesIO(data))
        image.load()
        return image
    except (binascii.Error, ValueError, UnidentifiedImageError, OSError):
        return None


def dominant_colours(url: str, count: int = 5) -> list[str]:
    """The image's most common colours (median cut), as #rrggbb, most common first."""
    image = decode_data_url(url)
    if image is None:
        return []
    small = image.convert("RGB").resize((64, 64))
    quantized = small.quantize(colors=count)
    palette = quantized.getpalette() or []
    ranked = sorted(quantized.getcolors() or [], reverse=True)
    return ["#{:02x}{:02x}{:02x}".format(*palette[3 * int(i):3 * int(i) + 3])  # type: ignore[call-overload]
            for _, i in ranked]


def text_answer(talk: Conversation) -> str:
    """A plain answer: one sentence of the prompt's words."""
    return _phrase(talk, "$text", 8, 20).capitalize() + "."


def instance(schema: Mapping[str, Any], talk: Conversation) -> Any:
    """A valid instance of `schema` (OpenAI's structured-output subset)."""
    defs = schema.get("$defs") or schema.get("definitions") or {}
    return _value(schema, "$", "", defs, talk, 0)


def _value(schema: Mapping[str, Any], path: str, name: str, defs: Mapping[str, Any],
           talk: Conversation, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise AnswerError("the schema nests too deeply")
    ref = schema.get("$ref")
    if isinstance(ref, str):
        target = defs.get(ref.rsplit("/", 1)[-1])
        if not isinstance(target, Mapping):
            raise AnswerError(f"unresolvable $ref {ref!r}")
        return _value(target, path, name, defs, talk, depth + 1)
    if "enum" in schema:
        options = list(schema["enum"])
        return options[talk.number(path) % len(options)]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"] or schema[key]
            return _value(options[0], path, name, defs, talk, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        props = schema.get("properties") or {}
        return {k: _value(v, f"{path}.{k}", k, defs, talk, depth + 1) for k, v in props.items()}
    if kind == "array":
        low = int(schema.get("minItems", 1))
        high = int(schema.get("maxItems", max(low, 3)))
        n = min(max(low, 3), high)
        items = schema.get("items") or {"type": "string"}
        return [_value(items, f"{path}[{i}]", name, defs, talk, depth + 1) for i in range(n)]
    if kind == "integer":
        low, high = int(schema.get("minimum", 0)), int(schema.get("maximum", 100))
        return low + talk.number(path) % (high - low + 1)
    if kind == "number":
        least, most = float(schema.get("minimum", 0)), float(schema.get("maximum", 10))
        return round(least + (talk.number(path) % 1000) / 999 * (most - least), 1)
    if kind == "boolean":
        return talk.number(path) % 2 == 0
    if kind == "null":
        return None
    if kind == "string":
        return _string(path, name, talk)
    raise AnswerError(f"cannot answer a schema of type {kind!r} at {path}")


def _string(path: str, name: str, talk: Conversation) -> str:
    if "hex" in name or "colo" in name:
        index = int(m[-1]) if (m := re.findall(r"\[(\d+)\]", path)) else 0
        if talk.colours:
            return talk.colours[index % len(talk.colours)]
        return f"#{talk.number(path) % 0x1000000:06x}"
    if "prompt" in name or name in ("story", "brief", "description"):
        n = talk.number(path)
        details = [_DETAILS[(n >> (4 * i)) % len(_DETAILS)] for i in range(2 + n % 3)]
        return ", ".join([" ".join(talk.words), *dict.fromkeys(details)])
    return _phrase(talk, path, 3, 8)


def _phrase(talk: Conversation, path: str, shortest: int, longest: int) -> str:
    words = talk.words
    start = talk.number(path) % len(words)
    length = shortest + talk.number(path + "#") % (longest - shortest + 1)
    return " ".join(words[(start + i) % len(words)] for i in range(length))
