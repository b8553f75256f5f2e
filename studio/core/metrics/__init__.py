"""Quality metrics of images and videos, local and instant (no network, no model weights).

    from studio.core.metrics import measure, Expected
    m = measure(path, expected=Expected(width=1280, height=720, fps=24, duration_seconds=5))
    m.quality_score, m.metrics, m.as_json()

`measure` is blocking and CPU-bound (numpy, Pillow and FFmpeg do the work and release the
GIL): run it in a worker thread. docs/metrics.md documents every metric and the score.
"""

from studio.core.metrics.errors import (
    CorruptMediaError,
    MediaNotFoundError,
    MediaTooLargeError,
    MetricsError,
    NotMediaError,
)
from studio.core.metrics.expected import Expected
from studio.core.metrics.limits import Limits
from studio.core.metrics.measurement import Measurement, measure
from studio.core.metrics.score import METRICS_VERSION

__all__ = [
    "METRICS_VERSION",
    "CorruptMediaError",
    "Expected",
    "Limits",
    "Measurement",
    "MediaNotFoundError",
    "MediaTooLargeError",
    "MetricsError",
    "NotMediaError",
    "measure",
]
