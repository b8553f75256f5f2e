"""Raw image metrics on an RGB uint8 array. Every step is a whole-array numpy operation
(numpy releases the GIL inside them), so a worker thread computing them leaves the GUI
thread free.

Definitions, ranges and sources are in docs/metrics.md.
"""

from __future__ import annotations

import math

import numpy as np

from studio.core.metrics.filters import (
    gaussian_blur,
    immerkaer,
    laplacian,
    luma,
    sobel_magnitude,
)

# Luma at or beyond these levels (of 255) counts as a clipped highlight / shadow.
HIGHLIGHT_LEVEL = 250
SHADOW_LEVEL = 5
# MSCN (BRISQUE's normalised luminance): a 7x7 Gaussian with sigma 7/6, as in Mittal 2012.
_MSCN_SIGMA = 7 / 6
# The generalised Gaussian's shape is found from rho(a) = G(2/a)^2 / (G(1/a) G(3/a)).
_SHAPES = np.arange(0.2, 10.0, 0.001)
_RHO = np.array([math.exp(2 * math.lgamma(2 / a) - math.lgamma(1 / a) - math.lgamma(3 / a))
                 for a in _SHAPES])


def sharpness(gray: np.ndarray) -> float:
    """Variance of the Laplacian (4-neighbour, luma 0..255). 0 when flat; grows with detail."""
    if min(gray.shape) < 3:
        return 0.0
    return float(laplacian(gray).var(dtype=np.float64))


def exposure(gray: np.ndarray) -> tuple[float, float, float]:
    """(clipped highlights, clipped shadows, mean luma): fractions of pixels, mean in 0..1."""
    levels = np.clip(np.rint(gray), 0, 255).astype(np.uint8)
    hist = np.bincount(levels.ravel(), minlength=256).astype(np.float64)
    total = float(hist.sum())
    highlights = float(hist[HIGHLIGHT_LEVEL:].sum()) / total
    shadows = float(hist[: SHADOW_LEVEL + 1].sum()) / total
    return highlights, shadows, float(gray.mean(dtype=np.float64)) / 255.0


def contrast(gray: np.ndarray) -> float:
    """RMS contrast: the standard deviation of luma scaled to 0..1 (so 0..0.5)."""
    return float(gray.std(dtype=np.float64)) / 255.0


def colourfulness(rgb: np.ndarray) -> float:
    """Hasler and Süsstrunk (2003) M: 0 for grey; ~15 dull, ~60 colourful, >100 extreme."""
    channels = rgb.astype(np.float32)
    r, g, b = channels[..., 0], channels[..., 1], channels[..., 2]
    rg = r - g
    yb = 0.5 * (r + g) - b
    spread = math.hypot(float(rg.std()), float(yb.std()))
    centre = math.hypot(float(rg.mean()), float(yb.mean()))
    return spread + 0.3 * centre


def noise_sigma(gray: np.ndarray) -> float:
    """Standard deviation of the noise in luma levels (0..255).

    Immerkær (1996) fast noise estimate, taken over the flatter half of the image (by Sobel
    gradient) so that edges and texture are not counted as noise (after Tai and Yang 2008).
    """
    if min(gray.shape) < 3:
        return 0.0
    response = immerkaer(gray)
    gradient = sobel_magnitude(gray)
    # The median of every third pixel in each direction is the same threshold, 9x cheaper.
    flat = gradient <= np.median(gradient[::3, ::3])
    return float(math.sqrt(math.pi / 2) * response[flat].mean(dtype=np.float64) / 6)


def mscn_shape(gray: np.ndarray) -> float:
    """Shape of a generalised Gaussian fitted to the MSCN coefficients (BRISQUE's first feature).

    About 2 for a Gaussian; natural photos measure 1.2 to 2.8, strong JPEG artefacts below 1,
    added white noise above 2.4. 0 for a flat image.
    """
    mu = gaussian_blur(gray, _MSCN_SIGMA, 3)
    var = gaussian_blur(gray * gray, _MSCN_SIGMA, 3) - mu * mu
    mscn = (gray - mu) / (np.sqrt(np.abs(var)) + 1.0)
    second = float(np.mean(mscn * mscn, dtype=np.float64))
    if second < 1e-12:
        return 0.0
    rho = float(np.mean(np.abs(mscn), dtype=np.float64)) ** 2 / second
    return float(np.interp(rho, _RHO, _SHAPES))


def image_metrics(rgb: np.ndarray) -> dict[str, float]:
    """Every raw image metric of an RGB uint8 array (H x W x 3)."""
    gray = luma(rgb)
    highlights, shadows, mean = exposure(gray)
    return {
        "sharpness": sharpness(gray),
        "clipped_highlights": highlights,
        "clipped_shadows": shadows,
        "mean_luma": mean,
        "contrast": contrast(gray),
        "colourfulness": colourfulness(rgb),
        "noise_sigma": noise_sigma(gray),
        "mscn_shape": mscn_shape(gray),
    }
