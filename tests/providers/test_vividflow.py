"""Vivid Flow adapter: multipart requests per model, image URLs, errors with details and
retry_after, and whole Studio jobs over real HTTP against the sandbox."""

import asyncio
from datetime import datetime

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
    InputImage,
    ProviderContext,
    ProviderError,
    RemoteHandle,
    RenderRequest,
    Succeeded,
)
from studio.providers.http import raise_for_status
from studio.providers.polling import poll_until_done
from studio.providers.vividflow import FRIENDLY_ERRORS, MODELS, VividFlowProvider, describe_metrics
from studio.sandbox.recorder import fingerprint
from tests.conftest import TEST_KEY, sandbox_requests, set_faults

vivid = VividFlowProvider()
CTX = ProviderContext(base_url="https://vivid.studioionique.com/api/v1", key=TEST_KEY)
PNG = InputImage("start.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "ab" * 32)


def build(model, prompt="a fox runs", images=(PNG,), **kw):
    params = kw.pop("params", {})
    request = RenderRequest(provider="vividflow", model=model, prompt=prompt, params=params, **kw)
    return vivid.build(request, MODELS[model].params.model_validate(params), images, CTX)


def test_wan_request_is_multipart_with_the_image_and_every_setting():
    call = build("wan2.1", seed=7, negative_prompt="blur", params={"cfg": 9, "length": 33})
    assert (call.method, call.url) == ("POST", "https://vivid.studioionique.com/api/v1/generate")
    assert call.headers == {"X-API-Key": TEST_KEY, "Accept": "application/json"}
    assert call.form == {"prompt": "a fox runs", "model": "wan2.1", "cfg": "9.0",
                         "width": "1280", "height": "720", "length": "33", "steps": "30",
                         "negative_prompt": "blur", "seed": "7"}
    assert [(f.field, f.filename, f.data) for f in call.files] == [("image", "start.png",
                                                                    PNG.data)]
    assert call.record()["headers"]["X-API-Key"] == "***"


def test_veo_request_sends_its_own_fields_only():
    call = build("veo3.1", seed=7, negative_prompt="blur",
                 params={"camera_motion": "slow dolly in"})
    # duration_seconds defaults to 4, as Vivid Flow's API document says.
    assert call.form == {"prompt": "a fox runs", "model": "veo3.1", "duration_seconds": "4",
                         "resolution": "720p", "camera_motion": "slow dolly in",
                         "enhance_prompt": "false"}


@pytest.mark.parametrize("url", ["gs://my-bucket/frames/a.png", "https://example.com/a.png"])
def test_an_image_url_replaces_the_upload_and_goes_as_given(url):
    """The API takes gs:// URLs itself: they are not rewritten to https."""
    call = build("wan2.1", images=(), params={"image_url": url})
    assert call.form["image_url"] == url and call.files == ()


def test_an_https_input_image_goes_as_image_url():
    image = InputImage("a.png", "image/*", b"", "", url="https://example.com/a.png")
    call = build("wan2.1", images=(image,))
    assert call.form["image_url"] == "https://example.com/a.png" and call.files == ()


@pytest.mark.parametrize("url", ["http://example.com/a.png", "gs://bucket", "ftp://x/y",
                                 "file:///etc/passwd"])
def test_other_image_urls_are_refused(url):
    with pytest.raises(ValidationError):
        MODELS["wan2.1"].params.model_validate({"image_url": url})


def test_bounds_and_the_need_for_an_image():
    for model, bad in (("wan2.1", {"cfg": 0.5}), ("wan2.1", {"cfg": 20.5}),
                       ("wan2.1", {"width": 0}), ("veo3.1", {"duration_seconds": 5}),
                       ("veo3.1", {"resolution": "4k"})):
        with pytest.raises(ValidationError):
            MODELS[model].params.model_validate(bad)
    # Only cfg's range is documented: sizes, lengths and steps outside the old guesses pass.
    wan = MODELS["wan2.1"].params.model_validate(
        {"width": 1000, "height": 2400, "length": 200, "steps": 150})
    assert (wan.width, wan.height, wan.length, wan.steps) == (1000, 2400, 200, 150)
    with pytest.raises(ValueError, match=r"needs an input image or params\.image_url"):
        build("wan2.1", images=())
    price = MODELS["veo3.1"].estimate(MODELS["veo3.1"].params())
    assert (price.usd, price.credits) == (None, 1.0) and "no published price" in price.basis
    assert price.source.url == "https://vivid.studioionique.com/api/v1"


@pytest.mark.parametrize(("status", "body", "words", "retry_after"), [
    (400, {"error": "validation_error", "message": "Invalid request",
           "details": [{"field": "cfg", "message": "must be between 1.0 and 20.0"}]},
     "rejected the request (HTTP 400): Invalid request: cfg: must be between 1.0 and 20.0",
     None),
    (401, {"error": "unauthorized", "message": "bad key"}, "check VIVIDFLOW_API_KEY", None),
    (429, {"error": "rate_limited", "retry_after": 7}, "retrying in 7 s (HTTP 429)", 7.0),
])
def test_errors_become_actionable_and_429_keeps_the_body_retry_after(status, body, words,
                                                                     retry_after):
    with pytest.raises(ProviderError) as info:
        raise_for_status(httpx.Response(status, json=body), "Vivid Flow generate",
                         friendly=FRIENDLY_ERRORS, retry_after_in_body=True)
    assert words in info.value.message
    assert (info.value.status, info.value.retry_after) == (status, retry_after)
    assert info.value.retryable is (status == 429)


# ---- whole jobs against the sandbox -------------------------------------------------------


def live_studio(home, sandbox) -> Studio:
    studio = Studio(home, sandbox_url=sandbox.url)
    studio.update_settings(set_value(studio.settings, "features.enable_public_video_providers",
                                     "true"))
    return studio


def png_file(tmp_path):
    path = tmp_path / "start.png"
    Image.new("RGB", (80, 60), (10, 160, 90)).save(path)
    return path


def small_wan(tmp_path, **kw):
    return RenderRequest(provider="vividflow", model="wan2.1", prompt="the fox turns",
                         input_images=[str(png_file(tmp_path))],
                         params={"width": 320, "height": 256, "length": 17}, **kw)


def vivid_requests(sandbox, method=None):
    return [r for r in sandbox_requests(sandbox, "vividflow")
            if method is None or r["method"] == method]


def gap(first, second) -> float:
    return (datetime.fromisoformat(second["time"])
            - datetime.fromisoformat(first["time"])).total_seconds()


async def test_image_to_video_job_end_to_end(home, sandbox, tmp_path):
    studio = live_studio(home, sandbox)
    try:
        job = await studio.wait((await studio.submit(small_wan(tmp_path, seed=3))).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        assert job.message.startswith("generated in") and "in all" in job.message
        [asset] = studio.store.assets_for_job(job.id)
        with av.open(asset.path) as container:
            frames = list(container.decode(video=0))
        assert (frames[0].width, frames[0].height) == (320, 256) and len(frames) >= 12
    finally:
        await studio.aclose()
    [post] = vivid_requests(sandbox, "POST")
    polls = vivid_requests(sandbox, "GET")
    assert post["status"] == 202 and post["path"] == "/vividflow/generate"
    assert post["headers"]["x-api-key"] == f"<redacted sha256:{fingerprint(SANDBOX_KEY)}>"
    assert post["body"]["fields"] == {"prompt": "the fox turns", "model": "wan2.1",
                                      "cfg": "7.5", "width": "320", "height": "256",
                                      "length": "17", "steps": "30", "seed": "3"}
    assert [f["field"] for f in post["body"]["files"]] == ["image"]
    assert {p["path"] for p in polls if p["method"] == "GET"} >= {
        f"/vividflow/status/{job.remote_id}"}


def test_metrics_are_the_documented_ones():
    assert describe_metrics({"generation_time": 41.2, "spin_up_time": 3.0,
                             "total_time": 44.9}) == (
        "generated in 41.2 s (spin-up 3.0 s, 44.9 s in all)")
    # The old field names are not read any more.
    assert describe_metrics({"generation_time_seconds": 9, "credits_used": 1}) is None


async def test_veo_job_from_a_gs_url(sandbox):
    # Studio's request check wants an input file for img2video, so drive the adapter directly.
    ctx = ProviderContext(base_url=f"{sandbox.url}/vividflow", key=TEST_KEY)
    request = RenderRequest(provider="vividflow", model="veo3.1", prompt="clouds part",
                            params={"image_url": "gs://frames/sky.png", "duration_seconds": 4})
    params = MODELS["veo3.1"].params.model_validate(request.params)
    async with httpx.AsyncClient() as http:
        submitted = await vivid.submit(http, vivid.build(request, params, (), ctx), ctx)
        result = await poll_until_done(lambda: vivid.poll(http, submitted.handle, ctx))
        assert isinstance(result, Succeeded)
        [output] = result.outputs
        assert output.needs_auth  # the result lives on Vivid Flow's own host
        video = await http.get(output.url, headers=vivid.download_headers(ctx))
        assert video.headers["content-type"] == "video/mp4"
    fields = vivid_requests(sandbox, "POST")[0]["body"]["fields"]
    assert fields["image_url"] == "gs://frames/sky.png"


async def test_a_429_on_status_waits_exactly_the_retry_after_in_the_body(
        home, sandbox, tmp_path):
    studio = live_studio(home, sandbox)
    try:
        job = await studio.submit(small_wan(tmp_path))
        while not studio.store.get_job(job.id).remote_id:
            await asyncio.sleep(0.01)
        set_faults(sandbox, rate_limit={"provider": "vividflow", "count": 1, "retry_after": 1})
        job = await studio.wait(job.id)
        assert job.status is JobStatus.SUCCEEDED, job.error
    finally:
        await studio.aclose()
    polls = vivid_requests(sandbox, "GET")
    limited = next(i for i, r in enumerate(polls) if r["status"] == 429)
    assert 1.0 <= gap(polls[limited], polls[limited + 1]) < 1.4  # +10 % jitter at most


async def test_a_429_on_submit_is_retried_after_retry_after(home, sandbox, tmp_path):
    studio = live_studio(home, sandbox)
    try:
        await studio.catalog.refresh_quotas(force=True)  # the balance read, before the fault
        set_faults(sandbox, rate_limit={"provider": "vividflow", "count": 1, "retry_after": 1})
        job = await studio.wait((await studio.submit(small_wan(tmp_path))).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
    finally:
        await studio.aclose()
    first, second = vivid_requests(sandbox, "POST")[:2]
    assert (first["status"], second["status"]) == (429, 202)
    assert gap(first, second) >= 1.0


async def test_cancel_works_on_queued_jobs_only(home, sandbox, tmp_path):
    set_faults(sandbox, queue_seconds=5)
    studio = live_studio(home, sandbox)
    http = await studio.http()
    ctx = studio.context("vividflow")
    try:
        job = await studio.submit(small_wan(tmp_path))
        while not studio.store.get_job(job.id).remote_id:
            await asyncio.sleep(0.01)
        job = await studio.cancel(job.id)
        assert job.status is JobStatus.CANCELLED
        set_faults(sandbox, queue_seconds=0, run_seconds=5)
        running = await studio.submit(small_wan(tmp_path))
        while studio.store.get_job(running.id).status is not JobStatus.RUNNING:
            await asyncio.sleep(0.01)
        running = studio.store.get_job(running.id)
        assert await vivid.cancel(http, RemoteHandle.from_json(running.remote), ctx) is False
        history = await vivid.history(http, ctx, limit=500)
        assert [j["job_id"] for j in history[:2]] == [running.remote_id, job.remote_id]
        assert history[1]["status"] == "cancelled"
    finally:
        await studio.aclose()
    cancels = [(r["path"], r["status"]) for r in vivid_requests(sandbox, "POST")
               if "/cancel/" in r["path"]]
    assert cancels == [(f"/vividflow/cancel/{job.remote_id}", 200),
                       (f"/vividflow/cancel/{running.remote_id}", 400)]
    [listing] = [r for r in vivid_requests(sandbox, "GET") if r["path"].endswith("/history")]
    assert listing["query"] == {"limit": "100"}


async def test_failed_job_reports_the_error_message(home, sandbox, tmp_path):
    set_faults(sandbox, fail_next={"provider": "vividflow", "message": "NSFW input rejected"})
    studio = live_studio(home, sandbox)
    try:
        job = await studio.wait((await studio.submit(small_wan(tmp_path))).id)
    finally:
        await studio.aclose()
    assert (job.status, job.error) == (JobStatus.FAILED, "Vivid Flow: NSFW input rejected")


async def test_usage_is_the_quota_and_low_credits_show_as_low_quota(home, sandbox):
    studio = live_studio(home, sandbox)
    try:
        await studio.catalog.refresh_quotas(force=True)
        entry = studio.catalog.entry("vividflow")
        assert entry.status == "live"
        assert entry.quota["remaining"] == 100 and entry.quota["unit"] == "credits"
        assert entry.quota["detail"].startswith("100 credits left of 100 a day; resets ")
        httpx.post(f"{sandbox.url}/_sandbox/vividflow", json={"credits_remaining": 3})
        await studio.catalog.refresh_quotas(force=True)
        entry = studio.catalog.entry("vividflow")
        assert entry.status == "low-quota" and "3 credits left" in entry.reason
    finally:
        httpx.delete(f"{sandbox.url}/_sandbox/faults")  # restores the credits too
        await studio.aclose()
    assert httpx.get(f"{sandbox.url}/_sandbox/vividflow").json()["credits_remaining"] == 100
