"""One frame of a video as a PNG: the frame shown at a time, or exactly the last one.

Decoded with PyAV on one thread and written as PNG with fixed settings, so the same video
and time always give the same bytes (chains of clips reuse "the last frame, exactly").
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import av.container
    import av.video.frame
    import av.video.stream

# A frame whose time is within this of the asked time counts as at it (float rounding).
_EPSILON = 1e-6


class FrameError(ValueError):
    """The frame cannot be taken (no video stream, a time outside the video, a bad file)."""


@dataclass(frozen=True)
class Frame:
    """One decoded video frame as PNG, with its time."""
    png: bytes
    width: int
    height: int
    seconds: float  # when the frame is shown, counted from the first frame
    pts: int
    last: bool  # taken as the video's last frame
    index: int | None = None  # counted at the stream's average rate (None if unknown)


def extract_frame(path: Path | str, at: float | None = None) -> Frame:
    """The frame on screen at `at` seconds (the last frame starting at or before it), or
    the last decoded frame when `at` is None."""
    import av

    if at is not None and at < 0:
        raise FrameError("the time must be 0 seconds or later")
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise FrameError(f"{Path(path).name} has no video stream")
            stream = container.streams.video[0]
            stream.thread_type = "SLICE"  # no frame threading: same frames, same order
            frame = _last(container, stream) if at is None else _at(container, stream, at)
            return _to_frame(frame, stream, last=at is None)
    except av.FFmpegError as exc:
        raise FrameError(f"{Path(path).name} could not be decoded ({exc})") from None


def _at(container: av.container.InputContainer, stream: av.video.stream.VideoStream,
        at: float) -> av.video.frame.VideoFrame:
    duration = _duration(container, stream)
    if duration is not None and at > duration + _EPSILON:
        raise FrameError(f"{at:g} s is after the end of the video ({duration:.3f} s)")
    target = at + _start(stream)  # players count from the first frame; pts may not
    if stream.time_base is not None:
        container.seek(int(target / stream.time_base), stream=stream, backward=True)
    chosen = None
    for frame in container.decode(stream):
        if frame.time is not None and frame.time > target + _EPSILON:
            break
        chosen = frame
    if chosen is None:  # the asked time is before the first frame: show the first
        container.seek(0, stream=stream)
        chosen = next(iter(container.decode(stream)), None)
    if chosen is None:
        raise FrameError("the video has no frames")
    return chosen


def _last(container: av.container.InputContainer,
          stream: av.video.stream.VideoStream) -> av.video.frame.VideoFrame:
    duration = _duration(container, stream)
    if duration and stream.time_base is not None:
        # From the last keyframe on: every frame after it is decoded, the last one kept.
        container.seek(int(duration / stream.time_base), stream=stream, backward=True)
        last = _drain(container, stream)
        if last is not None:
            return last
        container.seek(0, stream=stream)
    last = _drain(container, stream)
    if last is None:
        raise FrameError("the video has no frames")
    return last


def _drain(container: av.container.InputContainer,
           stream: av.video.stream.VideoStream) -> av.video.frame.VideoFrame | None:
    last = None
    for frame in container.decode(stream):
        last = frame
    return last


def _start(stream: Any) -> float:
    if stream.start_time is None or stream.time_base is None:
        return 0.0
    return float(stream.start_time * stream.time_base)


def _duration(container: Any, stream: Any) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000  # microseconds
    return None


def _to_frame(frame: av.video.frame.VideoFrame, stream: av.video.stream.VideoStream, *,
              last: bool) -> Frame:
    from PIL import Image

    pixels = frame.to_ndarray(format="rgb24")
    image = Image.fromarray(pixels, "RGB")
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=6)
    seconds = float(frame.time or 0.0) - _start(stream)  # from the first frame, as shown
    rate = stream.average_rate
    index = round(seconds * Fraction(rate)) if rate else None
    return Frame(out.getvalue(), image.width, image.height, round(seconds, 6),
                 int(frame.pts or 0), last, index)
