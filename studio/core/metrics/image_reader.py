"""Decoding an image for measurement: size checked before decoding, scaled to one size."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from studio.core.metrics.errors import CorruptMediaError, MediaTooLargeError, NotMediaError
from studio.core.metrics.limits import Limits

if TYPE_CHECKING:  # Pillow is imported on first use
    from PIL import Image

# Transparent pixels are measured over mid grey, as the gallery shows them.
_BACKDROP = (128, 128, 128)


@dataclass(frozen=True)
class DecodedImage:
    rgb: np.ndarray  # H x W x 3 uint8, long side at most Limits.analysis_side
    width: int  # of the file, before scaling
    height: int
    format: str


def analysis_size(width: int, height: int, side: int) -> tuple[int, int]:
    """(w, h) with the long side at most `side`, aspect kept, never below 1 px."""
    scale = min(1.0, side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def read_image(path: Path, limits: Limits, *, sniffed: bool) -> DecodedImage:
    """`sniffed`: the first bytes said "image", so an unreadable file is corrupt, not alien."""
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(path)
    except Image.DecompressionBombError as exc:
        raise MediaTooLargeError(path, f"the image declares a size too large to decode safely "
                                 f"({exc})") from None
    except UnidentifiedImageError:
        if sniffed:
            raise CorruptMediaError(path, "the image header is unreadable") from None
        raise NotMediaError(path, "not an image Pillow can read") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise CorruptMediaError(path, f"the image header is unreadable ({exc})") from None
    with image:
        width, height = image.size
        if width < 1 or height < 1:
            raise CorruptMediaError(path, f"the image declares an empty size {width}x{height}")
        if width * height > limits.max_image_pixels:
            raise MediaTooLargeError(
                path, f"{width}x{height} is {width * height / 1e6:.0f} MP, too large: at most "
                f"{limits.max_image_pixels / 1e6:.0f} MP can be measured")
        target = analysis_size(width, height, limits.analysis_side)
        image.draft("RGB", target)  # JPEG decodes at a reduced scale: much faster
        try:
            image.load()
            flat = _flatten(image)
        except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
            raise CorruptMediaError(path, f"the image is truncated or damaged ({exc})") from None
        fmt = image.format or "unknown"
    if flat.size != target:  # BOX: each output pixel is the mean of the area it covers
        flat = flat.resize(target, Image.Resampling.BOX)
    return DecodedImage(np.asarray(flat), width, height, fmt)


def _flatten(image: Image.Image) -> Image.Image:
    """An RGB copy; transparency is composited over the backdrop."""
    from PIL import Image

    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        base = Image.new("RGB", rgba.size, _BACKDROP)
        base.paste(rgba, mask=rgba.getchannel("A"))
        return base
    return image.convert("RGB")
