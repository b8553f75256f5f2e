"""The score's properties (always 0-100, never NaN) and our SSIM against scikit-image's."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from skimage.metrics import structural_similarity

from studio.core.metrics.image_metrics import image_metrics
from studio.core.metrics.score import image_parts, image_score, video_parts, video_score
from studio.core.metrics.temporal_metrics import TemporalTracker, ssim
from tests.core.metrics_media import blurred, grey, panning, scene

# Any number a metric could hold, the pathological ones included.
anything = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True),
                     st.integers(-10**9, 10**9))
rgb_images = st.tuples(st.integers(1, 48), st.integers(1, 48)).flatmap(
    lambda hw: arrays(np.uint8, (*hw, 3), elements=st.integers(0, 255)))


@given(rgb_images)
@settings(max_examples=60, deadline=None)
def test_any_image_gets_finite_metrics_and_a_score_in_range(rgb):
    metrics = image_metrics(rgb)
    assert all(math.isfinite(v) for v in metrics.values())
    assert 0 <= metrics["clipped_highlights"] <= 1 and 0 <= metrics["clipped_shadows"] <= 1
    score = image_score(image_parts(metrics))
    assert 0 <= score <= 100


@given(st.fixed_dictionaries({k: anything for k in (
    "sharpness", "clipped_highlights", "clipped_shadows", "noise_sigma", "contrast")}))
def test_the_image_score_survives_any_metric_values(metrics):
    parts = image_parts(metrics)
    assert all(0 <= v <= 1 for v in parts.values())
    assert 0 <= image_score(parts) <= 100


@given(st.floats(0, 100), st.fixed_dictionaries({k: anything for k in (
    "pairs", "warped_ssim_mean", "motion_mean", "frozen_fraction", "flicker")}))
def test_the_video_score_survives_any_metric_values(frames_score, temporal):
    parts = video_parts(frames_score, temporal)
    assert all(0 <= v <= 1 for v in parts.values())
    score = video_score(parts)
    assert 0 <= score <= 100 and not math.isnan(score)


@given(st.lists(arrays(np.uint8, (12, 16), elements=st.integers(0, 255)), min_size=1,
                max_size=5), st.sampled_from([0.0, 12.0, 30.0]))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_tracker_summarises_any_frames(frames, fps):
    tracker = TemporalTracker(fps)
    for frame in frames:
        tracker.add(frame)
    summary = tracker.summary()
    assert summary["pairs"] == len(frames) - 1
    for value in summary.values():
        assert value is None or isinstance(value, bool | int) or math.isfinite(value)


def test_our_ssim_is_scikit_images_gaussian_ssim():
    rng = np.random.default_rng(5)
    a = grey(scene(160, 120))
    pairs = [(a, a), (a, blurred(a, 1.5)),
             (a, np.clip(a + rng.normal(0, 20, a.shape), 0, 255).astype(np.uint8)),
             (a, np.roll(a, 3, axis=1)), (a, 255 - a)]
    for x, y in pairs:
        reference = structural_similarity(x, y, gaussian_weights=True, sigma=1.5,
                                          use_sample_covariance=False, data_range=255)
        assert ssim(x, y) == pytest.approx(reference, abs=1e-4)


def test_motion_compensation_explains_a_pan():
    frames = [grey(f) for f in panning(6, step=3)]
    tracker = TemporalTracker(24.0)
    for frame in frames:
        tracker.add(frame)
    summary = tracker.summary()
    # 3 px right and down per frame on a 192x128 frame: 100 * sqrt(18) / 230.8 = 1.84 %.
    assert summary["motion_mean"] == pytest.approx(1.84, rel=0.25)
    assert summary["warped_ssim_mean"] > 0.9 > summary["ssim_mean"]
