"""Input images: a local file, an asset of this studio (`asset:<id>`), or an https URL.

Files and assets are read, size-capped, type-checked by content and hashed before any build.
An https URL is passed to the provider as it is (nothing is downloaded): providers that take
only file bytes refuse it with a clear message.
"""

from __future__ import annotations

import functools
import hashlib
import warnings
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from studio.core.verify_output import MAX_PIXELS
from studio.providers.base import ImageFacts, InputImage

MAX_INPUT_BYTES = 20 * 1024 * 1024
MAX_URL_CHARS = 2048
ASSET_PREFIX = "asset:"
_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
_BY_SUFFIX = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
              ".webp": "image/webp"}

# Finds the file of an asset id (None when the studio has no such asset).
AssetResolver = Callable[[str], Path | None]


class InputError(ValueError):
    pass


def is_url(ref: str) -> bool:
    return ref.strip().lower().startswith(("https://", "http://"))


def check_url(ref: str) -> str:
    url = ref.strip()
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise InputError(f"input image URL {url[:80]!r} must be an https:// URL")
    if len(url) > MAX_URL_CHARS:
        raise InputError(f"input image URL is {len(url)} characters; the limit is "
                         f"{MAX_URL_CHARS}")
    return url


def url_input(ref: str) -> InputImage:
    """An https input: the provider fetches it. Its bytes (and hash) are unknown here."""
    url = check_url(ref)
    name = PurePosixPath(urlsplit(url).path).name or "image"
    media_type = _BY_SUFFIX.get(PurePosixPath(name).suffix.lower(), "image/*")
    return InputImage(name, media_type, b"", "", url=url)


def resolve_path(ref: str, assets: AssetResolver | None = None) -> Path:
    """The file behind a path or an `asset:<id>` reference."""
    if ref.startswith(ASSET_PREFIX):
        asset_id = ref[len(ASSET_PREFIX):].strip()
        found = assets(asset_id) if assets is not None and asset_id else None
        if found is None:
            raise InputError(f"no asset {asset_id!r} in this studio")
        return found
    return Path(ref).expanduser()


def load_input(ref: str, assets: AssetResolver | None = None,
               max_bytes: int = MAX_INPUT_BYTES) -> InputImage:
    if is_url(ref):
        return url_input(ref)
    return load_input_image(resolve_path(ref, assets), max_bytes)


def load_input_image(path: str | Path, max_bytes: int = MAX_INPUT_BYTES) -> InputImage:
    p = Path(path).expanduser()
    if not p.is_file():
        raise InputError(f"input image {str(p)!r} does not exist")
    stat = p.stat()
    if stat.st_size > max_bytes:
        raise InputError(f"input image {p.name} is {stat.st_size / 1e6:.1f} MB; the limit is "
                         f"{max_bytes / 1e6:.0f} MB")
    return _read_image(p.absolute(), (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns,
                                      stat.st_ino))


@functools.lru_cache(maxsize=1)
def _read_image(p: Path, version: tuple[int, int, int, int]) -> InputImage:
    """The file read, verified and hashed. The same unchanged file asked for again at once
    (a batch row checked against each of its models, a request checked then sent) is read
    once; size, times and inode are in the key, so a changed or replaced file is read
    again."""
    from PIL import Image, UnidentifiedImageError

    data = p.read_bytes()
    try:
        with _open_image(p) as im:
            fmt = im.format or ""
            width, height = im.size
            if width * height > MAX_PIXELS:
                raise _bomb(p, f"{width}x{height} pixels")
            im.verify()
    except InputError:
        raise
    except Image.DecompressionBombError:
        raise _bomb(p, "far too many pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"input image {p.name} is not a readable image ({exc})") from None
    if fmt not in _TYPES:
        raise InputError(f"input image {p.name} is {fmt or 'of unknown format'}; "
                         "use PNG, JPEG or WebP")
    return InputImage(p.name, _TYPES[fmt], data, hashlib.sha256(data).hexdigest(),
                      width, height)


def _bomb(path: Path, size: str) -> InputError:
    return InputError(f"input image {path.name} is {size}: over the {MAX_PIXELS:,} pixel "
                      "limit that guards against decompression bombs")


def image_facts(ref: str, assets: AssetResolver | None = None) -> ImageFacts:
    """What a price rule may know of an input without reading it all: its size, from the
    file header; nothing for a URL or an unreadable file (the check reports those)."""
    from PIL import Image, UnidentifiedImageError

    if is_url(ref):
        return ImageFacts()
    try:
        with _open_image(resolve_path(ref, assets)) as im:
            width, height = im.size
    except (InputError, UnidentifiedImageError, OSError, ValueError, SyntaxError,
            Image.DecompressionBombError):
        return ImageFacts()
    return ImageFacts(width, height)


def _open_image(path: Path) -> Any:
    """Image.open without Pillow's bomb warning on stderr (callers check the size; past
    twice its limit Pillow raises DecompressionBombError itself)."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return Image.open(path)
