"""Raw image metrics on an RGB uint8 array. Every step is one OpenCV or numpy call (they
release the GIL), so a worker thread computing them leaves the GUI thread free.

Definitions, ranges and sources are in docs/metrics.md.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

# Luma at or beyond these levels (of 255) counts as a clipped highlight / shadow.
HIGHLIGHT_LEVEL = 250
SHADOW_LEVEL = 5
# Immerkær's noise mask: it cancels a locally linear image, so what remains is noise.
_NOISE_MASK = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)
# MSCN (BRISQUE's normalised luminance): a 7x7 Gaussian with sigma 7/6, as in Mittal 2012.
_MSCN_SIGMA = 7 / 6
# The generalised Gaussian's shape is found from rho(a) = G(2/a)^2 / (G(1/a) G(3/a)).
_SHAPES = np.arange(0.2, 10.0, 0.001)
_RHO = np.array([math.exp(2 * math.lgamma(2 / a) - math.lgamma(1 / a) - math.lgamma(3 / a))
                 for a in _SHAPES])


def luma(rgb: np.ndarray) -> np.ndarray:
    """BT.601 luma (uint8, H x W) of an RGB uint8 image."""
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def sharpness(gray: np.ndarray) -> float:
    """Variance of the Laplacian (3x3, luma 0..255). 0 for a flat image; grows with fine detail."""
    return float(cv2.Laplacian(gray, cv2.CV_32F, ksize=1).var())


def exposure(gray: np.ndarray) -> tuple[float, float, float]:
    """(clipped highlights, clipped shadows, mean luma): fractions of pixels, mean in 0..1."""
    hist = cv2.calcHist([gray], [0], None, [256], [0, 256]).ravel()
    total = float(hist.sum())
    highlights = float(hist[HIGHLIGHT_LEVEL:].sum()) / total
    shadows = float(hist[: SHADOW_LEVEL + 1].sum()) / total
    mean = float(np.dot(hist, np.arange(256))) / total / 255.0
    return highlights, shadows, mean


def contrast(gray: np.ndarray) -> float:
    """RMS contrast: the standard deviation of luma scaled to 0..1 (so 0..0.5)."""
    _, std = cv2.meanStdDev(gray)
    return float(std[0, 0]) / 255.0


def colourfulness(rgb: np.ndarray) -> float:
    """Hasler and Süsstrunk (2003) M: 0 for grey; ~15 dull, ~60 colourful, >100 extreme."""
    r, g, b = (rgb[..., i].astype(np.float32) for i in range(3))
    rg = r - g
    yb = 0.5 * (r + g) - b
    rg_mean, rg_std = cv2.meanStdDev(rg)
    yb_mean, yb_std = cv2.meanStdDev(yb)
    spread = math.hypot(float(rg_std[0, 0]), float(yb_std[0, 0]))
    centre = math.hypot(float(rg_mean[0, 0]), float(yb_mean[0, 0]))
    return spread + 0.3 * centre


def noise_sigma(gray: np.ndarray) -> float:
    """Standard deviation of the noise in luma levels (0..255).

    Immerkær (1996) fast noise estimate, taken over the flatter half of the image (by Sobel
    gradient) so that edges and texture are not counted as noise (after Tai and Yang 2008).
    """
    if min(gray.shape) < 3:
        return 0.0
    image = gray.astype(np.float32)
    response = np.abs(cv2.filter2D(image, cv2.CV_32F, _NOISE_MASK))[1:-1, 1:-1]
    gradient = (np.abs(cv2.Sobel(image, cv2.CV_32F, 1, 0))
                + np.abs(cv2.Sobel(image, cv2.CV_32F, 0, 1)))[1:-1, 1:-1]
    flat = gradient <= np.median(gradient)
    return float(math.sqrt(math.pi / 2) * response[flat].mean() / 6)


def mscn_shape(gray: np.ndarray) -> float:
    """Shape of a generalised Gaussian fitted to the MSCN coefficients (BRISQUE's first feature).

    About 2 for a Gaussian; natural photos measure 1.2 to 2.8, strong JPEG artefacts below 1,
    added white noise above 2.4. 0 for a flat image.
    """
    image = gray.astype(np.float32)
    mu = cv2.GaussianBlur(image, (7, 7), _MSCN_SIGMA)
    var = cv2.GaussianBlur(image * image, (7, 7), _MSCN_SIGMA) - mu * mu
    mscn = (image - mu) / (np.sqrt(np.abs(var)) + 1.0)
    second = float(np.mean(mscn * mscn))
    if second < 1e-12:
        return 0.0
    rho = float(np.mean(np.abs(mscn))) ** 2 / second
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
