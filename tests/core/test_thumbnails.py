import hashlib
import os

import av
import numpy as np
import pytest
from PIL import Image

from studio.core.thumbnails import ThumbnailError, make_thumbnail, thumb_path


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _png(path, size=(640, 320), color=(200, 30, 30, 255), mode="RGBA"):
    Image.new(mode, size, color[: len(mode)]).save(path)
    return path


def _mp4(path, color=(0, 200, 0), frames=6):
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=12)
        stream.width, stream.height, stream.pix_fmt = 160, 96, "yuv420p"
        for _ in range(frames):
            data = np.zeros((96, 160, 3), dtype=np.uint8)
            data[:] = color
            for packet in stream.encode(av.VideoFrame.from_ndarray(data, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def test_image_thumbnail_keeps_aspect_and_is_cached(tmp_path):
    src = _png(tmp_path / "a.png")
    sha = _sha(src)
    out = make_thumbnail(src, sha, tmp_path / "thumbs", size=128)
    assert out == thumb_path(tmp_path / "thumbs", sha, 128)
    with Image.open(out) as im:
        assert im.size == (128, 64)
        r, g, b = im.convert("RGB").getpixel((64, 32))
        assert r > 180 and g < 60 and b < 60
    # A second call reuses the cached file instead of decoding again.
    os.utime(out, (1, 1))
    src.unlink()
    assert make_thumbnail(src, sha, tmp_path / "thumbs", size=128) == out
    assert out.stat().st_mtime == 1


def test_each_size_is_its_own_file(tmp_path):
    src = _png(tmp_path / "a.png", size=(300, 300))
    sha = _sha(src)
    small = make_thumbnail(src, sha, tmp_path, size=32)
    big = make_thumbnail(src, sha, tmp_path, size=200)
    assert small != big
    with Image.open(small) as a, Image.open(big) as b:
        assert a.size == (32, 32) and b.size == (200, 200)


def test_transparency_is_flattened_on_grey(tmp_path):
    src = _png(tmp_path / "t.png", size=(64, 64), color=(0, 0, 0, 0))
    out = make_thumbnail(src, _sha(src), tmp_path / "thumbs", size=32)
    with Image.open(out) as im:
        assert im.mode == "RGB"
        assert all(120 <= c <= 136 for c in im.getpixel((10, 10)))


def test_video_first_frame(tmp_path):
    src = _mp4(tmp_path / "clip.mp4")
    out = make_thumbnail(src, _sha(src), tmp_path / "thumbs", size=80, media_type="video/mp4")
    with Image.open(out) as im:
        assert im.size == (80, 48)
        r, g, b = im.getpixel((40, 24))
        assert g > 150 and r < 60 and b < 60


def test_unreadable_sources_raise_a_clear_error(tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not an image")
    with pytest.raises(ThumbnailError, match="not a readable image"):
        make_thumbnail(bad, _sha(bad), tmp_path / "thumbs")
    fake_video = tmp_path / "fake.mp4"
    fake_video.write_bytes(b"\x00" * 100)
    with pytest.raises(ThumbnailError, match="video"):
        make_thumbnail(fake_video, _sha(fake_video), tmp_path / "thumbs")
    with pytest.raises(ThumbnailError, match="does not exist"):
        make_thumbnail(tmp_path / "gone.png", "a" * 64, tmp_path / "thumbs")
    assert not list((tmp_path / "thumbs").rglob("*.jpg"))


def test_bad_hash_or_size_is_refused(tmp_path):
    with pytest.raises(ThumbnailError, match="sha256"):
        thumb_path(tmp_path, "../../etc/passwd", 64)
    with pytest.raises(ThumbnailError, match="size"):
        thumb_path(tmp_path, "a" * 64, 0)
