"""Storyboards over the sandbox: keyframe image jobs, then image-to-video clips that start
from the approved keyframe; approve, regenerate with notes (history kept), dry-runs."""

from __future__ import annotations

import asyncio

import av
import numpy as np
import pytest
from PIL import Image

from studio.core.jobs import JobStatus
from studio.core.sequences.storyboard_spec import StoryboardSpec
from studio.core.sequences.storyboard_stitch import stitch_storyboard
from studio.core.sequences.storyboards import StoryboardError
from studio.core.service import Studio
from tests.conftest import instant_jobs, sandbox_requests
from tests.core.live_helpers import live_studio

KLING = "fal-ai/kling-video/v2.1/standard/image-to-video"


def spec(**changes) -> StoryboardSpec:
    data = {
        "title": "Fox ad",
        "image_model": {"provider": "fal", "model": "fal-ai/flux/schnell",
                        "params": {"output_format": "png"}},
        "video_model": {"provider": "fal", "model": KLING},
        "scenes": [
            {"prompt": "a red fox wakes in the snow", "duration_seconds": 5, "seed": 3,
             "transition": {"kind": "crossfade", "seconds": 0.5}},
            # the last scene's transition leads nowhere: ignored when stitching
            {"prompt": "the fox runs through a forest", "duration_seconds": 5, "seed": 4,
             "transition": {"kind": "crossfade", "seconds": 1.0}},
        ],
        **changes,
    }
    return StoryboardSpec.model_validate(data)


def first_frame(path: str) -> np.ndarray:
    with av.open(path) as box:
        frame = next(box.decode(video=0))
        return frame.to_ndarray(format="rgb24").astype(np.float32)


def frames(path: str) -> int:
    with av.open(path) as box:
        return sum(1 for _ in box.decode(video=0))


async def test_auto_approve_runs_keyframes_then_clips_from_them(home, sandbox):
    instant_jobs(sandbox)  # about the stages and the film, not the wait
    studio = live_studio(home, sandbox)
    try:
        board = studio.storyboards.create(spec())
        board = await studio.storyboards.run(board.id, auto_approve=True, wait=True)
        data = studio.storyboards.board_dict(board)
        assert data["status"] == "ready"
        for scene in data["scenes"]:
            key, clip = scene["stages"]["keyframe"], scene["stages"]["clip"]
            assert key["status"] == clip["status"] == "approved"
            assert key["output"]["media_type"] == "image/png"
            assert clip["output"]["media_type"] == "video/mp4"
            assert frames(clip["output"]["path"]) > 0
            # the clip's start frame is the approved keyframe, recorded as its parent
            [attempt] = clip["attempts"]
            assert attempt["keyframe"] == f"asset:{key['output']['asset_id']}"
            # the sandbox's clip opens on the keyframe it was sent (decoded, H.264 noise)
            first = first_frame(clip["output"]["path"])
            height, width = first.shape[:2]
            key_pixels = np.asarray(Image.open(key["output"]["path"]).convert("RGB").resize(
                (width, height), Image.Resampling.LANCZOS), np.float32)
            assert np.abs(first - key_pixels).mean() < 4
            parents = studio.lineage(clip["output"]["asset_id"]).parents
            assert [(e.role.value, e.node.asset_id) for e in parents] == [
                ("start_frame", key["output"]["asset_id"])]
        sent = [r for r in sandbox_requests(sandbox, "fal") if r["method"] == "POST"]
        assert len(sent) == 4  # two keyframes, two clips

        final = await asyncio.to_thread(stitch_storyboard, studio.storyboards, board.id)
        clips = [s["stages"]["clip"]["output"] for s in data["scenes"]]
        expected = sum(c["duration_seconds"] for c in clips) - 0.5  # minus the crossfade
        assert abs(final["duration_seconds"] - expected) <= 2 / 24
        with av.open(final["path"]) as box:
            stream = box.streams.video[0]
            assert (stream.width, stream.height) == (final["width"], final["height"])
        assert frames(final["path"]) > 0
        film = studio.asset(final["asset_id"])
        assert film is not None and film.sha256 == final["sha256"]
        assert [s["asset_id"] for s in film.provenance["segments"]] == [
            c["asset_id"] for c in clips]
        shown = studio.storyboards.board_dict(studio.storyboards.require(board.id))
        assert shown["status"] == "stitched"
        assert set(shown["final"]) == {"path", "sha256", "duration_seconds", "width", "height"}
    finally:
        await studio.aclose()


