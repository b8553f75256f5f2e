"""Frame-to-frame metrics on small luma frames: flicker, SSIM, optical flow, frozen frames.

`TemporalTracker` sees one frame at a time and keeps only the previous frame and a few
numbers per pair, so memory stays bounded whatever the clip's length.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

import numpy as np

from studio.core.metrics.filters import diagonal, gaussian_blur, sample_bilinear
from studio.core.metrics.optical_flow import optical_flow

# A pair whose mean absolute luma difference is below this (of 255) is a repeated frame:
# H.264 re-encoding a repeated textured frame changes it by up to ~0.6; a 2 px pan over
# detail by ~10.
FROZEN_DIFFERENCE = 1.0
# SSIM constants of Wang et al. (2004) for 8-bit data, Gaussian window sigma 1.5 (11x11).
_C1 = (0.01 * 255) ** 2
_C2 = (0.03 * 255) ** 2
_SIGMA = 1.5
_RADIUS = 5  # scikit-image's: truncate 3.5 sigma
_CROP = 5  # border pixels are left out of the mean, as scikit-image does


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean structural similarity of two luma frames of one size (1 = identical).

    Wang et al. (2004) with a Gaussian window; the same figure as scikit-image's
    `structural_similarity(a, b, gaussian_weights=True, sigma=1.5,
    use_sample_covariance=False, data_range=255)` (the tests check it).
    """
    x = a.astype(np.float32)
    y = b.astype(np.float32)
    mx = gaussian_blur(x, _SIGMA, _RADIUS)
    my = gaussian_blur(y, _SIGMA, _RADIUS)
    vx = gaussian_blur(x * x, _SIGMA, _RADIUS) - mx * mx
    vy = gaussian_blur(y * y, _SIGMA, _RADIUS) - my * my
    cov = gaussian_blur(x * y, _SIGMA, _RADIUS) - mx * my
    num = (2 * mx * my + _C1) * (2 * cov + _C2)
    den = (mx * mx + my * my + _C1) * (vx + vy + _C2)
    index = num / den
    if min(index.shape) > 2 * _CROP:
        index = index[_CROP:-_CROP, _CROP:-_CROP]
    return float(index.mean(dtype=np.float64))


def warp(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """`image` sampled at p + flow(p): with the flow of the next frame back to `image`, this
    predicts the next frame from motion alone."""
    h, w = image.shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    return sample_bilinear(image.astype(np.float32), xs + flow[..., 0], ys + flow[..., 1])


@dataclass
class TemporalTracker:
    """Feed luma frames in order with `add`; read the clip's figures with `summary`."""

    fps: float
    _prev: np.ndarray | None = None
    _lumas: list[float] = field(default_factory=list)
    _ssim: list[float] = field(default_factory=list)
    _warped_ssim: list[float] = field(default_factory=list)
    _motion: list[float] = field(default_factory=list)
    _frozen: list[bool] = field(default_factory=list)

    def add(self, gray: np.ndarray) -> None:
        self._lumas.append(float(gray.mean(dtype=np.float64)))
        prev, self._prev = self._prev, gray
        if prev is None or prev.shape != gray.shape:
            return
        difference = float(np.abs(prev.astype(np.float32) - gray).mean(dtype=np.float64))
        frozen = difference < FROZEN_DIFFERENCE
        self._frozen.append(frozen)
        self._ssim.append(ssim(prev, gray))
        if frozen:  # nothing moved: flow is zero and the warped frame is the frame itself
            self._motion.append(0.0)
            self._warped_ssim.append(1.0)
            return
        flow = optical_flow(gray, prev)  # backward, so warping prev predicts this frame
        magnitude = np.hypot(flow[..., 0], flow[..., 1])
        self._motion.append(100.0 * float(magnitude.mean(dtype=np.float64)) / diagonal(gray.shape))
        self._warped_ssim.append(ssim(warp(prev, flow), gray))

    def summary(self) -> dict[str, float | int | bool | None]:
        pairs = len(self._frozen)
        if pairs == 0:
            return {"pairs": 0, "flicker": None, "flicker_max": None, "ssim_mean": None,
                    "ssim_min": None, "warped_ssim_mean": None, "motion_mean": None,
                    "motion_max": None, "frozen_pairs": 0, "frozen_fraction": None,
                    "longest_frozen_seconds": None}
        steps = np.abs(np.diff(np.asarray(self._lumas, dtype=np.float64)))
        moving = [s for s, f in zip(self._warped_ssim, self._frozen, strict=True) if not f]
        frozen_pairs = sum(self._frozen)
        return {
            "pairs": pairs,
            "flicker": float(steps.mean()),
            "flicker_max": float(steps.max()),
            "ssim_mean": statistics.fmean(self._ssim),
            "ssim_min": min(self._ssim),
            # Over moving pairs only: a frozen pair is trivially consistent.
            "warped_ssim_mean": statistics.fmean(moving) if moving else None,
            "motion_mean": statistics.fmean(self._motion),
            "motion_max": max(self._motion),
            "frozen_pairs": frozen_pairs,
            "frozen_fraction": frozen_pairs / pairs,
            "longest_frozen_seconds": _longest_run(self._frozen) / self.fps if self.fps else None,
        }


def _longest_run(flags: list[bool]) -> int:
    best = run = 0
    for flag in flags:
        run = run + 1 if flag else 0
        best = max(best, run)
    return best
