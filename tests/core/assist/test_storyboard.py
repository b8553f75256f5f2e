"""*Write storyboard*: the Director drafts, the Critic scores for up to K rounds, the
Cohesion pass notes transitions; the result is a StoryboardDraft and the whole
conversation is kept."""

from __future__ import annotations

import pytest

from studio.core.assist import RunStatus, StoryboardDraft
from tests.core.assist.helpers import assistant_studio, chat_requests, red_png


async def test_a_critic_that_never_approves_gets_every_round(home, sandbox):
    studio = assistant_studio(home, sandbox, approve_at=101)  # no score can reach it
    try:
        run = await studio.assist.story("A lighthouse keeper finds a message in a bottle", 3,
                                        rounds=2)
        kept = studio.assist.run(run.id).conversation
    finally:
        await studio.aclose()
    result = run.result
    assert set(result) == {"brief", "scenes_requested", "rounds", "approved", "storyboard",
                           "critiques", "cohesion", "conversation"}
    assert result["rounds"] == 2 and result["approved"] is False
    assert [c["round"] for c in result["critiques"]] == [1, 2]
    for critique in result["critiques"]:
        assert set(critique) == {"round", "score", "strengths", "improvements", "verdict",
                                 "approved"}
        assert 0 <= critique["score"] <= 100 and critique["approved"] is False
    board = StoryboardDraft.model_validate(result["storyboard"])
    assert [s.index for s in board.scenes] == [1, 2, 3] and board.rounds == 2
    assert not board.approved and board.critic_score == result["critiques"][-1]["score"]
    assert all(s.prompt.startswith("A lighthouse keeper") for s in board.scenes)
    assert all(s.transition for s in board.scenes[:2]) and board.scenes[2].transition == ""
    assert len(result["cohesion"]["transitions"]) == 2 and board.cohesion
    # director, critic, director (revision), critic, cohesion: five calls, all recorded
    agents = [r["agent"] for r in run.requests]
    assert agents == ["director", "critic", "director", "critic", "cohesion"]
    assert len(chat_requests(sandbox)) == 5
    said = [(t["agent"], t["role"]) for t in result["conversation"]]
    assert said[:3] == [("director", "system"), ("director", "user"),
                        ("director", "assistant")]
    assert ("critic", "assistant") in said and said[-1] == ("cohesion", "assistant")
    revision = run.requests[2]["body"]["messages"][-1]["content"]
    assert "The Critic's review" in revision  # the Director saw the review
    assert kept == result["conversation"]


async def test_the_loop_stops_at_the_first_approved_draft(home, sandbox):
    studio = assistant_studio(home, sandbox, approve_at=0)
    try:
        run = await studio.assist.story("Two robots learn to dance", 2, rounds=4)
    finally:
        await studio.aclose()
    critiques = run.result["critiques"]
    approved_at = [c["round"] for c in critiques if c["verdict"] == "approved"]
    assert run.result["rounds"] == (approved_at[0] if approved_at else 4)
    assert run.result["approved"] is bool(approved_at)
    assert all(c["verdict"] == "needs_revision" for c in critiques[:-1])


async def test_reference_images_go_to_the_director(home, sandbox, tmp_path):
    studio = assistant_studio(home, sandbox)
    image = red_png(tmp_path / "mood.png")
    try:
        run = await studio.assist.story("A red kite over hills", 1, [str(image)], rounds=1)
    finally:
        await studio.aclose()
    first = chat_requests(sandbox)[0]["body"]["messages"][1]["content"]
    assert [p["type"] for p in first] == ["text", "image_url"]
    assert "Reference images (in order): mood.png" in first[0]["text"]
    board = StoryboardDraft.model_validate(run.result["storyboard"])
    assert board.reference_images == ["mood.png"] and len(board.scenes) == 1
    assert run.result["cohesion"]["transitions"] == []


async def test_a_dry_run_shows_the_directors_request_only(home, sandbox):
    studio = assistant_studio(home, sandbox, live=False)
    try:
        run = await studio.assist.story("A fox's winter", 4)
    finally:
        await studio.aclose()
    assert run.status is RunStatus.DRY_RUN and run.result is None
    [request] = run.requests
    assert request["agent"] == "director"
    scenes = request["body"]["response_format"]["json_schema"]["schema"]["properties"]["scenes"]
    assert scenes["minItems"] == scenes["maxItems"] == 4
    assert chat_requests(sandbox) == []


@pytest.mark.parametrize("count", [1, 6])
def test_the_draft_model_is_what_the_sequences_work_imports(count):
    board = StoryboardDraft(title="t", brief="b", story="s", approved=True, rounds=1,
                            scenes=[{"index": i + 1, "prompt": "p", "duration_seconds": 4}
                                    for i in range(count)])
    assert board.duration_seconds == 4 * count
    assert StoryboardDraft.model_validate_json(board.model_dump_json()) == board
