"""Stitching real clips: stream copy and re-encode, decoded end to end with PyAV."""

from __future__ import annotations

import threading
from pathlib import Path

import av
import pytest

from studio.core.sequences.stitch import (
    Segment,
    StitchCancelled,
    StitchError,
    Transition,
    stitch,
)
from tests.core.sequences.clips import decode_all, make_clip


def test_matching_clips_are_stream_copied_to_the_sum_of_their_durations(tmp_path: Path) -> None:
    clips = [make_clip(tmp_path / f"{i}.mp4", seconds=s, shade=40 * i)
             for i, s in enumerate([1.0, 1.5, 0.75])]
    seen: list[float] = []
    result = stitch([Segment(c) for c in clips], tmp_path / "out.mp4", progress=seen.append)
    assert result.method == "copy"
    frames, seconds, has_audio, _ = decode_all(result.path)
    assert frames == 12 + 18 + 9
    assert abs(seconds - 3.25) <= 3 / 12  # ±1 frame per cut
    assert abs(result.duration_seconds - 3.25) <= 3 / 12
    assert not has_audio
    assert [s.in_seconds for s in result.segments] == [0.0, 1.0, 2.5]
    assert result.segments[-1].out_seconds == pytest.approx(3.25)
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)
    # The packets were copied, not re-encoded: the frames decode to the clips' greys in order.
    with av.open(str(result.path)) as c:
        greys = [int(f.to_ndarray(format="gray").mean()) for f in c.decode(video=0)]
    assert greys[0] < greys[12] > greys[11]  # the second clip starts at frame 12


def test_matching_clips_with_audio_keep_it_when_copied(tmp_path: Path) -> None:
    clips = [make_clip(tmp_path / f"{i}.mp4", seconds=1.0, shade=50 * i, audio=True)
             for i in range(2)]
    result = stitch([Segment(c) for c in clips], tmp_path / "out.mp4")
    assert result.method == "copy"
    frames, _seconds, has_audio, audio_seconds = decode_all(result.path)
    assert frames == 24 and has_audio
    assert abs(audio_seconds - 2.0) < 0.1


def test_mixed_clips_are_reencoded_letterboxed_with_audio_from_one_clip(tmp_path: Path) -> None:
    a = make_clip(tmp_path / "a.mp4", seconds=1.0, fps=12, size=(64, 48))
    b = make_clip(tmp_path / "b.mp4", seconds=1.0, fps=12, size=(64, 48), shade=120)
    c = make_clip(tmp_path / "c.mp4", seconds=2.0, fps=24, size=(96, 48), shade=200, audio=True)
    result = stitch([Segment(a), Segment(b), Segment(c)], tmp_path / "out.mp4")
    assert result.method == "reencode"
    assert (result.width, result.height, result.fps) == (64, 48, 12.0)  # the most common
    _frames, seconds, has_audio, audio_seconds = decode_all(result.path)
    assert abs(seconds - 4.0) <= 3 / 12
    assert has_audio and abs(audio_seconds - 4.0) < 0.1
    with av.open(str(result.path)) as cont:
        last = list(cont.decode(video=0))[-1].to_ndarray(format="gray")
    # The wider clip is letterboxed: black bars above and below, picture in the middle.
    assert last[0].mean() < 30 and last[-1].mean() < 30 and last[24].mean() > 60


def test_crossfades_shorten_the_film_by_their_length(tmp_path: Path) -> None:
    a = make_clip(tmp_path / "a.mp4", seconds=2.0, shade=0)
    b = make_clip(tmp_path / "b.mp4", seconds=2.0, shade=200)
    result = stitch([Segment(a, Transition("crossfade", 0.5)), Segment(b)], tmp_path / "out.mp4")
    assert result.method == "reencode"
    _frames, seconds, _, _ = decode_all(result.path)
    assert abs(seconds - 3.5) <= 1 / 12
    assert result.segments[1].in_seconds == pytest.approx(1.5)
    with av.open(str(result.path)) as cont:
        greys = [float(f.to_ndarray(format="gray").mean()) for f in cont.decode(video=0)]
    # Mid-fade frames sit between the two clips' greys.
    mid = greys[20]
    assert 40 < mid < 170


def test_cancel_leaves_nothing_behind(tmp_path: Path) -> None:
    clips = [make_clip(tmp_path / f"{i}.mp4", seconds=1.0, size=(64, 48 + 16 * i))
             for i in range(2)]
    cancel = threading.Event()

    def on_progress(value: float) -> None:
        if value > 0.2:
            cancel.set()

    out = tmp_path / "out.mp4"
    with pytest.raises(StitchCancelled):
        stitch([Segment(c) for c in clips], out, progress=on_progress, cancel=cancel)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0.mp4", "1.mp4"]


def test_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StitchError, match="no clips"):
        stitch([], tmp_path / "out.mp4")
    with pytest.raises(StitchError, match="no such file"):
        stitch([Segment(tmp_path / "missing.mp4")], tmp_path / "out.mp4")
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all")
    with pytest.raises(StitchError, match=r"junk\.mp4"):
        stitch([Segment(junk)], tmp_path / "out.mp4")
    assert not (tmp_path / "out.mp4").exists()
