"""`measure(path)`: every raw metric of an image or video and its `quality_score`."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from studio.core.metrics.errors import CorruptMediaError, MediaNotFoundError, NotMediaError
from studio.core.metrics.expected import Expected, mismatches
from studio.core.metrics.image_metrics import image_metrics
from studio.core.metrics.image_reader import read_image
from studio.core.metrics.limits import Limits
from studio.core.metrics.score import (
    METRICS_VERSION,
    image_parts,
    image_score,
    video_parts,
    video_score,
)
from studio.core.metrics.temporal_metrics import TemporalTracker
from studio.core.metrics.video_reader import VideoReader

Kind = Literal["image", "video"]
# ISO base media brands that hold still images (AVIF, HEIF), not video.
_IMAGE_BRANDS = (b"avif", b"avis", b"heic", b"heix", b"mif1", b"msf1")
# A clip counts as frozen when half its pairs repeat or one freeze lasts this long.
FROZEN_SECONDS = 1.0


@dataclass(frozen=True)
class Measurement:
    path: Path
    kind: Kind
    quality_score: float
    metrics: dict[str, Any]
    metrics_version: str = METRICS_VERSION

    def as_json(self) -> dict[str, Any]:
        """The shape `studio-cli metrics --json` prints per input."""
        return {"path": str(self.path), "kind": self.kind, "quality_score": self.quality_score,
                "metrics": self.metrics, "metrics_version": self.metrics_version}


def measure(path: Path | str, *, expected: Expected | None = None,
            limits: Limits | None = None) -> Measurement:
    """Measure one file. Blocking and CPU-bound: call it from a worker, never the GUI thread.

    Raises a `MetricsError` subclass, with a message for the user, for anything that is not
    a readable image or video within `limits`.
    """
    path = Path(path)
    limits = limits or Limits()
    kind = _sniff_kind(path)
    if kind == "image":
        return _measure_image(path, expected, limits, sniffed=True)
    if kind == "video":
        return _measure_video(path, expected, limits, sniffed=True)
    try:  # unknown signature: Pillow knows more still formats, FFmpeg more containers
        return _measure_image(path, expected, limits, sniffed=False)
    except NotMediaError:
        return _measure_video(path, expected, limits, sniffed=False)


def _sniff_kind(path: Path) -> Kind | None:
    from studio.core.downloads import sniff_media_type

    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except FileNotFoundError:
        raise MediaNotFoundError(path, "no such file") from None
    except IsADirectoryError:
        raise MediaNotFoundError(path, "this is a folder, not a file") from None
    except OSError as exc:
        raise MediaNotFoundError(path, f"the file cannot be read ({exc.strerror})") from None
    if not head:
        raise CorruptMediaError(path, "the file is empty (0 bytes)")
    if head[4:8] == b"ftyp" and head[8:12] in _IMAGE_BRANDS:
        return "image"
    media_type = sniff_media_type(head)
    if media_type is None:
        return None
    return "image" if media_type.startswith("image/") else "video"


def _measure_image(path: Path, expected: Expected | None, limits: Limits, *,
                   sniffed: bool) -> Measurement:
    decoded = read_image(path, limits, sniffed=sniffed)
    raw = image_metrics(decoded.rgb)
    parts = image_parts(raw)
    metrics: dict[str, Any] = {
        "width": decoded.width,
        "height": decoded.height,
        "format": decoded.format,
        "analysis_width": int(decoded.rgb.shape[1]),
        "analysis_height": int(decoded.rgb.shape[0]),
        **raw,
        "score_parts": parts,
    }
    _add_expected(metrics, expected, decoded.width, decoded.height, is_video=False)
    return Measurement(path, "image", image_score(parts), _json_safe(metrics))


def _measure_video(path: Path, expected: Expected | None, limits: Limits, *,
                   sniffed: bool) -> Measurement:
    with VideoReader(path, limits, sniffed=sniffed) as video:
        info = video.info
        sample = _sample_indices(video.estimated_frames(), info.fps, limits)
        tracker = TemporalTracker(info.fps or 0.0)
        frames: list[dict[str, float]] = []
        for frame in video.frames(sample):
            tracker.add(frame.gray)
            if frame.rgb is not None:
                frames.append(image_metrics(frame.rgb))
        outcome = video.outcome
    if not frames:  # frame 0 is always sampled: no metrics means no frame at all
        raise CorruptMediaError(path, "the video has no frames")
    frame_scores = [image_score(image_parts(m)) for m in frames]
    temporal = tracker.summary()
    frame_median = statistics.median(frame_scores)
    parts = video_parts(frame_median, temporal)
    frozen_fraction = temporal["frozen_fraction"]
    longest = temporal["longest_frozen_seconds"]
    metrics: dict[str, Any] = {
        "width": info.width,
        "height": info.height,
        "fps": info.fps,
        "duration_seconds": info.duration_seconds,
        "declared_frames": info.declared_frames,
        "decoded_frames": outcome.decoded,
        "complete": outcome.stopped is None,
        "note": outcome.stopped,
        "sampled_frames": len(frames),
        # Image metrics: the median over the sampled frames.
        **{key: statistics.median(m[key] for m in frames) for key in frames[0]},
        "frame_score_median": frame_median,
        "frame_score_min": min(frame_scores),
        **temporal,
        "frozen": _is_frozen(frozen_fraction, longest),
        "score_parts": parts,
    }
    _add_expected(metrics, expected, info.width, info.height, info.fps, info.duration_seconds,
                  is_video=True)
    return Measurement(path, "video", video_score(parts), _json_safe(metrics))


def _is_frozen(fraction: float | None, longest: float | None) -> bool:
    if fraction is None:  # a single frame: a still, not a moving picture
        return True
    return fraction >= 0.5 or (longest is not None and longest >= FROZEN_SECONDS)


def _sample_indices(estimated: int, fps: float | None, limits: Limits) -> set[int]:
    """Frames that get the full image metrics: evenly spread over the (measured) clip."""
    count = min(estimated, limits.max_video_frames)
    if count > 0:
        picks = np.linspace(0, count - 1, num=min(limits.sampled_frames, count))
        return {round(float(i)) for i in picks}
    step = max(1, round(fps or 24))  # length unknown: one frame a second
    return {i * step for i in range(limits.sampled_frames)}


def _add_expected(metrics: dict[str, Any], expected: Expected | None, width: int, height: int,
                  fps: float | None = None, duration: float | None = None, *,
                  is_video: bool) -> None:
    if expected is None:
        metrics.update(expected=None, matches_expected=None, mismatches=[])
        return
    found = mismatches(expected, width, height, fps, duration, is_video=is_video)
    metrics.update(expected=expected.as_json(), matches_expected=not found, mismatches=found)


def _json_safe(value: Any) -> Any:
    """Plain JSON types only: numpy scalars become Python ones, NaN and infinity None."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return round(number, 6) if math.isfinite(number) else None
    return value
