"""Image edits that show their effect, for the emulated edit endpoints of every provider.

- inpaint: the masked (white) area is repainted with the sandbox render of the prompt and
  seed; every pixel outside it (after `grow`) stays exactly as it was;
- outpaint: the image sits unchanged on a larger canvas whose new area is rendered;
- upscale: a Lanczos resize by the factor;
- remove_background: pixels close to the border colour become transparent (RGBA out).
Deterministic: the same inputs give the same bytes.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from .jobs import OutputSpec
from .render import IMAGE_FORMATS, render_image


@dataclass(frozen=True)
class EditOutput(OutputSpec):
    """An output made from the inputs (an OutputSpec whose bytes come from `render`)."""

    render: Callable[[], bytes] | None = None

    def produce(self) -> bytes:
        return self.render() if self.render is not None else super().produce()


def edit_output(name: str, fmt: str, width: int, height: int,
                render: Callable[[], bytes]) -> EditOutput:
    return EditOutput(name, "", 0, width, height, fmt, render=render)


class EditError(ValueError):
    """An input the emulated endpoint refuses (unreadable image, mismatched mask)."""


def open_image(data: bytes, what: str = "image") -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (OSError, SyntaxError, ValueError) as exc:
        raise EditError(f"{what}: could not be decoded as an image ({exc})") from None
    return image


def encode(image: Image.Image, fmt: str = "png") -> bytes:
    out = io.BytesIO()
    if fmt == "png":
        image.save(out, "PNG", compress_level=1)
    elif fmt in IMAGE_FORMATS:
        if fmt == "jpeg" and image.mode != "RGB":
            image = image.convert("RGB")
        image.save(out, IMAGE_FORMATS[fmt], quality=90)
    else:
        raise EditError(f"output_format: {fmt!r} is not png, jpeg or webp")
    return out.getvalue()


def mask_array(mask: Image.Image, channel: str = "luma") -> np.ndarray:
    """True where the mask says "change": white (luma or a colour channel), or transparent
    (alpha: ComfyUI's LoadImageMask and Stability's no-mask form use 1 - alpha)."""
    if channel == "alpha":
        alpha = np.asarray(mask.convert("RGBA").getchannel("A"))
        return alpha < 128
    if channel in ("red", "green", "blue"):
        return np.asarray(mask.convert("RGB").getchannel(channel[0].upper())) >= 128
    return np.asarray(mask.convert("L")) >= 128


def scene(prompt: str, seed: int, width: int, height: int) -> Image.Image:
    """The sandbox render of a prompt and seed at a size, as pixels."""
    return open_image(render_image(prompt or "sandbox fill", seed, width, height, "png"))


def inpaint(image_data: bytes, mask_data: bytes | None, prompt: str, seed: int, *,
            grow: int = 0, fmt: str = "png", channel: str = "luma") -> bytes:
    """Repaint the masked area; without a mask the image's transparent pixels."""
    image = open_image(image_data)
    if mask_data is None:
        if "A" not in image.getbands():
            raise EditError("mask: give a mask, or an image with transparent pixels to fill")
        region = mask_array(image, "alpha")
    else:
        mask = open_image(mask_data, "mask")
        if mask.size != image.size:
            raise EditError(f"mask: is {mask.size[0]}x{mask.size[1]} but the image is "
                            f"{image.size[0]}x{image.size[1]}; they must match")
        region = mask_array(mask, channel)
    if grow > 0:
        grown = Image.fromarray(region.astype(np.uint8) * 255, "L").filter(
            ImageFilter.MaxFilter(2 * min(grow, 64) + 1))
        region = np.asarray(grown) >= 128
    base = np.asarray(image.convert("RGB"))
    fill = np.asarray(scene(prompt, seed, *image.size).convert("RGB"))
    out = np.where(region[..., None], fill, base).astype(np.uint8)
    return encode(Image.fromarray(out, "RGB"), fmt)


def outpaint(image_data: bytes, left: int, right: int, up: int, down: int, prompt: str,
             seed: int, *, fmt: str = "png") -> bytes:
    image = open_image(image_data).convert("RGB")
    width, height = image.width + left + right, image.height + up + down
    canvas = scene(prompt, seed, width, height).convert("RGB")
    canvas.paste(image, (left, up))
    return encode(canvas, fmt)


def place(image_data: bytes, width: int, height: int, box: tuple[int, int, int, int],
          prompt: str, seed: int) -> bytes:
    """The image resized into `box` (left, top, right, bottom) of a new rendered canvas
    (Firefly's expand with a placement inset)."""
    image = open_image(image_data).convert("RGB")
    left, top, right, bottom = box
    if right - left != image.width or bottom - top != image.height:
        image = image.resize((right - left, bottom - top), Image.Resampling.LANCZOS)
    canvas = scene(prompt, seed, width, height).convert("RGB")
    canvas.paste(image, (left, top))
    return encode(canvas)


def upscale(image_data: bytes, factor: float, *, max_pixels: int | None = None,
            fmt: str = "png") -> bytes:
    """A Lanczos resize by `factor`, capped at `max_pixels` in all."""
    image = open_image(image_data)
    if max_pixels:
        factor = min(factor, math.sqrt(max_pixels / (image.width * image.height)))
    factor = max(1.0, factor)
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    mode = "RGBA" if "A" in image.getbands() and fmt != "jpeg" else "RGB"
    return encode(image.convert(mode).resize(size, Image.Resampling.LANCZOS), fmt)


def remove_background(image_data: bytes, *, fmt: str = "png", tolerance: int = 40) -> bytes:
    """The image with its background (the colour of its border) made transparent."""
    if fmt not in ("png", "webp"):
        raise EditError("output_format: must be png or webp (they keep transparency)")
    rgb = np.asarray(open_image(image_data).convert("RGB")).astype(np.int16)
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
    background = np.median(border, axis=0)
    distance = np.abs(rgb - background).sum(axis=2)
    alpha = np.where(distance > tolerance, 255, 0).astype(np.uint8)
    out = np.dstack([rgb.astype(np.uint8), alpha])
    return encode(Image.fromarray(out, "RGBA"), fmt)
