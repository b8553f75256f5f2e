"""Images for a vision model: a file, an asset of this studio, or an https URL.

A local image travels as a base64 `data:` URL (reduced to at most 2048 px on its long
side, as vision APIs do themselves); an https URL is passed as it is (the endpoint fetches
it); a video contributes three frames (start, middle, end). Blocking: call from a worker.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from pathlib import Path

from studio.core.inputs import ASSET_PREFIX, MAX_INPUT_BYTES, check_url, is_url
from studio.core.jobs import Asset
from studio.core.ports import Tables
from studio.providers.chat import ChatImage

MAX_SIDE = 2048
MAX_VIDEO_BYTES = 2 * 1024 * 1024 * 1024
_SENT_AS_IS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp",
               "GIF": "image/gif"}
_VIDEO_SUFFIXES = (".mp4", ".mov", ".webm", ".mkv", ".m4v")


class ImageRefError(ValueError):
    """A reference that is not a readable image (or video) in reach; says which."""


@dataclass(frozen=True)
class Picture:
    """What the model is shown for one reference, and how the record names it."""

    images: tuple[ChatImage, ...]
    label: str
    asset: Asset | None = None


def find_asset(tables: Tables, ref: str) -> Asset | None:
    """`asset:<id>` or a bare id (or unique prefix) of this studio's outputs."""
    key = ref[len(ASSET_PREFIX):] if ref.startswith(ASSET_PREFIX) else ref
    key = key.strip()
    if not key or "/" in key or "\\" in key or "." in key:
        return None
    asset = tables.get_asset(key)
    if asset is not None:
        return asset
    rows = tables.query("SELECT id FROM assets WHERE id LIKE ? LIMIT 2",
                        (key.replace("%", "").replace("_", "") + "%",))
    return tables.get_asset(rows[0]["id"]) if len(rows) == 1 else None


def picture(ref: str, tables: Tables) -> Picture:
    """Raises ImageRefError for anything that cannot be shown to the model."""
    ref = ref.strip()
    if is_url(ref):
        try:
            return Picture((ChatImage(check_url(ref)),), ref)
        except ValueError as exc:
            raise ImageRefError(str(exc)) from None
    asset = find_asset(tables, ref)
    if asset is not None:
        path, label = Path(asset.path), f"asset:{asset.id}"
    elif ref.startswith(ASSET_PREFIX):
        raise ImageRefError(f"no asset {ref[len(ASSET_PREFIX):]!r} in this studio")
    else:
        path, label = Path(ref).expanduser(), Path(ref).name
    if not path.is_file():
        raise ImageRefError(f"{ref}: no such file or asset")
    if path.suffix.lower() in _VIDEO_SUFFIXES or (asset and asset.media_type.startswith(
            "video/")):
        return Picture(tuple(ChatImage(u) for u in video_frames(path)), label, asset)
    return Picture((ChatImage(image_data_url(path)),), label, asset)


def image_data_url(path: Path) -> str:
    from PIL import Image, UnidentifiedImageError

    if path.stat().st_size > MAX_INPUT_BYTES:
        raise ImageRefError(f"{path.name} is {path.stat().st_size / 1e6:.1f} MB; the limit "
                            f"is {MAX_INPUT_BYTES / 1e6:.0f} MB")
    try:
        with Image.open(path) as image:
            fmt = image.format or ""
            if fmt in _SENT_AS_IS and max(image.size) <= MAX_SIDE:
                return _data_url(_SENT_AS_IS[fmt], path.read_bytes())
            image.load()
            return _jpeg_url(image)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageRefError(f"{path.name} is not a readable image ({exc})") from None


def video_frames(path: Path, count: int = 3) -> list[str]:
    """Up to `count` frames spread over the clip (first, middle, last) as JPEG data URLs;
    one frame in memory at a time besides those kept."""
    import av

    if path.stat().st_size > MAX_VIDEO_BYTES:
        raise ImageRefError(f"{path.name} is too large to read frames from")
    kept: dict[int, object] = {}
    last: tuple[int, object] | None = None
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            total = stream.frames or _estimated_frames(stream)
            wanted = ({round(i * (total - 1) / max(1, count - 1)) for i in range(count)}
                      if total > 0 else {0})
            for index, frame in enumerate(container.decode(stream)):
                if index in wanted:
                    kept[index] = frame.to_image()
                last = (index, frame)
                if index >= max(wanted) and len(kept) == len(wanted):
                    break
    except (av.FFmpegError, IndexError, OSError) as exc:
        raise ImageRefError(f"{path.name}: frames could not be read ({exc})") from None
    if last is None:
        raise ImageRefError(f"{path.name} has no frames")
    if last[0] not in kept and len(kept) < count:  # fewer frames than declared: the end
        kept[last[0]] = last[1].to_image()  # type: ignore[attr-defined]
    return [_jpeg_url(kept[i]) for i in sorted(kept)]


def _estimated_frames(stream: object) -> int:
    duration = getattr(stream, "duration", None)
    base = getattr(stream, "time_base", None)
    rate = getattr(stream, "average_rate", None)
    if duration is None or base is None or not rate:
        return 0
    return int(float(duration * base) * float(rate))


def _jpeg_url(image: object) -> str:
    from PIL import Image

    if not isinstance(image, Image.Image):
        raise TypeError("expected a Pillow image")
    rgb = image.convert("RGB")
    rgb.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    rgb.save(out, format="JPEG", quality=90)
    return _data_url("image/jpeg", out.getvalue())


def _data_url(media_type: str, data: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"
