"""A storyboard cut off mid-run by closing the studio carries on in a new studio on the
same home: its jobs resume (the job path) and the storyboard moves on to its next stages
without Run being pressed again, no job sent twice."""

from __future__ import annotations

import asyncio

import av

from studio.core.sequences.storyboard_stitch import stitch_storyboard
from studio.core.service import Studio
from tests.conftest import set_faults
from tests.core.live_helpers import live_studio, submissions
from tests.core.sequences.test_storyboards import spec


def _keyframes_out(studio: Studio, board_id: str) -> bool:
    board = studio.storyboards.require(board_id)
    jobs = [studio.store.get_job(a.job_id) for s in board.states.values()
            for a in s.keyframe.attempts if a.job_id]
    return len(jobs) == 2 and all(j is not None and j.remote_id for j in jobs)


async def _close_mid_keyframes(home, sandbox, *, auto: bool) -> str:
    studio = live_studio(home, sandbox)
    set_faults(sandbox, run_seconds=3.0)
    board = studio.storyboards.create(spec(auto_approve=auto))
    run = asyncio.ensure_future(studio.storyboards.run(board.id, wait=True))
    for _ in range(500):
        if _keyframes_out(studio, board.id):
            break
        await asyncio.sleep(0.02)
    assert _keyframes_out(studio, board.id)
    run.cancel()  # the app's run task goes with the window
    await asyncio.wait({run})
    await studio.aclose()  # closed with both keyframe jobs out at the provider
    return board.id


def test_an_auto_approve_storyboard_carries_on_to_its_clips_after_a_restart(home, sandbox):
    async def go():
        board_id = await _close_mid_keyframes(home, sandbox, auto=True)
        assert len(submissions(sandbox, "fal")) == 2  # the keyframes only
        set_faults(sandbox, run_seconds=0.2)
        studio = live_studio(home, sandbox)
        try:
            assert studio.storyboard_view(board_id)["status"] == "running"
            resumed = await studio.resume()
            assert len(resumed) == 2
            assert studio.resume_storyboards() == [board_id]
            assert studio.resume_storyboards() == []  # already carrying on
            await asyncio.wait_for(studio.storyboard_runs.join(), 60)
            ready = studio.storyboard_view(board_id)
            # As after an uninterrupted run: every clip made, the film one Stitch away.
            assert ready["status"] == "ready" and ready["final"] is None
            await asyncio.to_thread(stitch_storyboard, studio.storyboards, board_id)
            return studio.storyboard_view(board_id)
        finally:
            await studio.aclose()

    view = asyncio.run(go())
    assert view["status"] == "stitched"
    for scene in view["scenes"]:
        assert [st["status"] for st in scene["stages"].values()] == ["approved", "approved"]
        assert len(scene["stages"]["keyframe"]["attempts"]) == 1
        assert len(scene["stages"]["clip"]["attempts"]) == 1
    posts = submissions(sandbox, "fal")
    assert len(posts) == 4  # two keyframes, two clips: nothing sent twice
    assert len({p["path"] for p in posts}) == 2
    with av.open(view["final"]["path"]) as box:
        assert sum(1 for _ in box.decode(video=0)) > 0
    # two 5 s clips joined by a 0.5 s crossfade
    assert abs(view["final"]["duration_seconds"] - 9.5) < 0.2


def test_without_auto_approve_a_restart_leaves_the_stages_awaiting_review(home, sandbox):
    async def go():
        board_id = await _close_mid_keyframes(home, sandbox, auto=False)
        set_faults(sandbox, run_seconds=0.2)
        studio = live_studio(home, sandbox)
        try:
            await studio.resume()
            assert studio.resume_storyboards() == [board_id]
            await asyncio.wait_for(studio.storyboard_runs.join(), 60)
            return studio.storyboard_view(board_id)
        finally:
            await studio.aclose()

    view = asyncio.run(go())
    assert view["status"] == "review"
    for scene in view["scenes"]:
        assert scene["stages"]["keyframe"]["status"] == "review"
        assert scene["stages"]["clip"]["status"] == "waiting"
    assert len(submissions(sandbox, "fal")) == 2  # no clip without an approved keyframe


def test_a_storyboard_with_nothing_out_is_not_picked_up(home, sandbox):
    async def go():
        studio = live_studio(home, sandbox)
        try:
            studio.storyboards.create(spec(auto_approve=True))  # never run
            return studio.resume_storyboards()
        finally:
            await studio.aclose()

    assert asyncio.run(go()) == []
    assert submissions(sandbox, "fal") == []
