"""Gallery thumbnails: Pillow for images, PyAV's first frame for videos. No Qt.

The UI calls `make_thumbnail` from worker threads. Each thumbnail is cached once per
content hash and size under `thumbs_dir`, so a file is decoded at most once per size.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import TYPE_CHECKING

from studio.core.atomic import write_atomic

if TYPE_CHECKING:  # Pillow is imported on first use: the GUI starts without it
    from PIL import Image

DEFAULT_SIZE = 256
VIDEO_SUFFIXES = frozenset({".mp4", ".webm", ".mov", ".mkv", ".m4v"})
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
# Transparent pixels are shown over this neutral grey, which reads in both themes.
_BACKDROP = (128, 128, 128)


class ThumbnailError(Exception):
    """The source could not be turned into a thumbnail; the message says why."""


def thumb_path(thumbs_dir: Path, sha256: str, size: int = DEFAULT_SIZE) -> Path:
    """Where the thumbnail of the file with this content hash is cached."""
    if not _SHA256.match(sha256):
        raise ThumbnailError(f"not a sha256 hex digest: {sha256[:80]!r}")
    if not 16 <= size <= 4096:
        raise ThumbnailError(f"thumbnail size must be 16 to 4096 pixels, not {size}")
    return Path(thumbs_dir) / sha256[:2] / f"{sha256}-{size}.jpg"


def is_video(path: Path, media_type: str | None = None) -> bool:
    if media_type:
        return media_type.startswith("video/")
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


def make_thumbnail(
    source: Path | str,
    sha256: str,
    thumbs_dir: Path | str,
    size: int = DEFAULT_SIZE,
    media_type: str | None = None,
) -> Path:
    """The cached thumbnail (long side `size`) of `source`, made now if missing."""
    out = thumb_path(Path(thumbs_dir), sha256, size)
    if out.is_file() and out.stat().st_size > 0:
        return out
    source = Path(source)
    if not source.is_file():
        raise ThumbnailError(f"{source} does not exist")
    image = _first_frame(source) if is_video(source, media_type) else _open_image(source, size)
    try:
        image.thumbnail((size, size), _resample())
        flat = _flatten(image)
        buffer = io.BytesIO()
        flat.save(buffer, "JPEG", quality=88)
        flat.close()
    finally:
        image.close()
    write_atomic(out, buffer.getvalue())
    return out


def _resample() -> Image.Resampling:
    from PIL import Image

    return Image.Resampling.LANCZOS


def _open_image(path: Path, size: int) -> Image.Image:
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(path)
        image.draft("RGB", (size, size))  # JPEG decodes at a reduced scale: much faster
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ThumbnailError(f"{path.name} is not a readable image ({exc})") from None
    return image


def _first_frame(path: Path) -> Image.Image:
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise ThumbnailError(f"{path.name} has no video stream")
            for frame in container.decode(video=0):
                return frame.to_image()
    except ThumbnailError:
        raise
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise ThumbnailError(f"{path.name} is not a readable video ({exc})") from None
    raise ThumbnailError(f"{path.name} has no decodable frame")


def _flatten(image: Image.Image) -> Image.Image:
    """RGB for JPEG; transparency is composited over a neutral backdrop."""
    from PIL import Image

    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        base = Image.new("RGB", rgba.size, _BACKDROP)
        base.paste(rgba, mask=rgba.getchannel("A"))
        rgba.close()
        return base
    return image.convert("RGB")  # a copy, so the caller can close both
