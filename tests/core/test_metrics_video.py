"""Video metrics on clips the tests encode: flicker, frozen frames, motion, the asked-for check."""

from __future__ import annotations

import json

import numpy as np
import pytest

from studio.core.metrics import Expected, Limits, measure
from tests.core.metrics_media import flickering, panning, write_clip

FPS = 12


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clips")
    steady = panning(24)
    still = [steady[0]] * 24
    half = steady[:12] + [steady[12]] * 12
    return {
        "steady": write_clip(folder / "steady.mp4", steady, FPS),
        "flicker": write_clip(folder / "flicker.mp4", flickering(steady), FPS),
        "frozen": write_clip(folder / "frozen.mp4", still, FPS),
        "half_frozen": write_clip(folder / "half.mp4", half, FPS),
    }


def test_a_steady_clip_is_measured_on_its_frames_and_its_motion(clips):
    m = measure(clips["steady"])
    assert m.kind == "video"
    t = m.metrics
    assert (t["width"], t["height"], t["fps"], t["decoded_frames"]) == (192, 128, 12.0, 24)
    assert t["duration_seconds"] == pytest.approx(2.0, abs=0.1)
    assert t["complete"] is True and t["note"] is None
    assert t["sampled_frames"] == 8
    assert t["pairs"] == 23 and t["frozen_pairs"] == 0 and t["frozen"] is False
    assert t["motion_mean"] > 0.5  # 2 px right and down per frame on a 192 px frame
    assert t["warped_ssim_mean"] > t["ssim_mean"]  # the flow explains the change
    assert t["sharpness"] > 50 and t["noise_sigma"] < 5
    assert m.quality_score > 70
    json.dumps(m.as_json(), allow_nan=False)


def test_a_flickering_clip_shows_more_flicker_than_a_steady_one(clips):
    steady, flicker = measure(clips["steady"]), measure(clips["flicker"])
    assert steady.metrics["flicker"] < 1.0
    assert flicker.metrics["flicker"] > 20 * steady.metrics["flicker"]
    assert flicker.metrics["score_parts"]["flicker_factor"] < 0.5
    # A change of brightness is not motion: the flow sees the same pan in both.
    assert flicker.metrics["motion_mean"] == pytest.approx(steady.metrics["motion_mean"],
                                                           rel=0.15)
    assert flicker.quality_score < steady.quality_score - 30


def test_a_frozen_clip_is_caught(clips):
    frozen = measure(clips["frozen"])
    t = frozen.metrics
    assert t["frozen"] is True
    assert t["frozen_pairs"] == t["pairs"] == 23 and t["frozen_fraction"] == 1.0
    assert t["longest_frozen_seconds"] == pytest.approx(23 / FPS)
    assert t["motion_mean"] == 0.0
    assert frozen.quality_score < 20 < measure(clips["steady"]).quality_score


def test_a_freeze_in_the_middle_is_found_and_costs_score(clips):
    half = measure(clips["half_frozen"])
    assert half.metrics["frozen_pairs"] == 11
    assert half.metrics["longest_frozen_seconds"] == pytest.approx(11 / FPS)
    assert half.metrics["frozen"] is False  # under half the pairs, under a second
    assert measure(clips["frozen"]).quality_score < half.quality_score
    assert half.quality_score < measure(clips["steady"]).quality_score


def test_a_clip_that_differs_from_what_was_asked_is_flagged(clips):
    asked = Expected(width=1280, height=720, fps=24, duration_seconds=5)
    wrong = measure(clips["steady"], expected=asked)
    assert wrong.metrics["matches_expected"] is False
    assert wrong.metrics["expected"] == {"width": 1280, "height": 720, "fps": 24,
                                         "duration_seconds": 5}
    assert wrong.metrics["mismatches"] == [
        "width is 192 px, asked 1280 px", "height is 128 px, asked 720 px",
        "frame rate is 12 fps, asked 24 fps", "duration is 2.00 s, asked 5 s"]
    close = measure(clips["steady"], expected=Expected(192, 128, 12, 2.1))
    assert close.metrics["matches_expected"] is True and close.metrics["mismatches"] == []
    unchecked = measure(clips["steady"])
    assert unchecked.metrics["matches_expected"] is None
    assert unchecked.quality_score == wrong.quality_score == close.quality_score


def test_decoding_stops_at_the_frame_limit_and_says_so(clips):
    m = measure(clips["steady"], limits=Limits(max_video_frames=10, sampled_frames=4))
    assert m.metrics["decoded_frames"] == 10 and m.metrics["pairs"] == 9
    assert m.metrics["complete"] is False
    assert m.metrics["note"] == "measured the first 10 frames only"
    assert m.metrics["sampled_frames"] == 4


def test_a_single_frame_clip_scores_like_a_still(tmp_path, clips):
    one = measure(write_clip(tmp_path / "one.mp4", panning(1), FPS))
    assert one.metrics["pairs"] == 0 and one.metrics["flicker"] is None
    assert one.metrics["frozen"] is True
    assert one.metrics["sampled_frames"] == 1
    assert one.quality_score < measure(clips["steady"]).quality_score / 2


def test_a_video_named_like_an_image_is_still_measured_as_video(tmp_path, clips):
    disguised = tmp_path / "clip.png"
    disguised.write_bytes(clips["steady"].read_bytes())
    assert measure(disguised).kind == "video"


def test_odd_sizes_and_other_containers_are_read(tmp_path):
    import av

    path = tmp_path / "clip.mkv"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 98, 66, "yuv420p"
        for frame in panning(6, 98, 66):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        container.mux(stream.encode(None))
    m = measure(path)
    assert m.kind == "video" and (m.metrics["width"], m.metrics["height"]) == (98, 66)
    assert m.metrics["decoded_frames"] == 6 and np.isfinite(m.quality_score)


@pytest.mark.parametrize("field", ["width", "height", "fps", "duration_seconds"])
def test_an_expectation_must_be_positive(field):
    with pytest.raises(ValueError, match=f"expected {field} must be positive"):
        Expected(**{field: 0})
