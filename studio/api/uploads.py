"""Input images sent as data URIs: decoded, type-checked by content, size-capped, written
under the studio's data dir (named by their sha256, so a repeated image is one file).

Paths are not accepted: an API client must not make the studio read arbitrary local files
and send them to a provider.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from studio.core.atomic import write_atomic
from studio.core.downloads import sniff_media_type
from studio.core.inputs import MAX_INPUT_BYTES
from studio.core.requests import FieldError, RequestError
from studio.core.verify_output import MAX_PIXELS

_DATA_URI = re.compile(r"data:(image/[a-z.+-]+);base64,(.*)", re.DOTALL | re.IGNORECASE)
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


class TooManyPixels(RequestError):
    """An image declares more pixels than may be decoded (answered 413, not 422)."""


@dataclass(frozen=True)
class DecodedImage:
    media_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def decode_images(uris: list[str], *, field: str = "input_images",
                  max_bytes: int = MAX_INPUT_BYTES) -> list[DecodedImage]:
    """Every data URI decoded and checked; RequestError naming each bad one."""
    out: list[DecodedImage] = []
    errors: list[FieldError] = []
    bombs: list[FieldError] = []
    for i, uri in enumerate(uris):
        name = f"{field}.{i}"
        match = _DATA_URI.fullmatch(uri.strip())
        if match is None:
            errors.append(FieldError(name, "expected a data URI (data:image/png;base64,...); "
                                           "file paths are not accepted"))
            continue
        declared = match.group(1).lower()
        if declared not in _EXTENSIONS:
            errors.append(FieldError(name, f"{declared} is not accepted; use PNG, JPEG or "
                                           "WebP"))
            continue
        payload = match.group(2)
        if len(payload) * 3 // 4 > max_bytes + 3:
            errors.append(FieldError(name, f"the image is larger than {max_bytes // 2**20} MB"))
            continue
        try:
            data = base64.b64decode(re.sub(r"\s+", "", payload), validate=True)
        except (binascii.Error, ValueError):
            errors.append(FieldError(name, "the base64 data is malformed"))
            continue
        actual = sniff_media_type(data[:16])
        if actual not in _EXTENSIONS:
            errors.append(FieldError(name, "the data is not a PNG, JPEG or WebP image"))
        elif actual != declared:
            errors.append(FieldError(name, f"the data is {actual}, not {declared}"))
        elif (too_many := _too_many_pixels(data)) is not None:
            bombs.append(FieldError(name, too_many))
        else:
            out.append(DecodedImage(actual, data))
    if bombs:
        raise TooManyPixels(bombs + errors)
    if errors:
        raise RequestError(errors)
    return out


def _too_many_pixels(data: bytes) -> str | None:
    """Why the image's declared size is refused (a decompression bomb), from its header
    alone; None when it may be decoded. An unreadable header is left to the full check."""
    import io
    import warnings

    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                width, height = im.size
    except Image.DecompressionBombError:
        return (f"the image declares far too many pixels (more than {MAX_PIXELS:,}): "
                "refused as a possible decompression bomb")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
    if width * height > MAX_PIXELS:
        return (f"the image is {width}x{height} pixels, more than {MAX_PIXELS:,}: refused "
                "as a possible decompression bomb")
    return None


def save_images(images: list[DecodedImage], folder: Path) -> tuple[list[str], list[Path]]:
    """(paths for the request, files this call created). Blocking: run it in a thread."""
    paths: list[str] = []
    created: list[Path] = []
    for image in images:
        path = folder / f"{image.sha256}.{_EXTENSIONS[image.media_type]}"
        if not path.exists():
            write_atomic(path, image.data)
            created.append(path)
        paths.append(str(path))
    return paths, created
