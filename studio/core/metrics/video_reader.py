"""Decoding a video for measurement with PyAV: one frame in memory at a time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.core.metrics.errors import CorruptMediaError, MediaTooLargeError, NotMediaError
from studio.core.metrics.image_reader import analysis_size
from studio.core.metrics.limits import Limits

# Containers accepted when the first bytes did not already say "video": FFmpeg will open
# almost anything (even a text file, as ANSI art), so the rest are refused.
VIDEO_FORMATS = frozenset({"mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "avi", "mpegts", "flv",
                           "ogg", "gif"})


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    fps: float | None
    duration_seconds: float | None
    declared_frames: int  # 0 when the container does not say


@dataclass(frozen=True)
class DecodedFrame:
    index: int
    gray: np.ndarray  # small luma for frame-to-frame metrics
    rgb: np.ndarray | None  # analysis-size RGB, only on sampled frames


@dataclass
class DecodeOutcome:
    """Filled in while frames are read: how far decoding got; why it stopped at a limit."""

    decoded: int = 0
    stopped: str | None = None


class VideoReader:
    """`with VideoReader(path, limits) as video:` then `video.info` and `video.frames(...)`."""

    def __init__(self, path: Path, limits: Limits, *, sniffed: bool) -> None:
        import av

        self.path, self.limits, self.outcome = path, limits, DecodeOutcome()
        try:
            self._container = av.open(str(path))
        except (av.error.FFmpegError, OSError, ValueError, UnicodeDecodeError) as exc:
            if not sniffed:
                raise NotMediaError(path, "not an image or video that can be read") from None
            raise CorruptMediaError(path, f"the video cannot be opened ({_why(exc)})") from None
        try:
            self.info = self._probe(sniffed)
        except BaseException:
            self._container.close()
            raise

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self._container.close()

    def _probe(self, sniffed: bool) -> VideoInfo:
        container = self._container
        if not sniffed and container.format.name not in VIDEO_FORMATS:
            raise NotMediaError(self.path, "not an image or video that can be read")
        if not container.streams.video:
            raise NotMediaError(self.path, "the file has no video stream")
        stream = container.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
        if width < 1 or height < 1:
            raise CorruptMediaError(self.path, f"the video declares an empty size {width}x{height}")
        if width * height > self.limits.max_video_pixels:
            raise MediaTooLargeError(
                self.path, f"{width}x{height} frames are too large: at most "
                f"{self.limits.max_video_pixels / 1e6:.0f} MP can be measured")
        rate = stream.average_rate or stream.guessed_rate
        duration = None
        if container.duration is not None and container.duration > 0:
            duration = container.duration / 1_000_000
        elif stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        stream.thread_type = "AUTO"  # frame threads: decoding is most of a clip's cost
        return VideoInfo(width, height, float(rate) if rate else None,
                         None if duration is None else round(duration, 3), stream.frames or 0)

    def estimated_frames(self) -> int:
        info = self.info
        if info.declared_frames:
            return info.declared_frames
        if info.duration_seconds and info.fps:
            return max(1, round(info.duration_seconds * info.fps))
        return 0

    def frames(self, sample: set[int]) -> Iterator[DecodedFrame]:
        """Every frame (up to the limit) as small luma; frames whose index is in `sample`
        also as analysis-size RGB. A damaged or truncated stream raises CorruptMediaError."""
        import av

        info, limits = self.info, self.limits
        small = analysis_size(info.width, info.height, limits.temporal_side)
        large = analysis_size(info.width, info.height, limits.analysis_side)
        try:
            for index, frame in enumerate(self._container.decode(video=0)):
                if index >= limits.max_video_frames:
                    self.outcome.stopped = (f"measured the first {limits.max_video_frames} "
                                            "frames only")
                    return
                gray = frame.reformat(width=small[0], height=small[1], format="gray",
                                      interpolation="AREA").to_ndarray()
                rgb = None
                if index in sample:
                    rgb = frame.reformat(width=large[0], height=large[1], format="rgb24",
                                         interpolation="AREA").to_ndarray()
                self.outcome.decoded = index + 1
                yield DecodedFrame(index, np.ascontiguousarray(gray), rgb)
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            if self.outcome.decoded == 0:
                raise CorruptMediaError(self.path,
                                        f"no frame could be decoded ({_why(exc)})") from None
            raise CorruptMediaError(self.path, f"decoding failed after frame "
                                    f"{self.outcome.decoded} ({_why(exc)})") from None
        declared, decoded = info.declared_frames, self.outcome.decoded
        # One frame of slack: some muxers count a trailing empty sample.
        if declared and decoded < declared - 1:
            raise CorruptMediaError(self.path, f"the video is truncated: only {decoded} of its "
                                    f"{declared} frames could be decoded")


def _why(exc: BaseException) -> str:
    """FFmpeg's own words ("Invalid data found when processing input"), without errno noise."""
    return (getattr(exc, "strerror", None) or str(exc)).strip() or type(exc).__name__
