"""Enhance, adapt, analyze and judge over real HTTP against the chat sandbox; answers that
are refused or malformed get one retry and then a clear error, never a crash."""

from __future__ import annotations

import asyncio

import pytest

from studio.core.assist import AssistError, RunStatus
from studio.core.assist.answers import ImageAnalysis, story_draft, strict_schema
from studio.core.events import EventKind
from studio.core.quality_store import OPINION_LABEL
from tests.conftest import set_faults
from tests.core.assist.helpers import assistant_studio, chat_requests, red_png
from tests.core.export.test_export_support import add_output
from tests.core.live_helpers import wait_for
from tests.core.metrics_media import panning, write_clip


@pytest.fixture
async def studio(home, sandbox):
    s = assistant_studio(home, sandbox)
    yield s
    await s.aclose()


def joined(diff, *ops):
    return "".join(d["text"] for d in diff if d["op"] in ops)


async def test_enhance_rewrites_for_the_targets_style_and_shows_the_change(studio, sandbox):
    run = await studio.assist.enhance("a red fox in snow", "fal:fal-ai/flux/dev")
    assert run.live and run.status is RunStatus.SUCCEEDED
    result = run.result
    assert set(result) == {"original", "prompt", "diff", "target", "notes"}
    assert result["target"] == "fal:fal-ai/flux/dev" and result["notes"]
    assert result["prompt"].startswith("a red fox in snow") and result["prompt"] != \
        result["original"]
    assert joined(result["diff"], "equal", "insert") == result["prompt"]
    assert joined(result["diff"], "equal", "delete") == result["original"]
    [sent] = chat_requests(sandbox)
    user = sent["body"]["messages"][1]["content"]
    assert "FLUX" in user and "no negative prompt" in user  # the family's hint
    assert sent["body"]["response_format"]["json_schema"]["strict"] is True


async def test_adapt_writes_one_prompt_per_target_and_a_dry_run_shows_them_all(home, sandbox):
    targets = ["fal:fal-ai/flux/dev", "runway:gen4_turbo"]
    studio = assistant_studio(home, sandbox)
    try:
        run = await studio.assist.adapt("a red fox in snow", targets)
        assert [p["target"] for p in run.result["prompts"]] == targets
        users = [r["body"]["messages"][1]["content"] for r in chat_requests(sandbox)]
        assert "FLUX" in users[0] and "Runway Gen-4" in users[1]
        studio.update_settings(studio.settings.model_copy(update={
            "features": studio.settings.features.model_copy(update={
                "enable_assistant": False})}))
        dry = await studio.assist.adapt("a red fox in snow", targets)
        assert dry.result is None and len(dry.requests) == 2
        assert len(chat_requests(sandbox)) == 2  # nothing more was sent
    finally:
        await studio.aclose()


async def test_analyze_sends_the_image_and_reads_its_colours(studio, sandbox, tmp_path):
    image = red_png(tmp_path / "red.png")
    run = await studio.assist.analyze(str(image))
    result = run.result
    assert set(result) == {"image", "theme", "main_subject", "style", "palette", "lighting",
                           "camera_motions", "motion_prompts"}
    assert result["image"] == "red.png" and result["motion_prompts"]
    assert {c["hex"] for c in result["palette"]} == {"#dc141e"}
    [sent] = chat_requests(sandbox)
    parts = sent["body"]["messages"][1]["content"]
    assert parts[0]["type"] == "text"
    assert parts[1]["image_url"]["url"].startswith("data:image/png;base64,")
    # The conversation names the image; its bytes stay out of it.
    assert run.requests[0]["body"]["messages"][1]["content"][1]["image_url"]["url"] == \
        parts[1]["image_url"]["url"]  # a small image: recorded whole, as sent
    assert run.conversation[1]["images"] == ["red.png"]
    assert "base64" not in str(run.conversation)


async def test_analyze_takes_outputs_videos_and_urls(studio, sandbox, tmp_path):
    asset = add_output(studio, "png")
    run = await studio.assist.analyze(asset.id[:10])
    assert run.result["image"] == f"asset:{asset.id}"
    clip = write_clip(tmp_path / "pan.mp4", panning(30))
    video = await studio.assist.analyze(str(clip))
    recorded = video.requests[0]["body"]["messages"][1]["content"][1]["image_url"]["url"]
    assert recorded.startswith("data:image/jpeg;base64,<") and recorded.endswith(" chars>")
    await studio.assist.analyze("https://cdn.example.test/still.jpg")
    image_parts = [[p for p in r["body"]["messages"][1]["content"] if p["type"] == "image_url"]
                   for r in chat_requests(sandbox)]
    assert [len(p) for p in image_parts] == [1, 3, 1]  # a video: start, middle, end
    assert image_parts[1][0]["image_url"]["url"].startswith("data:image/jpeg;base64,")
    assert image_parts[2][0]["image_url"]["url"] == "https://cdn.example.test/still.jpg"


@pytest.mark.parametrize(("ref", "words"), [
    ("missing.png", "no such file or asset"), ("asset:0000", "no asset '0000'"),
    ("http://insecure.test/a.png", "must be an https:// URL")])
