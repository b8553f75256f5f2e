"""Dense optical flow by pyramidal Lucas-Kanade (Bouguet 2001), vectorised in numpy.

Each pixel's motion solves the 2x2 Lucas-Kanade system over a 9x9 window around it; a
3-level pyramid with three warped refinements per level follows motions up to ~15 px per
frame at the working size (256 px wide). Between refinements the flow is averaged over a
5x5 neighbourhood (as Horn and Schunck do), which keeps textured areas from drifting apart.
It feeds motion magnitude and motion-compensated SSIM, where a robust average matters more
than per-pixel precision (the tests check that known pans are recovered).
"""

from __future__ import annotations

import numpy as np

from studio.core.metrics.filters import box_sum, half_size, sample_bilinear

LEVELS = 3
ITERATIONS = 3
WINDOW_RADIUS = 4  # 9 x 9 windows
SMOOTH_RADIUS = 2  # 5 x 5 flow averaging between refinements
# Windows whose smaller structure-tensor eigenvalue (summed squared gradient, luma^2) is
# below this are too flat or one-directional to say how they moved: their flow comes from
# the neighbours and the coarser level (Shi and Tomasi's criterion).
MIN_EIGENVALUE = 20.0
# One Lucas-Kanade step is only valid for small moves; larger ones come from coarser levels.
MAX_STEP = 2.0


def optical_flow(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Flow (H x W x 2, pixels) with source(p) ~ target(p + flow(p)); float or uint8 luma."""
    # Global brightness changes (flicker, fades) are not motion: compare mean-free frames.
    s0 = source.astype(np.float32)
    t0 = target.astype(np.float32)
    pyramid = [(s0 - s0.mean(dtype=np.float64), t0 - t0.mean(dtype=np.float64))]
    for _ in range(LEVELS - 1):
        s, t = pyramid[-1]
        if min(s.shape) < 16:
            break
        pyramid.append((half_size(s), half_size(t)))
    u = np.zeros(pyramid[-1][0].shape, np.float32)
    v = np.zeros_like(u)
    for level, (s, t) in enumerate(reversed(pyramid)):
        if level:
            u, v = _upsample(u, s.shape) * 2, _upsample(v, s.shape) * 2
        u, v = _refine(s, t, u, v)
    return np.dstack([u, v])


def _refine(source: np.ndarray, target: np.ndarray, u: np.ndarray,
            v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    h, w = source.shape
    gy, gx = np.gradient(source)
    sxx = box_sum(gx * gx, WINDOW_RADIUS)
    sxy = box_sum(gx * gy, WINDOW_RADIUS)
    syy = box_sum(gy * gy, WINDOW_RADIUS)
    det = sxx * syy - sxy * sxy
    half_trace = 0.5 * (sxx + syy)
    smaller = half_trace - np.sqrt(np.maximum(half_trace * half_trace - det, 0.0))
    solvable = smaller > MIN_EIGENVALUE
    inverse = np.where(solvable, 1.0 / np.where(solvable, det, 1.0), 0.0).astype(np.float32)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    area = float((2 * SMOOTH_RADIUS + 1) ** 2)
    for _ in range(ITERATIONS):
        u = box_sum(u, SMOOTH_RADIUS) / area
        v = box_sum(v, SMOOTH_RADIUS) / area
        difference = sample_bilinear(target, xs + u, ys + v) - source
        sxt = box_sum(gx * difference, WINDOW_RADIUS)
        syt = box_sum(gy * difference, WINDOW_RADIUS)
        u = u - np.clip((syy * sxt - sxy * syt) * inverse, -MAX_STEP, MAX_STEP)
        v = v - np.clip((sxx * syt - sxy * sxt) * inverse, -MAX_STEP, MAX_STEP)
    return u, v


def _upsample(field: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Nearest-neighbour 2x, padded by edge values to `shape` (odd sizes)."""
    big = np.repeat(np.repeat(field, 2, axis=0), 2, axis=1)
    pad = ((0, max(0, shape[0] - big.shape[0])), (0, max(0, shape[1] - big.shape[1])))
    return np.pad(big, pad, mode="edge")[: shape[0], : shape[1]]
