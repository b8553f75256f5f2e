"""Splicing metadata into existing files: what was there stays, the picture is untouched."""

import io
import json

import pytest
from PIL import Image

from studio.core.export.embed import (
    EmbedError,
    a1111_parameters,
    embed,
    jpeg_with_xmp,
    xmp_packet,
)

RECORD = {"schema": "provider-studio/provenance", "version": 1, "provider": "fal",
          "model": "fal-ai/flux/dev", "prompt": "ünïcode fox, at dusk", "job_id": "j1",
          "negative_prompt": None, "seed": 3, "params": {"steps": 20, "sampler": "euler a"},
          "output": {"width": 8, "height": 8}}


def _bytes(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def test_jpeg_keeps_exif_and_replaces_an_older_xmp_packet():
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"
    src = _bytes(Image.new("RGB", (8, 8), "red"), "JPEG", exif=exif.tobytes(),
                 xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>old</x:xmpmeta>")
    out = jpeg_with_xmp(src, xmp_packet(RECORD))
    with Image.open(io.BytesIO(out)) as im:
        assert im.getexif()[0x010F] == "CameraMaker"
        assert "trainedAlgorithmicMedia" in str(im.getxmp())
        assert "old" not in str(im.getxmp())
    assert out.count(b"http://ns.adobe.com/xap/1.0/\x00") == 1


def test_png_replaces_old_parameters_and_keeps_other_text():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("parameters", "stale")
    info.add_text("Software", "the provider")
    src = _bytes(Image.new("RGB", (8, 8), "blue"), "PNG", pnginfo=info)
    out, added = embed(src, "image/png", RECORD)
    with Image.open(io.BytesIO(out)) as im:
        assert im.info["Software"] == "the provider"
        assert im.info["parameters"].startswith("ünïcode fox, at dusk\n")
        assert json.loads(im.info["provider-studio"])["job_id"] == "j1"
    assert added == ["png:iTXt:provider-studio", "png:text:parameters"]


def test_a1111_parameters_quote_values_with_commas():
    text = a1111_parameters(RECORD)
    assert text.splitlines()[1] == ("Steps: 20, Sampler: euler a, Seed: 3, Size: 8x8, "
                                    "Model: fal-ai/flux/dev, Provider: fal, "
                                    "Version: Provider Studio 0.1.0")
    assert 'Sampler: "a, b"' in a1111_parameters({**RECORD, "params": {"sampler": "a, b"}})


@pytest.mark.parametrize("media_type", ["image/png", "image/jpeg", "image/webp"])
def test_a_file_that_is_not_what_it_claims_is_refused(media_type):
    with pytest.raises(EmbedError):
        embed(b"GIF89a....", media_type, RECORD)
