"""An output counts only when it decodes in full: Pillow for images, PyAV for videos."""

import io

import pytest
from PIL import Image

from studio.core.verify_output import MAX_PIXELS, BrokenOutput, verify_output
from studio.sandbox.render import render_image, render_mp4


@pytest.fixture(scope="module")
def video() -> bytes:
    return render_mp4("waves", 3, 160, 96, 1.0, 12)


@pytest.mark.parametrize("fmt", ["png", "jpeg", "webp"])
def test_whole_images_pass_and_report_their_size(tmp_path, fmt):
    path = tmp_path / f"x.{fmt}"
    path.write_bytes(render_image("a fox", 1, 96, 64, fmt))
    info = verify_output(path, f"image/{fmt}")
    assert (info.width, info.height) == (96, 64)


@pytest.mark.parametrize("fmt", ["png", "jpeg", "webp"])
@pytest.mark.parametrize("keep", [0.3, 0.8, 0.98])
def test_images_cut_short_are_broken(tmp_path, fmt, keep):
    data = render_image("a fox", 1, 96, 64, fmt)
    path = tmp_path / f"x.{fmt}"
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(BrokenOutput) as info:
        verify_output(path, f"image/{fmt}")
    assert info.value.code == "broken_output" and info.value.retryable


def test_whole_video_passes_with_its_duration(tmp_path, video):
    path = tmp_path / "x.mp4"
    path.write_bytes(video)
    info = verify_output(path, "video/mp4")
    assert (info.width, info.height) == (160, 96) and info.duration_seconds == pytest.approx(1, 0.2)


@pytest.mark.parametrize("keep", [0.2, 0.7, 0.995])
def test_video_cut_short_is_broken(tmp_path, video, keep):
    path = tmp_path / "x.mp4"
    path.write_bytes(video[: int(len(video) * keep)])
    with pytest.raises(BrokenOutput, match="incomplete"):
        verify_output(path, "video/mp4")


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_a_decompression_bomb_is_refused_without_decoding(tmp_path):
    side = int(MAX_PIXELS ** 0.5) + 100
    buf = io.BytesIO()
    Image.new("1", (side, side)).save(buf, "PNG")  # a few KB on disk, ~90 Mpx decoded
    path = tmp_path / "bomb.png"
    path.write_bytes(buf.getvalue())
    with pytest.raises(BrokenOutput) as info:
        verify_output(path, "image/png")
    assert info.value.code == "decompression_bomb" and not info.value.retryable
    assert "decompression bombs" in info.value.message
