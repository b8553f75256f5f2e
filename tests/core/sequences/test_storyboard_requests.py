"""What each stage sends: the storyboard's reference images go to every model that takes
them (as many as it takes), the clip's start frame is the keyframe, the scene's duration
is mapped onto the video model's own field, Regenerate notes edit the prompt."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from studio.core.sequences.storyboard_requests import (
    StageError,
    clip_request,
    keyframe_request,
    with_notes,
)
from studio.core.sequences.storyboard_spec import StoryboardSpec
from studio.core.service import Studio

KLING = "fal-ai/kling-video/v2.1/standard/image-to-video"


@pytest.fixture
def refs(tmp_path: Path) -> list[str]:
    out = []
    for i, colour in enumerate(("red", "green", "blue")):
        path = tmp_path / f"ref{i}.png"
        Image.new("RGB", (64, 64), colour).save(path)
        out.append(str(path))
    return out


def board(refs: list[str], image_model: tuple[str, str]) -> StoryboardSpec:
    return StoryboardSpec.model_validate({
        "reference_images": refs, "aspect": "16:9",
        "image_model": {"provider": image_model[0], "model": image_model[1]},
        "video_model": {"provider": "fal", "model": KLING},
        "scenes": [{"prompt": "a fox", "duration_seconds": 10, "seed": 5}]})


@pytest.mark.parametrize("model, sent", [
    (("runway", "gen4_image"), 3), (("fal", "fal-ai/flux-pro/v1.1-ultra"), 1),
    (("fal", "fal-ai/flux/schnell"), 0)])
def test_references_go_to_every_model_that_takes_them(home, refs, model, sent):
    studio = Studio(home, env={})
    spec = board(refs, model)
    built = keyframe_request(studio.providers, spec, spec.scenes[0])
    assert built.request.input_images == refs[:sent]
    assert len(built.notes) == 3 - sent  # each reference left out says why
    checked = studio.check(built.request)  # the studio accepts it as it is
    assert [i.role.value for i in checked.images] == ["reference"] * sent


def test_the_clip_starts_from_the_keyframe_with_the_scene_duration(home, refs):
    studio = Studio(home, env={})
    spec = board(refs, ("fal", "fal-ai/flux/schnell"))
    built = clip_request(studio.providers, spec, spec.scenes[0], refs[0], "slower")
    request = built.request
    assert request.input_images == [refs[0]] and request.mode.value == "img2video"
    assert request.params["duration"] == "10" and request.prompt == "a fox. slower"
    checked = studio.check(request)
    assert [i.role.value for i in checked.images] == ["start_frame"]


def test_an_unknown_model_is_a_clear_error(home):
    studio = Studio(home, env={})
    spec = StoryboardSpec.model_validate({
        "image_model": {"provider": "fal", "model": "nope"}, "scenes": [{"prompt": "x"}]})
    with pytest.raises(StageError, match="nope"):
        keyframe_request(studio.providers, spec, spec.scenes[0])


def test_notes_follow_the_prompt():
    assert with_notes("a fox.", " warmer light ") == "a fox. warmer light"
    assert with_notes("a fox", "") == "a fox"


KLING_PRO = "fal-ai/kling-video/v2.1/pro/image-to-video"  # takes an end frame (tail_image_url)


def test_a_clip_that_ends_on_the_next_keyframe_sends_it_as_its_end_frame(home, refs):
    studio = Studio(home, env={})
    spec = board([], ("fal", "fal-ai/flux/schnell"))
    spec = spec.model_copy(update={"video_model": spec.video_model.model_copy(
        update={"model": KLING_PRO})})
    built = clip_request(studio.providers, spec, spec.scenes[0], refs[0], end_frame=refs[1])
    assert built.request.input_images == refs[:2]
    checked = studio.check(built.request)
    assert [i.role.value for i in checked.images] == ["start_frame", "end_frame"]
    # without an end frame the same model gets the start frame alone
    alone = clip_request(studio.providers, spec, spec.scenes[0], refs[0]).request
    assert alone.input_images == refs[:1]


def test_a_video_model_without_an_end_frame_says_so(home, refs):
    studio = Studio(home, env={})
    spec = board([], ("fal", "fal-ai/flux/schnell"))  # Kling 2.1 standard: a start frame only
    with pytest.raises(StageError, match=r"takes no end frame.*End on the next keyframe"):
        clip_request(studio.providers, spec, spec.scenes[0], refs[0], end_frame=refs[1])