async def test_an_image_that_cannot_be_shown_is_bad_input(studio, sandbox, ref, words):
    with pytest.raises(ValueError, match=words):
        await studio.assist.analyze(ref)
    assert chat_requests(sandbox) == [] and studio.assist.recent() == []


async def test_judge_stores_the_models_opinion_beside_the_metrics(studio):
    asset = add_output(studio, "png", prompt="a red fox in snow")
    events = []
    studio.subscribe(lambda e: events.append(e) if e.kind is EventKind.ASSET_QUALITY else None)
    run = await studio.assist.judge(asset.id)
    assert set(run.result) == {"asset", "score", "reasons", "model", "source"}
    assert run.result["source"] == OPINION_LABEL and 0 <= run.result["score"] <= 100
    opinion = studio.opinion(asset.id)
    assert opinion.score == run.result["score"] and opinion.run_id == run.id
    assert opinion.reasons == run.result["reasons"]
    assert studio.quality(asset.id) is None  # an opinion is not a measurement
    assert [e.asset.id for e in events] == [asset.id]
    with pytest.raises(ValueError, match="no output"):
        await studio.assist.judge("nope")


async def test_a_refusal_is_asked_once_more_then_named(studio, sandbox):
    set_faults(sandbox, refuse_answer={"count": 1, "provider": "assistant"})
    run = await studio.assist.enhance("a red fox in snow")
    assert run.status is RunStatus.SUCCEEDED and len(run.requests) == 2
    assert run.requests[0]["body"] == run.requests[1]["body"]  # asked again as it was
    set_faults(sandbox, refuse_answer={"count": 2, "provider": "assistant"})
    with pytest.raises(AssistError, match="the model refused: I'm sorry") as caught:
        await studio.assist.enhance("a red fox in snow")
    failed = studio.assist.run(caught.value.run_id)
    assert failed.status is RunStatus.FAILED and len(failed.requests) == 2
    assert "asked twice" in failed.error


async def test_a_malformed_answer_is_shown_its_mistake_then_named(studio, sandbox):
    set_faults(sandbox, malformed_answer={"count": 1, "provider": "assistant"})
    run = await studio.assist.analyze("https://cdn.example.test/a.png")
    assert run.status is RunStatus.SUCCEEDED
    second = run.requests[1]["body"]["messages"]
    assert second[-2]["role"] == "assistant"
    assert "not valid JSON" in second[-1]["content"]
    set_faults(sandbox, malformed_answer={"count": 2, "provider": "assistant"})
    with pytest.raises(AssistError, match="not valid JSON"):
        await studio.assist.analyze("https://cdn.example.test/a.png")


async def test_http_trouble_is_an_error_in_words(studio, sandbox):
    set_faults(sandbox, rate_limit={"count": 1, "provider": "assistant", "retry_after": 2})
    with pytest.raises(AssistError, match="rate limited by the provider"):
        await studio.assist.enhance("a fox")
    set_faults(sandbox, malformed_json={"count": 1, "provider": "assistant"})
    with pytest.raises(AssistError, match="malformed response"):
        await studio.assist.enhance("a fox")


@pytest.mark.parametrize(("call", "words"), [
    (lambda a: a.enhance("   "), "the prompt is empty"),
    (lambda a: a.enhance("x", "fal"), "give PROVIDER:MODEL"),
    (lambda a: a.enhance("x", "fal:no-such-model"), "no model 'no-such-model'"),
    (lambda a: a.adapt("x", []), "at least one"),
    (lambda a: a.story("a brief", 0), "scenes must be from 1"),
    (lambda a: a.story(" ", 2), "the brief is empty"),
])
async def test_bad_input_is_refused_before_anything_is_recorded(studio, call, words):
    with pytest.raises(ValueError, match=words):
        await call(studio.assist)
    assert studio.assist.recent() == []


def test_answer_schemas_are_strict_everywhere():
    def objects(node):
        if isinstance(node, dict):
            if node.get("type") == "object":
                yield node
            for value in node.values():
                yield from objects(value)
        elif isinstance(node, list):
            for value in node:
                yield from objects(value)

    for model in (ImageAnalysis, story_draft(3)):
        schema = strict_schema(model)
        found = list(objects(schema))
        assert len(found) >= 2
        for obj in found:
            assert obj["additionalProperties"] is False
            assert obj["required"] == list(obj["properties"])
    draft = strict_schema(story_draft(3))
    assert "title" in draft["properties"]  # a field named title survives
    assert draft["properties"]["scenes"]["minItems"] == draft["properties"]["scenes"][
        "maxItems"] == 3


async def test_a_cancelled_flow_is_recorded_as_stopped(home, sandbox):
    set_faults(sandbox, throttle_next={"count": 1, "provider": "assistant", "seconds": 5})
    studio = assistant_studio(home, sandbox)
    try:
        task = asyncio.ensure_future(studio.assist.enhance("a fox"))
        await wait_for(lambda: chat_requests(sandbox), "the request to reach the sandbox")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        [run] = studio.assist.recent()
        assert run.status is RunStatus.FAILED and run.error == "stopped: CancelledError"
    finally:
        await studio.aclose()
