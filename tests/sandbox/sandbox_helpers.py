"""Helpers shared by the sandbox tests (a unique module name, unlike conftest)."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any

import av
import httpx
from PIL import Image

RUNWAY_HEADERS = {"Authorization": "Bearer key_test", "X-Runway-Version": "2024-11-06"}


def poll_until(
    fetch: Callable[[], Any], done: Callable[[Any], bool], timeout: float = 5.0
) -> list[Any]:
    """Call fetch until done(result); returns every result seen (the last one is done)."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen.append(fetch())
        if done(seen[-1]):
            return seen
        time.sleep(0.015)
    raise AssertionError(f"condition not reached in {timeout} s; last result: {seen[-1:]}")


def freeze(admin: httpx.Client) -> None:
    assert admin.post("/clock", json={"freeze": True}).json()["frozen"] is True


def advance(admin: httpx.Client, seconds: float) -> None:
    admin.post("/clock", json={"advance": seconds}).raise_for_status()


def image_size(data: bytes) -> tuple[str, int, int]:
    """(format, width, height) of an encoded image, decoding every pixel."""
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image.format or "", image.width, image.height


def video_facts(data: bytes) -> dict[str, Any]:
    """Codec, size, frame count and duration of an MP4, decoding every frame."""
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        frames = list(container.decode(stream))
        return {
            "codec": stream.codec_context.name,
            "pix_fmt": stream.format.name,
            "width": frames[0].width,
            "height": frames[0].height,
            "frames": len(frames),
            "seconds": float(stream.duration * stream.time_base),
        }