async def test_dry_run_records_keyframes_and_waits(home, sandbox):
    # The real-world rule over the emulator (flags off: every job is a dry-run).
    studio = Studio(home, sandbox_url=sandbox.url, sandbox_live=False)
    try:
        board = studio.storyboards.create(spec())
        board = await studio.storyboards.run(board.id, auto_approve=True, wait=True)
        data = studio.storyboards.board_dict(board)
        assert [s["stages"]["keyframe"]["status"] for s in data["scenes"]] == ["dry_run"] * 2
        assert [s["stages"]["clip"]["status"] for s in data["scenes"]] == ["waiting"] * 2
        job = studio.job(data["scenes"][0]["stages"]["keyframe"]["attempts"][0]["job_id"])
        assert job is not None and job.status is JobStatus.DRY_RUN and job.prepared
        assert sandbox_requests(sandbox, "fal") == []
        with pytest.raises(StoryboardError, match="dry_run"):
            studio.storyboards.approve(board.id, 1, "keyframe")
    finally:
        await studio.aclose()


async def test_one_regenerated_scene_keeps_history_and_remakes_its_clip(home, sandbox):
    instant_jobs(sandbox)  # about the stages and the film, not the wait
    studio = live_studio(home, sandbox)
    boards = studio.storyboards
    try:
        board = boards.create(spec())
        board = await boards.run(board.id, wait=True)  # no auto-approve: stops for review
        data = boards.board_dict(board)
        assert [s["stages"]["keyframe"]["status"] for s in data["scenes"]] == ["review"] * 2
        assert [s["stages"]["clip"]["status"] for s in data["scenes"]] == ["waiting"] * 2
        for n in (1, 2):
            boards.approve(board.id, n, "keyframe")
        board = await boards.run(board.id, wait=True)
        for n in (1, 2):
            boards.approve(board.id, n, "clip")
        first_clip = boards.board_dict(boards.require(board.id))["scenes"][1]["stages"]["clip"]

        job = await boards.regenerate(board.id, 2, "keyframe", notes="at golden hour")
        assert "golden hour" in job.prompt and job.prompt.startswith("the fox runs")
        data = boards.board_dict(boards.require(board.id))
        assert data["scenes"][1]["stages"]["clip"]["status"] == "waiting"
        assert data["scenes"][0]["stages"]["clip"]["status"] == "approved"  # untouched
        await studio.wait(job.id)
        boards.approve(board.id, 2, "keyframe")
        data = boards.board_dict(boards.require(board.id))
        assert data["scenes"][1]["stages"]["clip"]["status"] == "stale"
        board = await boards.run(board.id, wait=True)
        boards.approve(board.id, 2, "clip")
        data = boards.board_dict(boards.require(board.id))
        assert data["status"] == "ready"
        key, clip = (data["scenes"][1]["stages"][s] for s in ("keyframe", "clip"))
        assert [a["notes"] for a in key["attempts"]] == ["", "at golden hour"]
        assert key["attempts"][1]["job_id"] == job.id and len(clip["attempts"]) == 2
        assert clip["attempts"][0]["job_id"] == first_clip["attempts"][0]["job_id"]
        # the new clip starts from the new keyframe
        assert clip["attempts"][1]["keyframe"] == f"asset:{key['output']['asset_id']}"
        assert clip["approved_job"] == clip["attempts"][1]["job_id"]
        assert len(data["scenes"][0]["stages"]["clip"]["attempts"]) == 1
    finally:
        await studio.aclose()


async def test_a_clip_model_that_cannot_animate_an_image_is_a_clear_error(home, sandbox):
    studio = Studio(home, sandbox_url=sandbox.url)
    try:
        board = studio.storyboards.create(spec(video_model={
            "provider": "fal", "model": "fal-ai/wan-t2v"}, scenes=[
            {"prompt": "a fox", "keyframe": {"kind": "file", "ref": "/nope.png"}}]))
        with pytest.raises(StoryboardError, match="no image-to-video mode"):
            await studio.storyboards.run(board.id)
        assert studio.jobs() == []
    finally:
        await studio.aclose()


