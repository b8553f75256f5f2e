"""Images and clips made for the metrics tests: real PNG and MP4 files, built from numpy."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def scene(width: int = 512, height: int = 384, seed: int = 1) -> np.ndarray:
    """A detailed RGB scene: gradients, random shapes with hard edges, fine texture."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([96 + 60 * np.sin(x / 37.0), 110 + 50 * np.cos(y / 23.0),
                     120 + 40 * np.sin((x + y) / 51.0)], axis=-1)
    image = Image.fromarray(base.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(60):
        colour = tuple(int(c) for c in rng.integers(20, 236, 3))
        cx, cy = int(rng.integers(0, width)), int(rng.integers(0, height))
        if rng.random() < 0.5:
            r = int(rng.integers(4, 40))
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
        else:
            draw.rectangle((cx, cy, cx + int(rng.integers(4, 60)),
                            cy + int(rng.integers(4, 60))), fill=colour)
    texture = rng.normal(0, 4, (height, width, 1)).astype(np.float32)
    return np.clip(np.asarray(image, dtype=np.float32) + texture, 0, 255).astype(np.uint8)


def blurred(rgb: np.ndarray, radius: float) -> np.ndarray:
    return np.asarray(Image.fromarray(rgb).filter(ImageFilter.GaussianBlur(radius)))


def grey(rgb: np.ndarray) -> np.ndarray:
    """BT.601 luma, uint8, H x W."""
    return np.asarray(Image.fromarray(rgb).convert("L"))


def resized(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    return np.asarray(Image.fromarray(rgb).resize((width, height), Image.Resampling.BICUBIC))


def save_png(path: Path, rgb: np.ndarray) -> Path:
    Image.fromarray(rgb).save(path)
    return path


def write_clip(path: Path, frames: Iterable[np.ndarray], fps: int = 24,
               faststart: bool = True) -> Path:
    """An H.264 MP4 of RGB uint8 frames (even width and height)."""
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), mode="w", format="mp4", options=options) as container:
        stream = None
        for index, frame in enumerate(frames):
            if stream is None:
                stream = container.add_stream("libx264", rate=fps)
                stream.height, stream.width = frame.shape[:2]
                stream.pix_fmt = "yuv420p"
                stream.time_base = Fraction(1, fps)
                stream.codec_context.options = {"preset": "ultrafast", "crf": "18"}
            video_frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
            video_frame.pts = index
            container.mux(stream.encode(video_frame))
        if stream is not None:
            container.mux(stream.encode(None))
    return path


def panning(count: int, width: int = 192, height: int = 128, step: int = 2,
            seed: int = 1) -> list[np.ndarray]:
    """A camera pan over a detailed scene: steady light, real motion."""
    canvas = scene(width + step * count + 8, height + step * count + 8, seed)
    return [canvas[i * step: i * step + height, i * step: i * step + width].copy()
            for i in range(count)]


def flickering(frames: list[np.ndarray], amount: int = 40) -> list[np.ndarray]:
    """The same frames with the brightness jumping up and down every other frame."""
    return [np.clip(f.astype(np.int16) + (amount if i % 2 else -amount), 0, 255).astype(np.uint8)
            for i, f in enumerate(frames)]
