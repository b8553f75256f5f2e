"""The sandbox's image edits: deterministic, and each shows its effect."""

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from studio.sandbox import edits


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def decode(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGBA" if "A" in image.getbands() else "RGB"))


IMAGE = Image.new("RGB", (80, 60), (30, 160, 60))
ImageDraw.Draw(IMAGE).ellipse((20, 15, 60, 45), fill=(220, 20, 20))
MASK = Image.new("L", (80, 60), 0)
ImageDraw.Draw(MASK).rectangle((5, 5, 24, 20), fill=255)


def test_inpaint_is_deterministic_and_keeps_the_unmasked_pixels():
    first = edits.inpaint(png(IMAGE), png(MASK), "a window", 4)
    assert first == edits.inpaint(png(IMAGE), png(MASK), "a window", 4)
    out, inside = decode(first), np.asarray(MASK) >= 128
    assert (out[~inside] == np.asarray(IMAGE)[~inside]).all()
    assert (out[inside] != np.asarray(IMAGE)[inside]).any(axis=-1).all()


def test_grow_widens_the_repainted_area():
    grown = decode(edits.inpaint(png(IMAGE), png(MASK), "a window", 4, grow=3))
    assert (grown[22, 26] != np.asarray(IMAGE)[22, 26]).any()  # just outside the box


def test_inpaint_without_a_mask_fills_transparent_pixels():
    rgba = IMAGE.convert("RGBA")
    rgba.putalpha(MASK.point(lambda v: 255 - v))  # the box is transparent
    out = decode(edits.inpaint(png(rgba), None, "a window", 1))
    assert (out[40, 40] == np.asarray(IMAGE)[40, 40]).all()
    assert (out[10, 10] != np.asarray(IMAGE)[10, 10]).any()
    with pytest.raises(edits.EditError, match="give a mask"):
        edits.inpaint(png(IMAGE), None, "x", 1)


def test_mismatched_mask_is_refused():
    with pytest.raises(edits.EditError, match="must match"):
        edits.inpaint(png(IMAGE), png(MASK.resize((40, 30))), "x", 1)


def test_outpaint_place_upscale_and_cutout():
    grown = decode(edits.outpaint(png(IMAGE), 10, 0, 5, 0, "sea", 2))
    assert grown.shape[:2] == (65, 90) and (grown[5:, 10:] == np.asarray(IMAGE)).all()
    placed = decode(edits.place(png(IMAGE), 100, 100, (10, 20, 90, 80), "sea", 2))
    assert placed.shape[:2] == (100, 100) and (placed[20:80, 10:90] == np.asarray(IMAGE)).all()
    assert decode(edits.upscale(png(IMAGE), 2)).shape[:2] == (120, 160)
    assert decode(edits.upscale(png(IMAGE), 4, max_pixels=4800 * 4)).shape[:2] == (120, 160)
    cut = decode(edits.remove_background(png(IMAGE)))
    assert cut.shape[2] == 4 and cut[0, 0, 3] == 0 and cut[30, 40, 3] == 255
    with pytest.raises(edits.EditError, match="png or webp"):
        edits.remove_background(png(IMAGE), fmt="jpeg")
