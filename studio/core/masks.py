"""Masks and outpaint canvases: checking a mask against its image, and extending a canvas.

A mask is a greyscale image the size of the image it edits: white = change, black = keep.
A mask of another size is scaled to the image (with a note saying so, recorded on the job).
Outpainting extends the canvas on any side, by pixels or to an aspect ratio; the new area
is white in the mask, so providers that take only image + mask can outpaint too.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from studio.providers.base import InputImage, Role

if TYPE_CHECKING:  # Pillow and numpy load on first use: the app starts without them
    from PIL import Image

MAX_SIDE = 8192  # the largest canvas side we make
_ASPECT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[:x/]\s*(\d+(?:\.\d+)?)\s*$")


class MaskError(ValueError):
    """A mask or canvas request that cannot be used; the message says why."""


def png_bytes(image: Image.Image) -> bytes:
    """PNG bytes with fixed settings, so the same pixels always give the same file."""
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=6)
    return out.getvalue()


def fit_mask(mask: InputImage, image: InputImage | None) -> tuple[InputImage, str | None]:
    """The mask as sent, and a note when it had to be scaled to the image's size. Masks
    or images given as URLs (size unknown here) are passed on unchecked, with a note."""
    from PIL import Image

    mask = dataclasses.replace(mask, role=Role.MASK)
    if image is None:
        return mask, None
    if mask.url and not mask.data:
        return mask, "the mask is a URL: its size was not checked against the image"
    if not (image.width and image.height and mask.width and mask.height):
        return mask, "the input image is a URL: the mask's size was not checked against it"
    if (mask.width, mask.height) == (image.width, image.height):
        return mask, None
    with Image.open(io.BytesIO(mask.data)) as source:
        grey = _greyscale(source)
    scaled = grey.resize((image.width, image.height), Image.Resampling.BILINEAR)
    data = png_bytes(scaled)
    stretched = not math.isclose(mask.width / mask.height, image.width / image.height,
                                 rel_tol=0.01)
    note = (f"the mask was {mask.width}x{mask.height} and was scaled to the image's "
            f"{image.width}x{image.height}" + (" (its shape changed: check the masked area)"
                                               if stretched else ""))
    return InputImage(f"{_stem(mask.name)}-scaled.png", "image/png", data,
                      hashlib.sha256(data).hexdigest(), image.width, image.height,
                      role=Role.MASK), note


def _greyscale(image: Image.Image) -> Image.Image:
    """A mask as 'L': a transparent-background mask counts its opaque pixels as white."""
    import numpy as np
    from PIL import Image

    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        alpha = np.asarray(rgba.getchannel("A"), dtype=np.uint16)
        luma = np.asarray(rgba.convert("L"), dtype=np.uint16)
        return Image.fromarray((luma * alpha // 255).astype(np.uint8), "L")
    return image.convert("L")


def _stem(name: str) -> str:
    return name.rsplit(".", 1)[0] or "mask"


# -- outpaint canvases -----------------------------------------------------------------------


@dataclass(frozen=True)
class Extension:
    """Pixels added on each side (Stability's left/right/up/down)."""

    left: int = 0
    right: int = 0
    up: int = 0
    down: int = 0

    def __post_init__(self) -> None:
        if min(self.left, self.right, self.up, self.down) < 0:
            raise MaskError("the canvas can only grow: every side must be 0 or more pixels")

    @property
    def empty(self) -> bool:
        return not (self.left or self.right or self.up or self.down)

    def size(self, width: int, height: int) -> tuple[int, int]:
        return width + self.left + self.right, height + self.up + self.down

    def as_params(self) -> dict[str, int]:
        return {"left": self.left, "right": self.right, "up": self.up, "down": self.down}


def parse_aspect(text: str) -> Fraction:
    match = _ASPECT.match(text)
    if not match or not float(match.group(2)) or not float(match.group(1)):
        raise MaskError(f"aspect ratio {text!r} should look like 16:9")
    return Fraction(match.group(1)) / Fraction(match.group(2))


def to_aspect(width: int, height: int, aspect: str | Fraction,
              anchor: tuple[float, float] = (0.5, 0.5)) -> Extension:
    """The smallest extension that gives the canvas the aspect ratio (width:height). The
    image sits at `anchor` (0..1 across, 0..1 down) of the new canvas: (0.5, 0.5) centres
    it, (0, 0.5) keeps it on the left edge."""
    ratio = parse_aspect(aspect) if isinstance(aspect, str) else Fraction(aspect)
    ax, ay = (min(1.0, max(0.0, a)) for a in anchor)
    if Fraction(width, height) < ratio:  # too narrow: add width
        extra = math.ceil(height * ratio) - width
        left = round(extra * ax)
        return Extension(left=left, right=extra - left)
    extra = math.ceil(width / ratio) - height
    up = round(extra * ay)
    return Extension(up=up, down=extra - up)


def extend_canvas(image: Image.Image, extension: Extension
                  ) -> tuple[Image.Image, Image.Image]:
    """(the image on the larger canvas, the mask of the new area). The new area repeats
    the image's edge pixels, a neutral start that fill models paint over."""
    import numpy as np
    from PIL import Image

    if extension.empty:
        raise MaskError("give at least one side to extend (left, right, up or down)")
    width, height = extension.size(*image.size)
    if max(width, height) > MAX_SIDE:
        raise MaskError(f"the canvas would be {width}x{height}; the largest side allowed is "
                        f"{MAX_SIDE} pixels")
    mode = "RGBA" if image.mode in ("RGBA", "LA", "PA") else "RGB"
    pixels = np.asarray(image.convert(mode))
    pad = ((extension.up, extension.down), (extension.left, extension.right), (0, 0))
    canvas = Image.fromarray(np.pad(pixels, pad, mode="edge"), mode)
    mask = np.full((height, width), 255, dtype=np.uint8)
    mask[extension.up:extension.up + image.height,
         extension.left:extension.left + image.width] = 0
    return canvas, Image.fromarray(mask, "L")


def outpaint_files(data: bytes, extension: Extension) -> tuple[bytes, bytes]:
    """PNG bytes of (extended image, its mask) from an image file's bytes."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as source:
            source.load()
            canvas, mask = extend_canvas(source, extension)
    except (OSError, SyntaxError) as exc:
        raise MaskError(f"the image could not be read ({exc})") from None
    return png_bytes(canvas), png_bytes(mask)