async def test_a_missing_keyframe_file_sends_nothing_at_all(home, sandbox, tmp_path):
    from studio.core.requests import RequestError

    studio = live_studio(home, sandbox)
    try:
        board = studio.storyboards.create(spec(scenes=[
            {"prompt": "a fox wakes"},
            {"prompt": "a fox runs", "keyframe": {"kind": "file",
                                                   "ref": str(tmp_path / "gone.png")}}]))
        with pytest.raises(RequestError, match=r"gone\.png"):
            await studio.storyboards.run(board.id, wait=True)
        assert sandbox_requests(sandbox, "fal") == [] and studio.jobs() == []
        data = studio.storyboards.board_dict(studio.storyboards.require(board.id))
        assert all(s["stages"]["keyframe"]["attempts"] == [] for s in data["scenes"])
    finally:
        await studio.aclose()


KLING_PRO = "fal-ai/kling-video/v2.1/pro/image-to-video"  # takes an end frame


def last_frame(path: str) -> np.ndarray:
    with av.open(path) as box:
        for frame in box.decode(video=0):
            last = frame
        return last.to_ndarray(format="rgb24").astype(np.float32)


def like(image_path: str, shape: tuple[int, ...]) -> np.ndarray:
    height, width = shape[:2]
    return np.asarray(Image.open(image_path).convert("RGB").resize(
        (width, height), Image.Resampling.LANCZOS), np.float32)


async def test_a_clip_can_end_on_the_next_scene_s_keyframe(home, sandbox):
    instant_jobs(sandbox)
    studio = live_studio(home, sandbox)
    boards = studio.storyboards
    try:
        made = spec(video_model={"provider": "fal", "model": KLING_PRO})
        scenes = [made.scenes[0].model_copy(update={"end_on_next_keyframe": True}),
                  made.scenes[1].model_copy(update={"end_on_next_keyframe": True})]
        board = boards.create(made.model_copy(update={"scenes": scenes}))
        board = await boards.run(board.id, wait=True)  # keyframes, then review
        boards.approve(board.id, 1, "keyframe")
        data = boards.board_dict(boards.require(board.id))
        # scene 1's clip waits for scene 2's keyframe; the last scene has none to end on
        assert [s["stages"]["clip"]["status"] for s in data["scenes"]] == ["waiting"] * 2
        with pytest.raises(StoryboardError, match="scene 2's keyframe, which is not approved"):
            await boards.regenerate(board.id, 1, "clip")
        boards.approve(board.id, 2, "keyframe")
        board = await boards.run(board.id, auto_approve=True, wait=True)
        data = boards.board_dict(board)
        assert data["status"] == "ready"
        first, second = data["scenes"]
        end_key = second["stages"]["keyframe"]["output"]
        [attempt] = first["stages"]["clip"]["attempts"]
        assert attempt["end_frame"] == f"asset:{end_key['asset_id']}"
        assert second["stages"]["clip"]["attempts"][0]["end_frame"] is None
        # the film runs through: scene 1's clip ends where scene 2's begins
        clip = first["stages"]["clip"]["output"]["path"]
        end = last_frame(clip)
        assert np.abs(end - like(end_key["path"], end.shape)).mean() < 4
        parents = studio.lineage(first["stages"]["clip"]["output"]["asset_id"]).parents
        assert sorted(e.role.value for e in parents) == ["end_frame", "start_frame"]
        posted = [r for r in sandbox_requests(sandbox, "fal")
                  if r["method"] == "POST" and "image-to-video" in r["path"]]
        ends = {r["body"]["prompt"]: bool(r["body"].get("tail_image_url")) for r in posted}
        assert ends == {scenes[0].prompt: True, scenes[1].prompt: False}  # sent in any order

        # a new keyframe for scene 2 makes scene 1's clip stale (it ended on the old one)
        job = await boards.regenerate(board.id, 2, "keyframe", notes="at night")
        await studio.wait(job.id)
        boards.approve(board.id, 2, "keyframe")
        data = boards.board_dict(boards.require(board.id))
        assert [s["stages"]["clip"]["status"] for s in data["scenes"]] == ["stale", "stale"]
    finally:
        await studio.aclose()


async def test_ending_on_the_next_keyframe_needs_a_model_that_takes_one(home, sandbox):
    studio = live_studio(home, sandbox)
    try:
        board = studio.storyboards.create(spec(scenes=[  # Kling 2.1 standard: no end frame
            {"prompt": "a fox", "end_on_next_keyframe": True,
             "keyframe": {"kind": "file", "ref": "/a.png"}},
            {"prompt": "a forest", "keyframe": {"kind": "file", "ref": "/b.png"}}]))
        with pytest.raises(StoryboardError, match="takes no end frame"):
            await studio.storyboards.run(board.id)
        assert studio.jobs() == []
    finally:
        await studio.aclose()
