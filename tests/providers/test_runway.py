"""Runway adapter: the exact requests it builds and prices, its reading of task answers, and
whole Studio jobs over real HTTP against the sandbox."""

import asyncio
import base64
import json
from datetime import datetime
from pathlib import Path

import av
import httpx
import pytest
from PIL import Image
from pydantic import ValidationError

from studio.core.config import set_value
from studio.core.jobs import JobStatus
from studio.core.secrets import SANDBOX_KEY
from studio.core.service import Studio
from studio.providers.base import (
    Failed,
    InputImage,
    Pending,
    ProviderContext,
    ProviderError,
    RenderRequest,
    Succeeded,
)
from studio.providers.runway import MODELS, RunwayProvider, failure_from
from studio.sandbox.recorder import fingerprint
from tests.conftest import TEST_KEY, sandbox_posts, sandbox_requests, set_faults

CTX = ProviderContext(base_url="https://api.dev.runwayml.com", key=TEST_KEY)
SANDBOX_AUTH = f"Bearer <redacted sha256:{fingerprint(SANDBOX_KEY)}>"
runway = RunwayProvider()
PNG = InputImage("in.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 600, "ab" * 32)
PNG_URI = "data:image/png;base64," + base64.b64encode(PNG.data).decode()


def build(model, prompt="a red fox", images=(), **kw):
    params = kw.pop("params", {})
    req = RenderRequest(provider="runway", model=model, prompt=prompt, params=params, **kw)
    return runway.build(req, MODELS[model].params.model_validate(params), images, CTX)


def test_image_to_video_request_is_exactly_what_runway_expects():
    call = build("gen4_turbo", images=[PNG], seed=7, negative_prompt="gen4 has none",
                 params={"ratio": "960:960", "duration": 2, "publicFigureThreshold": "low"})
    assert (call.method, call.url) == ("POST", "https://api.dev.runwayml.com/v1/image_to_video")
    assert call.headers == {"Authorization": f"Bearer {TEST_KEY}",
                            "X-Runway-Version": "2024-11-06",
                            "Content-Type": "application/json"}
    assert json.loads(call.body_bytes()) == {
        "model": "gen4_turbo", "promptImage": PNG_URI, "promptText": "a red fox",
        "ratio": "960:960", "duration": 2, "seed": 7,
        "contentModeration": {"publicFigureThreshold": "low"}}
    record = call.record()
    assert record["headers"]["Authorization"] == "Bearer ***"
    assert record["body"]["promptImage"].startswith("data:image/png;base64,<")
    assert TEST_KEY not in json.dumps(record)


@pytest.mark.parametrize(("model", "kw", "path", "body"), [
    ("gen4.5", dict(images=[PNG], seed=3), "image_to_video",
     {"model": "gen4.5", "promptImage": PNG_URI, "ratio": "1280:720", "duration": 5, "seed": 3}),
    ("gen4.5/text_to_video", dict(seed=3, params={"ratio": "720:1280", "duration": 10}),
     "text_to_video", {"model": "gen4.5", "ratio": "720:1280", "duration": 10, "seed": 3}),
    # Veo takes no seed but does take a negative prompt; audio is always sent explicitly.
    ("veo3.1", dict(images=[PNG], seed=3, negative_prompt="blur", params={"audio": True}),
     "image_to_video", {"model": "veo3.1", "promptImage": PNG_URI, "ratio": "1280:720",
                        "duration": 8, "audio": True, "negativePrompt": "blur"}),
    ("veo3.1_fast", dict(images=[PNG], params={"ratio": "1080:1920", "duration": 4}),
     "image_to_video", {"model": "veo3.1_fast", "promptImage": PNG_URI, "ratio": "1080:1920",
                        "duration": 4, "audio": False}),
    ("veo3.1/text_to_video", dict(seed=3, negative_prompt="blur", params={"duration": 6}),
     "text_to_video", {"model": "veo3.1", "ratio": "1280:720", "duration": 6, "audio": False}),
    ("gen4_image", dict(images=[PNG, PNG], seed=9, params={"ratio": "1280:720"}),
     "text_to_image", {"model": "gen4_image", "ratio": "1280:720", "seed": 9,
                       "referenceImages": [{"uri": PNG_URI, "tag": "ref1"},
                                           {"uri": PNG_URI, "tag": "ref2"}]}),
])
def test_each_model_builds_its_endpoint_and_body(model, kw, path, body):
    call = build(model, prompt="@ref1 on a beach", **kw)
    assert call.url == f"https://api.dev.runwayml.com/v1/{path}"
    assert call.json_body == {**body, "promptText": "@ref1 on a beach"}


@pytest.mark.parametrize(("model", "params", "credits"), [
    ("gen4_turbo", {"duration": 10}, 50),
    ("gen4.5", {"duration": 2}, 24),
    ("gen4.5/text_to_video", {}, 60),
    ("veo3.1", {"duration": 8}, 160),
    ("veo3.1", {"duration": 8, "audio": True}, 320),
    ("veo3.1_fast", {"duration": 4}, 40),
    ("veo3.1_fast", {"duration": 6, "audio": True}, 90),
    ("veo3.1/text_to_video", {"duration": 4, "audio": True}, 160),
    ("gen4_image", {"ratio": "1280:720"}, 5),
    ("gen4_image", {"ratio": "720:720"}, 5),
    ("gen4_image", {"ratio": "1920:1080"}, 8),
    ("gen4_image", {"ratio": "1024:1024"}, 8),
])
def test_price_in_credits_and_dollars(model, params, credits):
    price = MODELS[model].estimate(MODELS[model].params.model_validate(params))
    assert price.credits == credits
    assert price.usd == pytest.approx(credits * 0.01)
    assert price.approximate is (model.startswith("veo") or model == "gen4_image")


@pytest.mark.parametrize(("model", "params"), [
    ("veo3.1", {"duration": 5}), ("veo3.1", {"ratio": "960:960"}),
    ("gen4_turbo", {"duration": 11}), ("gen4.5/text_to_video", {"ratio": "960:960"}),
    ("gen4_image", {"ratio": "16:9"}), ("gen4_turbo", {"publicFigureThreshold": "high"}),
])
def test_values_runway_would_reject_are_refused_before_sending(model, params):
    with pytest.raises(ValidationError):
        MODELS[model].params.model_validate(params)


@pytest.mark.parametrize(("code", "words", "retryable"), [
    ("SAFETY.INPUT.TEXT", "refused by Runway's safety filter; change it (credits are not "
                          "refunded)", False),
    ("SAFETY.OUTPUT.VIDEO", "blocked the output; try a different prompt", False),
    ("INTERNAL.BAD_OUTPUT.CODE01", "internal error; retry", True),
    ("INTERNAL", "internal error; retry", True),
    ("ASSET.INVALID", "an input image could not be used: Unsupported image", False),
    ("SOMETHING.NEW", "Unsupported image", False),
])
def test_failure_codes_become_actionable_messages(code, words, retryable):
    failed = failure_from({"status": "FAILED", "failure": "Unsupported image",
                           "failureCode": code})
    assert words in failed.message
    assert (failed.code, failed.retryable) == (code, retryable)


async def test_task_states_are_read_into_pending_succeeded_and_cancelled():
    answers = [{"status": "PENDING"}, {"status": "THROTTLED"},
               {"status": "RUNNING", "progress": 0.4},
               {"status": "SUCCEEDED", "output": ["https://dnznrvs05pmza.cloudfront.net/v.mp4"]},
               {"status": "CANCELLED"}, {"status": "EXPLODED"}]
    seen = []

    def handler(request: httpx.Request):
        seen.append(request)
        return httpx.Response(200, json=answers.pop(0))

    handle = (await _submitted(httpx.MockTransport(lambda r: httpx.Response(
        200, json={"id": "task-1"})))).handle
    assert handle.urls == {"task": "https://api.dev.runwayml.com/v1/tasks/task-1"}
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        results = [await runway.poll(http, handle, CTX) for _ in range(5)]
        with pytest.raises(ProviderError) as info:
            await runway.poll(http, handle, CTX)
    assert results[0] == Pending("queued", raw={"status": "PENDING"})
    assert results[1].state == "queued" and "throttled" in results[1].message
    assert results[2].state == "running" and results[2].progress == 0.4
    assert isinstance(results[3], Succeeded)
    assert results[3].outputs[0].url.endswith("/v.mp4")
    assert isinstance(results[4], Failed) and results[4].code == "cancelled"
    assert info.value.retryable
    assert {r.headers["x-runway-version"] for r in seen} == {"2024-11-06"}


async def _submitted(transport):
    async with httpx.AsyncClient(transport=transport) as http:
        return await runway.submit(http, build("gen4_turbo", images=[PNG]), CTX)


# ---- whole jobs against the sandbox -------------------------------------------------------


def live_studio(home, sandbox) -> Studio:
    studio = Studio(home, sandbox_url=sandbox.url)
    settings = set_value(studio.settings, "features.enable_public_video_providers", "true")
    settings = set_value(settings, "features.enable_public_image_providers", "true")
    studio.update_settings(settings)
    return studio


def png_file(tmp_path: Path, size=(64, 48)) -> Path:
    path = tmp_path / "start.png"
    Image.new("RGB", size, (200, 40, 30)).save(path)
    return path


def i2v(tmp_path, **kw) -> RenderRequest:
    return RenderRequest(provider="runway", model="gen4_turbo", prompt="the fox turns its head",
                         input_images=[str(png_file(tmp_path))],
                         params={"ratio": "960:960", "duration": 2}, **kw)


async def wait_for(studio, job_id, check, timeout=5.0):
    for _ in range(int(timeout / 0.02)):
        job = studio.store.get_job(job_id)
        if check(job):
            return job
        await asyncio.sleep(0.02)
    raise AssertionError(f"not reached; job is {job.status} {job.message!r}")


async def test_image_to_video_job_end_to_end(home, sandbox, tmp_path):
    set_faults(sandbox, run_seconds=1.5)  # long enough to be seen running
    studio = live_studio(home, sandbox)
    try:
        await studio.catalog.refresh_quotas(force=True)  # the balance before the job
        job = await studio.wait((await studio.submit(i2v(tmp_path, seed=42))).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        # Runway tasks report no cost: the organization's creditBalance fell by it.
        assert (job.actual_cost["credits"], job.actual_cost["usd"]) == (10, 0.1)
        assert job.actual_cost["exact"] and "balance before and after" in (
            job.actual_cost["basis"])
        assert job.estimate["credits"] == 10
        [asset] = studio.store.assets_for_job(job.id)
        with av.open(asset.path) as container:
            frames = list(container.decode(video=0))
        assert len(frames) >= 12 and frames[0].width == frames[0].height
        statuses = [e["to"] for e in studio.store.events(job.id) if e["kind"] == "status"]
        assert statuses == ["queued", "submitting", "submitted", "running", "succeeded"]
    finally:
        await studio.aclose()
    [before, post, *polls, after] = sandbox_requests(sandbox, "runway")
    assert before["path"] == after["path"] == "/runway/v1/organization"
    assert post["path"] == "/runway/v1/image_to_video"
    assert post["headers"]["x-runway-version"] == "2024-11-06"
    assert post["headers"]["authorization"] == SANDBOX_AUTH
    data = png_file(tmp_path).read_bytes()
    assert post["body"] == {"model": "gen4_turbo", "promptText": "the fox turns its head",
                            "promptImage": "data:image/png;base64," + base64.b64encode(
                                data).decode(), "ratio": "960:960", "duration": 2, "seed": 42}
    assert {(p["method"], p["path"]) for p in polls} == {
        ("GET", f"/runway/v1/tasks/{job.remote_id}")}


async def test_text_to_image_job_with_a_tagged_reference(home, sandbox, tmp_path):
    studio = live_studio(home, sandbox)
    try:
        request = RenderRequest(provider="runway", model="gen4_image", prompt="@ref1 in space",
                                input_images=[str(png_file(tmp_path))],
                                params={"ratio": "1280:720"})
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        [asset] = studio.store.assets_for_job(job.id)
        assert Path(asset.path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (asset.width, asset.height) == (1280, 720)
    finally:
        await studio.aclose()
    post = sandbox_posts(sandbox, "runway")[0]
    assert post["path"] == "/runway/v1/text_to_image"
    assert [r["tag"] for r in post["body"]["referenceImages"]] == ["ref1"]


async def test_safety_refusal_fails_with_advice_and_is_not_retried(home, sandbox, tmp_path):
    set_faults(sandbox, fail_next={"provider": "runway", "code": "SAFETY.INPUT.TEXT",
                                   "message": "Prompt flagged"})
    studio = live_studio(home, sandbox)
    try:
        job = await studio.wait((await studio.submit(i2v(tmp_path))).id)
        assert job.status is JobStatus.FAILED
        assert job.error_code == "SAFETY.INPUT.TEXT"
        assert "change it (credits are not refunded)" in job.error
        assert "Prompt flagged" in job.error
        assert studio.store.assets_for_job(job.id) == []
    finally:
        await studio.aclose()
    posts = [r for r in sandbox_requests(sandbox, "runway") if r["method"] == "POST"]
    assert len(posts) == 1


async def test_cancel_running_task_deletes_it_at_runway(home, sandbox, tmp_path):
    set_faults(sandbox, run_seconds=5)
    studio = live_studio(home, sandbox)
    try:
        job = await studio.submit(i2v(tmp_path))
        await wait_for(studio, job.id, lambda j: j.status is JobStatus.RUNNING)
        job = await studio.cancel(job.id)
        assert job.status is JobStatus.CANCELLED
    finally:
        await studio.aclose()
    deletes = [r for r in sandbox_requests(sandbox, "runway") if r["method"] == "DELETE"]
    assert [(d["path"], d["status"]) for d in deletes] == [
        (f"/runway/v1/tasks/{job.remote_id}", 204)]
    assert not (home.assets_dir / job.id).exists()


async def test_throttled_task_shows_as_queued_with_a_reason(home, sandbox, tmp_path):
    set_faults(sandbox, throttle_next={"provider": "runway", "seconds": 1.5})
    studio = live_studio(home, sandbox)
    try:
        job = await studio.submit(i2v(tmp_path))
        seen = await wait_for(studio, job.id, lambda j: j.message and "throttled" in j.message)
        assert seen.status is JobStatus.SUBMITTED  # queued, not running
        assert seen.message == "throttled: waiting for a free concurrency slot"
        assert (await studio.wait(job.id)).status is JobStatus.SUCCEEDED
    finally:
        await studio.aclose()


async def test_rate_limited_poll_waits_for_retry_after(home, sandbox, tmp_path):
    studio = live_studio(home, sandbox)
    try:
        job = await studio.submit(i2v(tmp_path))
        await wait_for(studio, job.id, lambda j: j.remote_id)
        set_faults(sandbox, rate_limit={"provider": "runway", "count": 1, "retry_after": 1})
        job = await studio.wait(job.id)
        assert job.status is JobStatus.SUCCEEDED, job.error
    finally:
        await studio.aclose()
    polls = [r for r in sandbox_requests(sandbox, "runway") if r["method"] == "GET"]
    limited = next(i for i, r in enumerate(polls) if r["status"] == 429)
    gap = (datetime.fromisoformat(polls[limited + 1]["time"])
           - datetime.fromisoformat(polls[limited]["time"])).total_seconds()
    assert gap >= 1.0


async def test_credit_balance_and_low_quota(home, sandbox):
    studio = live_studio(home, sandbox)
    try:
        assert await studio.catalog.refresh_quotas(force=True) == {}
        assert studio.catalog.entry("runway").status == "live"  # 1000 credits = $10
        set_faults(sandbox, runway_credits=5)
        quota = await runway.usage(await studio.http(), studio.context("runway"))
        assert (quota.remaining, quota.unit, quota.usd) == (5, "credits", pytest.approx(0.05))
        await studio.catalog.refresh_quotas(force=True)
        entry = studio.catalog.entry("runway")
        assert entry.status == "low-quota" and entry.quota["remaining"] == 5
        assert "5 credits left" in entry.reason
    finally:
        await studio.aclose()
    orgs = [r for r in sandbox_requests(sandbox, "runway") if r["path"].endswith("/organization")]
    assert orgs and all(r["headers"]["x-runway-version"] == "2024-11-06" for r in orgs)


async def test_dry_run_records_and_estimates_without_sending(home, sandbox, tmp_path):
    studio = Studio(home, sandbox_url=sandbox.url, sandbox_live=False)  # flags off: dry-run
    try:
        job = await studio.submit(i2v(tmp_path))
        assert job.status is JobStatus.DRY_RUN
        assert job.estimate["credits"] == 10 and job.estimate["usd"] == pytest.approx(0.10)
        assert job.prepared["url"] == f"{sandbox.url}/runway/v1/image_to_video"
        assert job.prepared["body"]["model"] == "gen4_turbo"
        assert job.prepared["headers"]["X-Runway-Version"] == "2024-11-06"
    finally:
        await studio.aclose()
    assert sandbox_requests(sandbox, "runway") == []
