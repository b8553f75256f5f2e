"""Bad input of every kind gets a typed error with a message, never a crash."""

from __future__ import annotations

import struct
import zlib

import av
import pytest
from PIL import Image

from studio.core.metrics import (
    CorruptMediaError,
    Limits,
    MediaNotFoundError,
    MediaTooLargeError,
    MetricsError,
    NotMediaError,
    measure,
)
from tests.core.metrics_media import panning, save_png, scene, write_clip


def _png_claiming(path, width: int, height: int):
    """A tiny PNG whose header declares width x height (a decompression bomb's shape)."""
    save_png(path, scene(8, 8))
    data = bytearray(path.read_bytes())
    ihdr = bytearray(data[12:29])  # chunk type + 13 bytes of header
    ihdr[4:12] = struct.pack(">II", width, height)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(("content", "error", "says"), [
    (b"", CorruptMediaError, "empty (0 bytes)"),
    (b"hello, this is a note and not a picture\n" * 40, NotMediaError, "not an image or video"),
    (bytes(range(256)) * 40, NotMediaError, "not an image or video"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, CorruptMediaError, "header is unreadable"),
    (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200, CorruptMediaError, "cannot be opened"),
])
def test_garbage_raises_a_typed_error(tmp_path, content, error, says):
    path = tmp_path / "output.mp4"
    path.write_bytes(content)
    with pytest.raises(error) as caught:
        measure(path)
    assert isinstance(caught.value, MetricsError)
    assert str(caught.value).startswith("output.mp4: ") and says in str(caught.value)


def test_missing_files_and_folders_are_reported(tmp_path):
    with pytest.raises(MediaNotFoundError, match="no such file"):
        measure(tmp_path / "gone.png")
    with pytest.raises(MediaNotFoundError, match="a folder"):
        measure(tmp_path)


def test_a_truncated_image_is_corrupt(tmp_path):
    path = save_png(tmp_path / "cut.png", scene())
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CorruptMediaError, match="truncated or damaged"):
        measure(path)


def test_a_decompression_bomb_is_refused_before_decoding(tmp_path):
    # Pillow's own guard stops this one as the file is opened...
    with pytest.raises(MediaTooLargeError, match="too large to decode safely"):
        measure(_png_claiming(tmp_path / "bomb.png", 60_000, 60_000))
    # ...and ours the ones under Pillow's limit that would still take gigabytes.
    with pytest.raises(MediaTooLargeError, match="9000x9000 is 81 MP, too large: at most 67 MP"):
        measure(_png_claiming(tmp_path / "wide.png", 9_000, 9_000))
    small = Limits(max_image_pixels=4 * 4)
    with pytest.raises(MediaTooLargeError, match="8x8 is 0 MP, too large"):
        measure(save_png(tmp_path / "small.png", scene(8, 8)), limits=small)


def test_huge_video_frames_are_refused_before_decoding(tmp_path):
    clip = write_clip(tmp_path / "clip.mp4", panning(4), 12)
    with pytest.raises(MediaTooLargeError, match="192x128 frames are too large"):
        measure(clip, limits=Limits(max_video_pixels=100 * 100))


@pytest.mark.parametrize("keep", [0.05, 0.4, 0.8])
def test_a_truncated_video_is_corrupt(tmp_path, keep):
    for faststart in (True, False):
        path = write_clip(tmp_path / f"clip-{faststart}.mp4", panning(24), 12,
                          faststart=faststart)
        path.write_bytes(path.read_bytes()[: int(path.stat().st_size * keep)])
        with pytest.raises(CorruptMediaError):
            measure(path)


def test_a_truncated_video_says_how_much_was_left(tmp_path):
    path = write_clip(tmp_path / "clip.mp4", panning(24), 12)
    path.write_bytes(path.read_bytes()[: int(path.stat().st_size * 0.5)])
    with pytest.raises(CorruptMediaError, match=r"truncated: only \d+ of its 24 frames"):
        measure(path)


def test_a_video_without_frames_is_refused(tmp_path):
    path = tmp_path / "zero.mp4"
    container = av.open(str(path), "w")
    stream = container.add_stream("libx264", rate=12)
    stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
    container.start_encoding()
    container.close()
    with pytest.raises((NotMediaError, CorruptMediaError), match=r"no video|no frame"):
        measure(path)


def test_an_image_with_an_image_extension_but_video_bytes_and_vice_versa(tmp_path):
    picture = tmp_path / "really-a-picture.mp4"
    Image.fromarray(scene(32, 32)).save(picture, format="PNG")
    assert measure(picture).kind == "image"
