"""The renderer: real decodable files, exact sizes, the same bytes for the same inputs."""

from __future__ import annotations

import io
import time
from collections.abc import Callable

import av
import numpy as np
import pytest
from sandbox_helpers import image_size, video_facts

from studio.sandbox.render import render_image, render_mp4, render_png


def test_png_has_exact_size_and_is_deterministic() -> None:
    first = render_png("a red fox in the snow", 42, 320, 200)
    assert image_size(first) == ("PNG", 320, 200)
    assert render_png("a red fox in the snow", 42, 320, 200) == first


def test_prompt_seed_and_size_each_change_the_output() -> None:
    base = render_png("a red fox", 1, 64, 48)
    assert render_png("a red fox", 2, 64, 48) != base
    assert render_png("a blue fox", 1, 64, 48) != base
    assert image_size(render_png("a red fox", 1, 65, 47)) == ("PNG", 65, 47)


@pytest.mark.parametrize(("fmt", "pil_name"), [("jpeg", "JPEG"), ("webp", "WEBP")])
def test_other_image_formats(fmt: str, pil_name: str) -> None:
    data = render_image("lighthouse", 7, 300, 170, fmt)
    assert image_size(data) == (pil_name, 300, 170)
    assert render_image("lighthouse", 7, 300, 170, fmt) == data


def test_blurred_image_differs_but_keeps_its_size() -> None:
    sharp = render_image("x", 3, 128, 96, "png")
    blurred = render_image("x", 3, 128, 96, "png", blurred=True)
    assert blurred != sharp
    assert image_size(blurred) == ("PNG", 128, 96)


def test_unknown_format_and_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="format"):
        render_image("x", 1, 10, 10, "gif")
    with pytest.raises(ValueError, match="positive"):
        render_png("x", 1, 0, 10)


def test_large_png_renders_fast() -> None:
    best = min(_timed(lambda: render_png("speed check", 5, 1024, 1024)) for _ in range(3))
    assert best < 0.3


def test_mp4_is_h264_with_exact_size_and_duration() -> None:
    data = render_mp4("waves at night", 9, 160, 90, seconds=2, fps=12)
    facts = video_facts(data)
    assert facts == {
        "codec": "h264",
        "pix_fmt": "yuv420p",
        "width": 160,
        "height": 90,
        "frames": 24,
        "seconds": 2.0,
    }
    assert render_mp4("waves at night", 9, 160, 90, seconds=2, fps=12) == data


def test_mp4_frames_move() -> None:
    data = render_mp4("moving blobs", 4, 96, 64, seconds=1, fps=8)
    with av.open(io.BytesIO(data)) as container:
        frames = [f.to_ndarray(format="rgb24").astype(int) for f in container.decode(video=0)]
    assert np.abs(frames[0] - frames[-1]).mean() > 2


def test_mp4_needs_even_dimensions() -> None:
    with pytest.raises(ValueError, match="even"):
        render_mp4("x", 1, 101, 64, seconds=1, fps=12)


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start
