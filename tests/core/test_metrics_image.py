"""Image metrics on files the tests make: each metric moves the way a viewer would expect."""

from __future__ import annotations

import json

import numpy as np
import pytest

from studio.core.metrics import METRICS_VERSION, Expected, measure
from tests.core.metrics_media import blurred, grey, resized, save_png, scene


@pytest.fixture
def sharp_and_blurred(tmp_path):
    rgb = scene()
    return (save_png(tmp_path / "sharp.png", rgb),
            save_png(tmp_path / "blurred.png", blurred(rgb, 2.5)))


def test_a_sharp_image_scores_higher_than_its_blurred_copy(sharp_and_blurred):
    sharp, blurred = (measure(p) for p in sharp_and_blurred)
    assert sharp.kind == blurred.kind == "image"
    assert sharp.metrics["sharpness"] > 10 * blurred.metrics["sharpness"]
    assert sharp.metrics["score_parts"]["sharpness"] > blurred.metrics["score_parts"]["sharpness"]
    assert sharp.quality_score > blurred.quality_score + 15


def test_an_over_exposed_image_shows_clipped_highlights(tmp_path):
    rgb = scene()
    bright = np.clip(rgb.astype(np.float32) * 2.2, 0, 255).astype(np.uint8)
    dark = (rgb.astype(np.float32) * 0.05).astype(np.uint8)
    normal, over, under = (measure(save_png(tmp_path / f"{n}.png", a))
                           for n, a in (("n", rgb), ("o", bright), ("u", dark)))
    assert normal.metrics["clipped_highlights"] < 0.02
    assert over.metrics["clipped_highlights"] > 0.15
    assert under.metrics["clipped_shadows"] > 0.5
    assert over.metrics["mean_luma"] > normal.metrics["mean_luma"] > under.metrics["mean_luma"]
    assert over.metrics["score_parts"]["exposure"] < normal.metrics["score_parts"]["exposure"]
    assert over.quality_score < normal.quality_score
    assert under.quality_score < normal.quality_score


def test_noise_contrast_and_colour_are_measured(tmp_path):
    rgb = scene()
    rng = np.random.default_rng(3)
    noisy = np.clip(rgb + rng.normal(0, 12, rgb.shape), 0, 255).astype(np.uint8)
    flat = (rgb.astype(np.float32) * 0.25 + 96).astype(np.uint8)
    mono_rgb = np.repeat(grey(rgb)[..., None], 3, axis=2)
    clean, loud, low, mono = (measure(save_png(tmp_path / f"{n}.png", a)) for n, a in
                              (("c", rgb), ("n", noisy), ("f", flat), ("g", mono_rgb)))
    # 12 levels of RGB noise is about 8 levels in luma; the clean scene has ~2.
    assert loud.metrics["noise_sigma"] > clean.metrics["noise_sigma"] + 4
    assert loud.metrics["score_parts"]["noise"] < clean.metrics["score_parts"]["noise"]
    assert low.metrics["contrast"] < clean.metrics["contrast"] / 3
    assert mono.metrics["colourfulness"] < 1 < 20 < clean.metrics["colourfulness"]


def test_large_images_are_measured_at_the_analysis_size(tmp_path):
    big = resized(scene(), 2048, 1536)
    m = measure(save_png(tmp_path / "big.png", big))
    assert (m.metrics["width"], m.metrics["height"]) == (2048, 1536)
    assert (m.metrics["analysis_width"], m.metrics["analysis_height"]) == (1024, 768)


def test_transparent_and_tiny_images_are_measured(tmp_path):
    from PIL import Image

    rgba = np.dstack([scene(64, 48), np.full((48, 64), 128, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(tmp_path / "alpha.png")
    Image.new("L", (1, 1), 7).save(tmp_path / "dot.png")
    assert 0 <= measure(tmp_path / "alpha.png").quality_score <= 100
    dot = measure(tmp_path / "dot.png")
    assert dot.metrics["sharpness"] == 0 and dot.quality_score <= 50


def test_the_json_has_the_cli_shape(sharp_and_blurred):
    data = measure(sharp_and_blurred[0]).as_json()
    assert set(data) == {"path", "kind", "quality_score", "metrics", "metrics_version"}
    assert data["path"] == str(sharp_and_blurred[0])
    assert data["metrics_version"] == METRICS_VERSION
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    for key in ("sharpness", "clipped_highlights", "clipped_shadows", "contrast",
                "colourfulness", "noise_sigma", "mscn_shape"):
        assert isinstance(data["metrics"][key], float)


def test_an_image_of_the_wrong_size_is_flagged(sharp_and_blurred):
    asked = measure(sharp_and_blurred[0], expected=Expected(width=512, height=384))
    assert asked.metrics["matches_expected"] is True and asked.metrics["mismatches"] == []
    wrong = measure(sharp_and_blurred[0], expected=Expected(width=1024, height=1024))
    assert wrong.metrics["matches_expected"] is False
    assert wrong.metrics["mismatches"] == ["width is 512 px, asked 1024 px",
                                           "height is 384 px, asked 1024 px"]
    assert wrong.quality_score == asked.quality_score  # the check is reported, not scored
