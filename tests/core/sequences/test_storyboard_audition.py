"""Audition per scene over the sandbox: a stage fanned out to several models as a compare
group; the vote's winner (or a named cell) becomes the take and the scene's model."""

from __future__ import annotations

import pytest

from studio.core.sequences.storyboard_audition import audition, pick
from studio.core.sequences.storyboard_spec import ModelChoice, StoryboardSpec
from studio.core.sequences.storyboards import StoryboardError
from tests.core.live_helpers import live_studio

KLING = "fal-ai/kling-video/v2.1/standard/image-to-video"
WAN = "fal-ai/wan-i2v"


def spec() -> StoryboardSpec:
    return StoryboardSpec.model_validate({
        "image_model": {"provider": "fal", "model": "fal-ai/flux/schnell"},
        "video_model": {"provider": "fal", "model": KLING},
        "scenes": [{"prompt": "a fox in snow", "duration_seconds": 5, "seed": 9}]})


async def test_a_voted_keyframe_and_a_picked_clip_become_the_takes(home, sandbox):
    studio = live_studio(home, sandbox)
    boards = studio.storyboards
    try:
        board = boards.create(spec())
        group_id = await audition(boards, board.id, 1, "keyframe", [
            ModelChoice(provider="fal", model="fal-ai/flux/schnell"),
            ModelChoice(provider="fal", model="fal-ai/flux/dev")])
        data = boards.board_dict(boards.require(board.id))
        key = data["scenes"][0]["stages"]["keyframe"]
        assert key["status"] == "audition" and key["audition_group"] == group_id
        group = studio.compare.get(group_id)
        assert [c.target.model for c in group.cells] == ["fal-ai/flux/schnell",
                                                         "fal-ai/flux/dev"]
        assert group.brief.prompt == "a fox in snow"
        for job_id in group.latest_jobs():
            await studio.wait(job_id)
        with pytest.raises(StoryboardError, match="no winner yet"):
            pick(boards, board.id, 1, "keyframe")
        shown = studio.compare.get(group_id).votable(studio.store)
        winner = shown[1]
        studio.votes.cast(group_id, shown, winner=winner)
        board = pick(boards, board.id, 1, "keyframe")
        data = boards.board_dict(board)
        key = data["scenes"][0]["stages"]["keyframe"]
        assert key["status"] == "approved" and key["approved_job"] == winner
        assert data["scenes"][0]["image_model"] == "fal:fal-ai/flux/dev"  # the winner's

        clip_group = await audition(boards, board.id, 1, "clip", [
            ModelChoice(provider="fal", model=KLING), ModelChoice(provider="fal", model=WAN)])
        cells = studio.compare.get(clip_group)
        for job_id in cells.latest_jobs():
            job = await studio.wait(job_id)
            # every clip of the audition starts from the approved keyframe
            assert job.request["input_images"] == [f"asset:{key['output']['asset_id']}"]
        wan_job = cells.cells[1].job_id
        board = pick(boards, board.id, 1, "clip", wan_job)
        data = boards.board_dict(board)
        clip = data["scenes"][0]["stages"]["clip"]
        assert clip["status"] == "approved" and clip["approved_job"] == wan_job
        assert data["scenes"][0]["video_model"] == \
            f"fal:{WAN}"
        assert data["status"] == "ready"
        with pytest.raises(StoryboardError, match="no audition"):
            pick(boards, board.id, 1, "clip", wan_job)
    finally:
        await studio.aclose()


async def test_an_audition_needs_two_models_and_a_keyframe_for_clips(home, sandbox):
    studio = live_studio(home, sandbox)
    try:
        board = studio.storyboards.create(spec())
        with pytest.raises(StoryboardError, match="two models"):
            await audition(studio.storyboards, board.id, 1, "keyframe",
                           [ModelChoice(provider="fal", model="fal-ai/flux/dev")])
        with pytest.raises(StoryboardError, match="no approved keyframe"):
            await audition(studio.storyboards, board.id, 1, "clip", [
                ModelChoice(provider="fal", model=KLING),
                ModelChoice(provider="fal", model=WAN)])
        assert studio.compare.recent() == []
    finally:
        await studio.aclose()
