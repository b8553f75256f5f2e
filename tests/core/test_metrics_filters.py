"""Our numpy filters and flow against SciPy / scikit-image (test-only dependencies)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import ndimage

from studio.core.metrics.filters import (
    box_sum,
    gaussian_blur,
    half_size,
    immerkaer,
    laplacian,
    luma,
    sample_bilinear,
    sobel_magnitude,
)
from studio.core.metrics.optical_flow import optical_flow
from tests.core.metrics_media import grey, scene

images = st.tuples(st.integers(3, 40), st.integers(3, 40)).flatmap(
    lambda hw: arrays(np.float32, hw, elements=st.floats(0, 255, width=32)))


@given(images, st.sampled_from([(7 / 6, 3), (1.5, 5)]))
@settings(max_examples=40, deadline=None)
def test_gaussian_blur_is_scipys(image, sigma_radius):
    sigma, radius = sigma_radius
    ours = gaussian_blur(image, sigma, radius)
    theirs = ndimage.gaussian_filter(image.astype(np.float64), sigma, mode="reflect",
                                     truncate=radius / sigma)
    np.testing.assert_allclose(ours, theirs, atol=2e-3)


@given(images, st.integers(0, 4))
@settings(max_examples=40, deadline=None)
def test_box_sum_is_scipys_uniform_filter(image, radius):
    size = 2 * radius + 1
    theirs = ndimage.uniform_filter(image.astype(np.float64), size, mode="reflect") * size ** 2
    np.testing.assert_allclose(box_sum(image, radius), theirs, atol=0.05)


def test_derivative_filters_are_scipys_on_the_interior():
    image = grey(scene(96, 64)).astype(np.float64)
    inner = (slice(1, -1), slice(1, -1))
    np.testing.assert_allclose(laplacian(image), ndimage.laplace(image)[inner], atol=1e-6)
    sobel = np.abs(ndimage.sobel(image, axis=1)) + np.abs(ndimage.sobel(image, axis=0))
    np.testing.assert_allclose(sobel_magnitude(image), sobel[inner], atol=1e-6)
    mask = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float64)
    np.testing.assert_allclose(immerkaer(image), np.abs(ndimage.convolve(image, mask))[inner],
                               atol=1e-6)
    np.testing.assert_allclose(half_size(image)[3, 5], image[6:8, 10:12].mean())


def test_luma_is_pillows_bt601():
    rgb = scene(64, 48)
    assert np.abs(luma(rgb) - grey(rgb)).max() <= 1.0


@given(st.floats(0, 95), st.floats(0, 63))
def test_bilinear_sampling_is_scipys_map_coordinates(x, y):
    image = grey(scene(96, 64)).astype(np.float32)
    xs, ys = np.array([x], np.float32), np.array([y], np.float32)
    theirs = ndimage.map_coordinates(image, [ys, xs], order=1, mode="nearest")
    assert sample_bilinear(image, xs, ys)[0] == pytest.approx(theirs[0], abs=1e-2)


@pytest.mark.parametrize(("dx", "dy"), [(0, 0), (1, 0), (0, -2), (3, 2), (-5, 4), (9, -6)])
def test_flow_recovers_a_known_shift(dx, dy):
    canvas = grey(scene(400, 300)).astype(np.float32)
    canvas = ndimage.gaussian_filter(canvas, 1.0)  # camera-like: no single-pixel texture
    source = canvas[60:204, 80:336]
    target = canvas[60 - dy:204 - dy, 80 - dx:336 - dx]  # source(p) = target(p + d)
    flow = optical_flow(source, target)
    inner = flow[16:-16, 16:-16]  # away from the borders where content enters and leaves
    assert np.median(inner[..., 0]) == pytest.approx(dx, abs=0.25)
    assert np.median(inner[..., 1]) == pytest.approx(dy, abs=0.25)
