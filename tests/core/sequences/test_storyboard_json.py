"""Storyboard import/export: the JSON round-trip, the schema in docs/ matching the model,
the assistant's draft as an import, and clear errors for files that are not storyboards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.core.assist.storyboard import StoryboardDraft
from studio.core.sequences.storyboard_spec import (
    ImportError_,
    StoryboardSpec,
    from_json,
    from_text,
    json_schema,
)
from studio.core.service import Studio

DOC = Path(__file__).parents[3] / "docs" / "storyboard.schema.json"

FULL = {
    "schema_name": "provider-studio/storyboard", "version": 1, "title": "Fox ad",
    "description": "thirty seconds of fox", "aspect": "16:9",
    "reference_images": ["asset:abc123", "/tmp/style.png"],
    "image_model": {"provider": "fal", "model": "fal-ai/flux/schnell", "params": {}},
    "video_model": {"provider": "runway", "model": "gen4_turbo", "params": {}},
    "auto_approve": False,
    "scenes": [
        {"id": "s1", "prompt": "a fox wakes", "description": "", "duration_seconds": 5,
         "keyframe": {"kind": "asset", "ref": "abc123"}, "image_model": None,
         "video_model": {"provider": "luma", "model": "ray-2", "params": {"loop": True}},
         "keyframe_prompt": None, "seed": 7,
         "transition": {"kind": "crossfade", "seconds": 0.5}, "end_on_next_keyframe": True},
        {"id": "s2", "prompt": "the fox runs", "description": "wide", "duration_seconds": 4,
         "keyframe": {"kind": "generate", "ref": None}, "image_model": None,
         "video_model": None, "keyframe_prompt": "a fox mid-leap", "seed": None,
         "transition": {"kind": "cut", "seconds": 0}, "end_on_next_keyframe": False},
    ],
}


def test_the_schema_in_docs_is_the_models():
    assert json.loads(DOC.read_text()) == json_schema(), \
        "regenerate docs/storyboard.schema.json from storyboard_spec.schema_text()"


def test_a_full_storyboard_validates_against_the_schema_and_round_trips():
    schema = json_schema()
    assert set(FULL) == set(schema["properties"]) and schema["additionalProperties"] is False
    scene = schema["$defs"]["SceneSpec"]
    assert set(FULL["scenes"][0]) == set(scene["properties"])
    assert schema["required"] == ["scenes"]
    spec = from_json(FULL)
    assert spec.model_dump(mode="json") == FULL
    assert from_text(json.dumps(spec.model_dump(mode="json"))) == spec


def test_export_then_import_through_the_store_is_the_same_storyboard(home):
    studio = Studio(home)
    board = studio.storyboards.create(from_json(FULL))
    text = studio.storyboards.export_json(board.id)
    assert json.loads(text)["schema_name"] == "provider-studio/storyboard"
    again = studio.storyboards.create(from_text(text))
    assert again.id != board.id and again.spec == board.spec
    copy = studio.storyboards.duplicate(board.id)
    assert copy.spec.title == "Fox ad (copy)"
    assert [s.prompt for s in copy.spec.scenes] == ["a fox wakes", "the fox runs"]
    assert {s.id for s in copy.spec.scenes}.isdisjoint({"s1", "s2"})
    assert studio.storyboards.delete(board.id) and studio.storyboards.get(board.id) is None
    assert {b.id for b in studio.storyboards.recent()} == {again.id, copy.id}


def draft() -> StoryboardDraft:
    return StoryboardDraft(
        title="Winter fox", brief="a fox's winter", story="...", approved=True, rounds=2,
        reference_images=["/tmp/a.png"],
        scenes=[{"index": 2, "prompt": "the fox runs", "duration_seconds": 4,
                 "transition": ""},
                {"index": 1, "prompt": "a fox wakes", "duration_seconds": 6,
                 "notes": "slow", "transition": "slow crossfade into the run"}])


@pytest.mark.parametrize("wrap", ["draft", "result", "run"])
def test_the_assistants_draft_imports_in_scene_order(wrap):
    data = draft().model_dump(mode="json")
    if wrap != "draft":
        data = {"brief": "a fox's winter", "storyboard": data}
    if wrap == "run":
        data = {"run": "r1", "flow": "story", "live": True, "result": data}
    spec = from_json(data)
    assert spec.title == "Winter fox" and spec.reference_images == ["/tmp/a.png"]
    assert [(s.prompt, s.duration_seconds) for s in spec.scenes] == [
        ("a fox wakes", 6), ("the fox runs", 4)]
    assert spec.scenes[0].transition.kind == "crossfade"
    assert spec.scenes[0].description == "slow"


@pytest.mark.parametrize("text, message", [
    ("{not json", "not JSON"),
    ("[1, 2]", "JSON object"),
    ('{"scenes": []}', "scenes"),
    ('{"scenes": [{"prompt": "x", "duration_seconds": -1}]}', "duration_seconds"),
    ('{"scenes": [{"prompt": "x"}], "reference_images": ["a", "b", "c", "d"]}',
     "reference_images"),
    ('{"flow": "story", "result": null}', "dry-run"),
])
def test_a_file_that_is_not_a_storyboard_is_a_clear_error(text, message):
    with pytest.raises(ImportError_, match=message):
        from_text(text)


def test_a_spec_without_models_gets_the_defaults():
    spec = StoryboardSpec.model_validate({"scenes": [{"prompt": "a fox"}]})
    assert spec.image_model_of(spec.scenes[0]).model == "fal-ai/flux/schnell"
    assert spec.scenes[0].duration_seconds == 5
