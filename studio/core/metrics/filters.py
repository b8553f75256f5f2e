"""The few image filters the metrics need, as whole-array numpy operations.

OpenCV would do these in one call each, but its wheel adds ~180 MB to the app bundle (over
the 400 MB budget) and SciPy ~150 MB; these are a few lines each, and each step is a numpy
ufunc over the whole frame (which releases the GIL), never a Python loop over pixels.
The tests check them against scikit-image / SciPy.
"""

from __future__ import annotations

import functools
import math

import numpy as np

# ITU-R BT.601 luma weights, as Pillow's convert("L") and most metrics papers use.
LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def luma(rgb: np.ndarray) -> np.ndarray:
    """BT.601 luma, float32 0..255, of an RGB uint8 image (H x W x 3)."""
    return rgb.astype(np.float32) @ LUMA_WEIGHTS


@functools.lru_cache(maxsize=8)
def gaussian_kernel(sigma: float, radius: int) -> np.ndarray:
    taps = np.arange(-radius, radius + 1, dtype=np.float64)
    kernel = np.exp(-(taps * taps) / (2 * sigma * sigma))
    return (kernel / kernel.sum()).astype(np.float32)


def gaussian_blur(image: np.ndarray, sigma: float, radius: int) -> np.ndarray:
    """Separable Gaussian (2 * radius + 1 taps), borders mirrored (SciPy's 'reflect')."""
    kernel = gaussian_kernel(sigma, radius)
    return _convolve(_convolve(image.astype(np.float32, copy=False), kernel, 0), kernel, 1)


def _convolve(image: np.ndarray, kernel: np.ndarray, axis: int) -> np.ndarray:
    """Convolve along `axis` with a symmetric kernel: mirrored taps share one multiply."""
    radius = len(kernel) // 2
    n = image.shape[axis]
    pad = [(0, 0), (0, 0)]
    pad[axis] = (radius, radius)
    padded = np.pad(image, pad, mode="symmetric")

    def band(start: int) -> np.ndarray:
        return padded[start: start + n] if axis == 0 else padded[:, start: start + n]

    out = band(radius) * kernel[radius]
    pair = np.empty_like(out)
    for offset in range(1, radius + 1):
        np.add(band(radius - offset), band(radius + offset), out=pair)
        pair *= kernel[radius + offset]
        out += pair
    return out


def box_sum(image: np.ndarray, radius: int) -> np.ndarray:
    """Sum over the (2 * radius + 1)^2 window around each pixel, borders mirrored."""
    padded = np.pad(image, radius, mode="symmetric").astype(np.float64)
    table = np.zeros((padded.shape[0] + 1, padded.shape[1] + 1), dtype=np.float64)
    np.cumsum(np.cumsum(padded, axis=0), axis=1, out=table[1:, 1:])
    size = 2 * radius + 1
    h, w = image.shape
    total = (table[size: size + h, size: size + w] - table[:h, size: size + w]
             - table[size: size + h, :w] + table[:h, :w])
    return total.astype(np.float32)


def laplacian(image: np.ndarray) -> np.ndarray:
    """4-neighbour Laplacian on the interior (H-2 x W-2): OpenCV's Laplacian, ksize=1."""
    centre = image[1:-1, 1:-1]
    return (image[:-2, 1:-1] + image[2:, 1:-1] + image[1:-1, :-2] + image[1:-1, 2:]
            - 4 * centre)


def sobel_magnitude(image: np.ndarray) -> np.ndarray:
    """|Sobel x| + |Sobel y| on the interior (H-2 x W-2)."""
    rows = image[:-2] + 2 * image[1:-1] + image[2:]  # vertical smoothing
    cols = image[:, :-2] + 2 * image[:, 1:-1] + image[:, 2:]  # horizontal smoothing
    gx = rows[:, 2:] - rows[:, :-2]
    gy = cols[2:] - cols[:-2]
    return np.abs(gx) + np.abs(gy)


def immerkaer(image: np.ndarray) -> np.ndarray:
    """|I * N| on the interior, N = [[1,-2,1],[-2,4,-2],[1,-2,1]] (Immerkær's noise mask):
    the difference of two Laplacians, zero on any locally linear patch."""
    rows = image[:-2] - 2 * image[1:-1] + image[2:]
    return np.abs(rows[:, :-2] - 2 * rows[:, 1:-1] + rows[:, 2:])


def half_size(image: np.ndarray) -> np.ndarray:
    """Mean of each 2x2 block (odd last row / column dropped): one pyramid level down."""
    h, w = image.shape[0] // 2 * 2, image.shape[1] // 2 * 2
    block = image[:h, :w]
    return 0.25 * (block[0::2, 0::2] + block[1::2, 0::2] + block[0::2, 1::2]
                   + block[1::2, 1::2])


def sample_bilinear(image: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """`image` at real coordinates (x, y), clamped to the border."""
    h, w = image.shape
    x = np.clip(x, 0, w - 1)
    y = np.clip(y, 0, h - 1)
    x0 = np.minimum(x.astype(np.int32), w - 2) if w > 1 else np.zeros(x.shape, np.int32)
    y0 = np.minimum(y.astype(np.int32), h - 2) if h > 1 else np.zeros(y.shape, np.int32)
    fx = x - x0
    fy = y - y0
    flat = image.ravel()
    base = y0 * w + x0
    dx = 1 if w > 1 else 0
    dy = w if h > 1 else 0
    top = flat[base] * (1 - fx) + flat[base + dx] * fx
    bottom = flat[base + dy] * (1 - fx) + flat[base + dy + dx] * fx
    return top * (1 - fy) + bottom * fy


def diagonal(shape: tuple[int, ...]) -> float:
    return math.hypot(shape[0], shape[1])
