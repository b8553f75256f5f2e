"""Frame-to-frame metrics on small luma frames: flicker, SSIM, optical flow, frozen frames.

`TemporalTracker` sees one frame at a time and keeps only the previous frame and a few
numbers per pair, so memory stays bounded whatever the clip's length.
"""

from __future__ import annotations

import functools
import math
import statistics
from dataclasses import dataclass, field

import cv2
import numpy as np

# A pair whose mean absolute luma difference is below this (of 255) is a repeated frame:
# encoder noise on a true duplicate stays well under it, the smallest real motion above it.
FROZEN_DIFFERENCE = 0.5
# SSIM constants of Wang et al. (2004) for 8-bit data, Gaussian window sigma 1.5 (11x11).
_C1 = (0.01 * 255) ** 2
_C2 = (0.03 * 255) ** 2
_WINDOW = (11, 11)
_SIGMA = 1.5
_CROP = 5  # half the window: border pixels are left out, as scikit-image does


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean structural similarity of two uint8 luma frames of one size (1 = identical).

    Wang et al. (2004) with a Gaussian window; the same figure as scikit-image's
    `structural_similarity(a, b, gaussian_weights=True, sigma=1.5,
    use_sample_covariance=False, data_range=255)` (the tests check it).
    """
    x = a.astype(np.float32)
    y = b.astype(np.float32)
    mx = cv2.GaussianBlur(x, _WINDOW, _SIGMA)
    my = cv2.GaussianBlur(y, _WINDOW, _SIGMA)
    vx = cv2.GaussianBlur(x * x, _WINDOW, _SIGMA) - mx * mx
    vy = cv2.GaussianBlur(y * y, _WINDOW, _SIGMA) - my * my
    cov = cv2.GaussianBlur(x * y, _WINDOW, _SIGMA) - mx * my
    num = (2 * mx * my + _C1) * (2 * cov + _C2)
    den = (mx * mx + my * my + _C1) * (vx + vy + _C2)
    index = num / den
    if min(index.shape) > 2 * _CROP:
        index = index[_CROP:-_CROP, _CROP:-_CROP]
    return float(index.mean(dtype=np.float64))


def optical_flow(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Dense Farneback flow (H x W x 2, pixels): source(p) ~ target(p + flow(p)), uint8 luma."""
    return cv2.calcOpticalFlowFarneback(source, target, None, pyr_scale=0.5, levels=3,
                                        winsize=15, iterations=3, poly_n=5,
                                        poly_sigma=1.2, flags=0)


def warp(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """`image` sampled at p + flow(p): with the flow of the next frame back to `image`, this
    predicts the next frame from motion alone."""
    grid_x, grid_y = _grid(image.shape)
    return cv2.remap(image, grid_x + flow[..., 0], grid_y + flow[..., 1], cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE)


@functools.lru_cache(maxsize=4)
def _grid(shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    h, w = shape[:2]
    return np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))


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
        self._lumas.append(float(cv2.mean(gray)[0]))
        prev, self._prev = self._prev, gray
        if prev is None or prev.shape != gray.shape:
            return
        difference = float(cv2.mean(cv2.absdiff(prev, gray))[0])
        frozen = difference < FROZEN_DIFFERENCE
        self._frozen.append(frozen)
        self._ssim.append(ssim(prev, gray))
        if frozen:  # nothing moved: flow is zero and the warped frame is the frame itself
            self._motion.append(0.0)
            self._warped_ssim.append(1.0)
            return
        flow = optical_flow(gray, prev)  # backward, so warping prev predicts this frame
        magnitude = cv2.magnitude(flow[..., 0], flow[..., 1])
        diagonal = math.hypot(*gray.shape)
        self._motion.append(100.0 * float(cv2.mean(magnitude)[0]) / diagonal)
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
