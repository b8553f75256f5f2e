"""Input images: read, size-capped, type-checked by content, hashed, before any build."""

from __future__ import annotations

import hashlib
from pathlib import Path

from studio.providers.base import InputImage

MAX_INPUT_BYTES = 20 * 1024 * 1024
_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


class InputError(ValueError):
    pass


def load_input_image(path: str | Path, max_bytes: int = MAX_INPUT_BYTES) -> InputImage:
    from PIL import Image, UnidentifiedImageError

    p = Path(path).expanduser()
    if not p.is_file():
        raise InputError(f"input image {str(p)!r} does not exist")
    size = p.stat().st_size
    if size > max_bytes:
        raise InputError(f"input image {p.name} is {size / 1e6:.1f} MB; the limit is "
                         f"{max_bytes / 1e6:.0f} MB")
    data = p.read_bytes()
    try:
        with Image.open(p) as im:
            fmt = im.format or ""
            im.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise InputError(f"input image {p.name} is not a readable image ({exc})") from None
    if fmt not in _TYPES:
        raise InputError(f"input image {p.name} is {fmt or 'of unknown format'}; "
                         "use PNG, JPEG or WebP")
    return InputImage(p.name, _TYPES[fmt], data, hashlib.sha256(data).hexdigest())
