"""`quality_score` (0-100) from raw metrics. docs/metrics.md explains every number here;
change any of them and METRICS_VERSION must change too, so stored scores stay comparable.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

METRICS_VERSION = "1"

# Image part: weights of the 0..1 sub-scores (they sum to 1).
IMAGE_WEIGHTS = {"sharpness": 0.40, "exposure": 0.25, "noise": 0.20, "contrast": 0.15}
# Video part: weights of the frames' image score and the two motion sub-scores.
VIDEO_WEIGHTS = {"frames": 0.60, "consistency": 0.25, "motion": 0.15}

Number = float | int | bool | None


def clip01(value: float) -> float:
    if math.isnan(value):
        return 0.0
    return min(1.0, max(0.0, value))


def _ramp(value: float, low: float, high: float) -> float:
    """0 at or below `low`, 1 at or above `high`, linear between (reversed if low > high)."""
    return clip01((value - low) / (high - low))


def image_parts(m: Mapping[str, Number]) -> dict[str, float]:
    """The 0..1 sub-scores of one image (or one video frame)."""
    sharp = float(m["sharpness"] or 0.0)
    # Log scale: blur moves the Laplacian's variance by orders of magnitude.
    log_sharp = math.log10(sharp) if sharp > 0 else -math.inf
    clipped = float(m["clipped_highlights"] or 0.0) + float(m["clipped_shadows"] or 0.0)
    return {
        "sharpness": _ramp(log_sharp, math.log10(15), math.log10(500)) if sharp > 0 else 0.0,
        "exposure": _ramp(clipped, 0.40, 0.02),
        "noise": _ramp(float(m["noise_sigma"] or 0.0), 10.0, 2.0),
        "contrast": _ramp(float(m["contrast"] or 0.0), 0.0, 0.15),
    }


def image_score(parts: Mapping[str, float]) -> float:
    """0..100 from `image_parts`."""
    return _percent(sum(IMAGE_WEIGHTS[k] * parts[k] for k in IMAGE_WEIGHTS))


def video_parts(frames_score: float, t: Mapping[str, Number]) -> dict[str, float]:
    """Sub-scores of a clip: its frames (median image score / 100), motion consistency,
    amount of motion, and the two penalty factors (frozen frames, flicker)."""
    if not t.get("pairs"):  # one frame: a still, scored like a fully frozen clip
        return {"frames": frames_score / 100.0, "consistency": 0.0, "motion": 0.0,
                "freeze_factor": 0.1, "flicker_factor": 1.0}
    warped = t.get("warped_ssim_mean")
    return {
        "frames": frames_score / 100.0,
        "consistency": 0.0 if warped is None else _ramp(float(warped), 0.5, 0.9),
        "motion": _ramp(float(t["motion_mean"] or 0.0), 0.0, 0.1),
        "freeze_factor": 1.0 - 0.9 * clip01(float(t["frozen_fraction"] or 0.0)),
        "flicker_factor": 1.0 - 0.7 * _ramp(float(t["flicker"] or 0.0), 1.0, 8.0),
    }


def video_score(parts: Mapping[str, float]) -> float:
    """0..100 from `video_parts`: the weighted sum, scaled down by the penalty factors."""
    base = sum(VIDEO_WEIGHTS[k] * parts[k] for k in VIDEO_WEIGHTS)
    return _percent(base * parts["freeze_factor"] * parts["flicker_factor"])


def _percent(fraction: float) -> float:
    return round(100.0 * clip01(fraction), 2)
