"""Masks against their image, and outpaint canvases by pixels or to an aspect ratio."""

import hashlib
import io
from fractions import Fraction

import numpy as np
import pytest
from PIL import Image

from studio.core.masks import (
    Extension,
    MaskError,
    extend_canvas,
    fit_mask,
    outpaint_files,
    parse_aspect,
    to_aspect,
)
from studio.providers.base import InputImage, Role


def png(size, mode="L", color=255) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, "PNG")
    return out.getvalue()


def image_input(size, mode="RGB", color=(0, 0, 255), name="i.png") -> InputImage:
    data = png(size, mode, color)
    return InputImage(name, "image/png", data, hashlib.sha256(data).hexdigest(), *size)


def test_a_matching_mask_is_sent_as_it_is():
    mask = image_input((64, 32), "L", 255, "m.png")
    sent, note = fit_mask(mask, image_input((64, 32)))
    assert (sent.data, sent.role, note) == (mask.data, Role.MASK, None)


def test_a_mask_of_another_size_is_scaled_with_a_note():
    sent, note = fit_mask(image_input((32, 16), "L", 255, "m.png"), image_input((64, 32)))
    assert (sent.width, sent.height, sent.name) == (64, 32, "m-scaled.png")
    assert sent.sha256 == hashlib.sha256(sent.data).hexdigest()
    assert note == "the mask was 32x16 and was scaled to the image's 64x32"
    _, stretched = fit_mask(image_input((32, 32), "L", 255, "m.png"), image_input((64, 32)))
    assert "its shape changed" in stretched


def test_a_transparent_mask_counts_opaque_pixels_as_white():
    rgba = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    rgba.putpixel((1, 1), (255, 255, 255, 255))
    out = io.BytesIO()
    rgba.save(out, "PNG")
    data = out.getvalue()
    mask = InputImage("m.png", "image/png", data, hashlib.sha256(data).hexdigest(), 8, 8)
    sent, _ = fit_mask(mask, image_input((16, 16)))
    with Image.open(io.BytesIO(sent.data)) as scaled:
        assert scaled.mode == "L" and scaled.getpixel((0, 0)) == 0
        assert scaled.getpixel((3, 3)) > 128


def test_url_images_are_not_size_checked_but_say_so():
    url = InputImage("i.png", "image/*", b"", "", url="https://x/i.png")
    _, note = fit_mask(image_input((8, 8), "L", 255), url)
    assert "not checked" in note


def test_extend_canvas_keeps_the_image_and_masks_the_new_area():
    source = Image.fromarray(np.arange(24 * 16 * 3, dtype=np.uint8).reshape(16, 24, 3))
    canvas, mask = extend_canvas(source, Extension(left=5, up=3, down=2))
    assert canvas.size == mask.size == (29, 21)
    assert (np.asarray(canvas)[3:19, 5:] == np.asarray(source)).all()
    m = np.asarray(mask)
    assert (m[3:19, 5:] == 0).all() and (m[:3] == 255).all() and (m[:, :5] == 255).all()
    assert (np.asarray(canvas)[0, 5:] == np.asarray(source)[0]).all()  # edge repeated


@pytest.mark.parametrize(("size", "aspect", "anchor", "expected"), [
    ((100, 100), "16:9", (0.5, 0.5), Extension(left=39, right=39)),
    ((160, 90), "1:1", (0.5, 0.5), Extension(up=35, down=35)),
    ((100, 100), "2:1", (0.0, 0.5), Extension(left=0, right=100)),
    ((90, 160), "9:16", (0.5, 0.5), Extension()),
])
def test_to_aspect(size, aspect, anchor, expected):
    assert to_aspect(*size, aspect, anchor) == expected


def test_bad_requests_are_clear():
    with pytest.raises(MaskError, match="like 16:9"):
        parse_aspect("wide")
    assert parse_aspect("2.35:1") == Fraction(47, 20)
    with pytest.raises(MaskError, match="only grow"):
        Extension(left=-1)
    with pytest.raises(MaskError, match="at least one side"):
        outpaint_files(png((8, 8), "RGB", (1, 2, 3)), Extension())
    with pytest.raises(MaskError, match="largest side"):
        outpaint_files(png((8, 8), "RGB", (1, 2, 3)), Extension(right=9000))
    with pytest.raises(MaskError, match="could not be read"):
        outpaint_files(b"not an image", Extension(right=4))
