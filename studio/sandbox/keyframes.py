"""Image-to-video renders start from the image the request sent (and end on its end frame).

`load` reads an image a request points at: a data URI, raw base64, or a file this sandbox
serves (`/files/NAME`, the S3 stand-in's `/s3/bucket/key`). An outside https URL cannot be
fetched here, so the clip is then rendered from its prompt alone, as before. `animate`
puts the images (and the audio switch) on an output's spec.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
from typing import Any
from urllib.parse import unquote, urlsplit

from .jobs import OutputSpec
from .state import SandboxState

_DATA_URI = re.compile(r"^data:[\w/+.-]+;base64,(?P<payload>.*)$", re.DOTALL)
_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"RIFF", b"GIF8")


def load(state: SandboxState, value: Any) -> bytes | None:
    """The image bytes behind a reference, or None when they cannot be had here."""
    if isinstance(value, bytes | bytearray):
        return bytes(value) if bytes(value[:4]).startswith(_IMAGE_MAGIC) else None
    if isinstance(value, dict):  # {"uri": ...}, {"url": ...}, {"data": ...} shapes
        value = value.get("uri") or value.get("url") or value.get("data")
    if not isinstance(value, str) or not value.strip():
        return None
    match = _DATA_URI.match(value)
    if match:
        return _image(match.group("payload"))
    if "://" not in value:
        return _image(value)  # raw base64 (Luma agents' ImageRef.data)
    path = unquote(urlsplit(value).path)
    if "/files/" in path:
        stored = state.files.get(path.rsplit("/files/", 1)[1])
        if stored is not None:
            return stored.data()
    s3 = state.extensions.get("s3")
    if path.startswith("/s3/") and s3 is not None:
        bucket, _, key = path.removeprefix("/s3/").partition("/")
        found = getattr(s3, "items", {}).get((bucket, key))
        if found is not None:
            return bytes(found[0])
    return None


def _image(payload: str) -> bytes | None:
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return None
    return data if data.startswith(_IMAGE_MAGIC) else None


def wants_audio(state: SandboxState, body: Any) -> bool:
    if state.config.video_audio:
        return True
    if not isinstance(body, dict):
        return False
    return any(body.get(k) is True for k in ("generate_audio", "audio", "with_audio"))


def animate(spec: OutputSpec, state: SandboxState, start: Any = None, end: Any = None,
            body: Any = None) -> OutputSpec:
    """The spec rendering from `start` (and to `end`) when they can be read, with audio when
    the request or the sandbox asks."""
    if not spec.is_video:
        return spec
    first = load(state, start) if start is not None else None
    last = load(state, end) if end is not None and first is not None else None
    return dataclasses.replace(spec, start_image=first, end_image=last,
                               audio=wants_audio(state, body))
