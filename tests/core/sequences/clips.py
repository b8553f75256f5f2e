"""Small real MP4 clips made with PyAV for the stitching tests."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def make_clip(path: Path, *, seconds: float = 1.0, fps: int = 12, size: tuple[int, int] = (64, 48),
              shade: int = 40, audio: bool = False, codec: str = "libx264") -> Path:
    """A clip whose frame n is a flat grey of (shade + 3n) % 256, with a 440 Hz tone."""
    width, height = size
    frames = round(seconds * fps)
    with av.open(str(path), mode="w", format="mp4") as out:
        video = out.add_stream(codec, rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.codec_context.thread_count = 1
        if codec == "libx264":
            video.codec_context.options = {"preset": "ultrafast"}
        sound = out.add_stream("aac", rate=48000, layout="stereo") if audio else None
        for n in range(frames):
            pixels = np.full((height, width, 3), (shade + 3 * n) % 256, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = n
            frame.time_base = Fraction(1, fps)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        if sound is not None:
            total = round(seconds * 48000)
            t = np.arange(total, dtype=np.float32) / 48000
            tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
            data = np.stack([tone, tone])
            for start in range(0, total, 1024):
                chunk = np.ascontiguousarray(data[:, start:start + 1024])
                af = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
                af.sample_rate = 48000
                af.pts = start
                af.time_base = Fraction(1, 48000)
                out.mux(sound.encode(af))
            out.mux(sound.encode(None))
    return path


def decode_all(path: Path) -> tuple[int, float, bool, float]:
    """(video frames decoded, video seconds by frame count / rate, has audio, audio seconds)."""
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        rate = float(v.average_rate)
        count = sum(1 for _ in c.decode(v))
    audio_seconds = 0.0
    has_audio = False
    with av.open(str(path)) as c:
        if c.streams.audio:
            has_audio = True
            a = c.streams.audio[0]
            samples = sum(f.samples for f in c.decode(a))
            audio_seconds = samples / a.rate
    return count, count / rate, has_audio, audio_seconds
