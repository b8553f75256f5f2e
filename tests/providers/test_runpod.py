"""RunPod Serverless adapter: ComfyUI-worker and raw payloads, reading job statuses and
worker outputs, and whole Studio jobs over real HTTP against the sandbox."""

import asyncio
import base64
import io

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
    RemoteHandle,
    RenderRequest,
    Succeeded,
)
from studio.providers.runpod import RunPodProvider, is_api_root, outputs_from
from studio.sandbox.recorder import fingerprint
from tests.conftest import TEST_KEY, sandbox_requests, set_faults

runpod = RunPodProvider()
CTX = ProviderContext(base_url="https://api.runpod.ai/v2", key=TEST_KEY)
SANDBOX_AUTH = f"Bearer <redacted sha256:{fingerprint(SANDBOX_KEY)}>"


def png_bytes(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 30)).save(out, "PNG")
    return out.getvalue()


PNG = png_bytes()
B64 = base64.b64encode(PNG).decode()


def build(model, prompt="a fox", images=(), ctx=CTX, **kw):
    params = kw.pop("params", {})
    request = RenderRequest(provider="runpod", model=model, prompt=prompt, params=params, **kw)
    return runpod.build(request, runpod.models[model].params.model_validate(params), images, ctx)


def test_comfyui_worker_request_carries_the_workflow_and_images():
    image = InputImage("in.png", "image/png", PNG + b"\0" * 600, "ef" * 32)
    call = build("comfyui/sdxl-img2img", images=[image], seed=3,
                 params={"endpoint_id": "abc123", "strength": 0.4})
    assert (call.method, call.url) == ("POST", "https://api.runpod.ai/v2/abc123/run")
    assert call.headers == {"Authorization": f"Bearer {TEST_KEY}",
                            "Content-Type": "application/json"}
    name = "studio-efefefefefefefef.png"
    graph = call.json_body["input"]["workflow"]
    assert graph["10"]["inputs"]["image"] == name and graph["3"]["inputs"]["denoise"] == 0.4
    assert call.json_body["input"]["images"] == [
        {"name": name, "image": "data:image/png;base64,"
                                + base64.b64encode(image.data).decode()}]
    assert call.record()["body"]["input"]["images"][0]["image"].endswith(" chars>")
    assert call.record()["headers"]["Authorization"] == "Bearer ***"


def test_endpoint_can_live_in_the_base_url_setting():
    ctx = ProviderContext(base_url="https://api.runpod.ai/v2/abc123", key=TEST_KEY)
    assert build("raw/image", ctx=ctx).url == "https://api.runpod.ai/v2/abc123/run"
    assert build("raw/image", ctx=ctx, params={"endpoint_id": "other"}).url == (
        "https://api.runpod.ai/v2/abc123/other/run")
    assert is_api_root("https://api.runpod.ai/v2") and not is_api_root(ctx.base_url)


def test_raw_mode_sends_the_json_object_as_the_input():
    call = build("raw/video", params={"input": {"steps": 4, "style": {"x": 1}}})
    assert call.json_body == {"input": {"steps": 4, "style": {"x": 1}, "prompt": "a fox"}}
    call = build("raw/image", params={"input": {"prompt": "theirs"}})
    assert call.json_body == {"input": {"prompt": "theirs"}}
    for bad in ({"input": [1, 2]}, {"input": "{}"}, {"endpoint_id": "../admin"},
                {"other": 1}):
        with pytest.raises(ValidationError):
            runpod.models["raw/image"].params.model_validate(bad)


def test_outputs_are_found_as_base64_urls_or_data_uris():
    found = outputs_from({"images": [{"filename": "a.png", "type": "base64", "data": B64},
                                     {"filename": "b.png", "type": "s3_url",
                                      "data": "https://bucket.s3.amazonaws.com/b.png"}],
                          "note": "https://example.com/docs"})
    assert [(o.data == PNG, o.url, o.media_type, o.filename) for o in found] == [
        (True, None, "image/png", "a.png"),
        (False, "https://bucket.s3.amazonaws.com/b.png", None, "b.png")]
    assert outputs_from({"message": B64, "status": "success"})[0].data == PNG
    assert outputs_from(f"data:image/png;base64,{B64}")[0].url.startswith("data:image/png")
    assert outputs_from({"video_url": "https://cdn.example/v.mp4"})[0].url.endswith("v.mp4")
    assert outputs_from({"text": "no media here", "count": 3}) == []


async def test_statuses_map_to_pending_succeeded_and_failed():
    answers = [
        {"status": "IN_QUEUE"}, {"status": "IN_PROGRESS", "output": "45%"},
        # RunPod's job-states page lists RUNNING too: a worker is processing the job.
        {"status": "RUNNING", "output": "60%"},
        {"status": "COMPLETED", "output": {"images": [{"type": "base64", "data": B64}]},
         "executionTime": 2500, "delayTime": 1200},
        {"status": "COMPLETED", "output": {"error": "workflow failed"}},
        {"status": "FAILED", "error": '{"error_type": "RuntimeError", "error_message": "OOM"}'},
        {"status": "CANCELLED"}, {"status": "TIMED_OUT"}]
    handle = RemoteHandle("j1", {"status": "https://api.runpod.ai/v2/e/status/j1",
                                 "cancel": "https://api.runpod.ai/v2/e/cancel/j1"})
    transport = httpx.MockTransport(lambda r: httpx.Response(200, json=answers.pop(0)))
    async with httpx.AsyncClient(transport=transport) as http:
        results = [await runpod.poll(http, handle, CTX) for _ in range(8)]
    assert results[0] == Pending("queued", message="waiting for a worker",
                                 raw={"status": "IN_QUEUE"})
    assert (results[1].state, results[1].progress) == ("running", 0.45)
    running = results.pop(2)
    assert (running.state, running.progress) == ("running", 0.6)
    assert isinstance(results[2], Succeeded) and results[2].outputs[0].data == PNG
    assert results[2].message == "ran 2.5 s on RunPod after 1.2 s in the queue"
    # What it cost: 2.5 s billed as 3 whole seconds at the default GPU's rate.
    assert results[2].actual.usd == pytest.approx(3 * 0.00019)
    assert [(r.message, r.code) for r in results[3:]] == [
        ("RunPod worker: workflow failed", "worker_error"), ("RunPod: OOM", "failed"),
        ("cancelled at RunPod", "cancelled"),
        ("RunPod: the job ran past the endpoint's execution timeout", "timed_out")]
    assert all(isinstance(r, Failed) for r in results[3:])


# ---- whole jobs against the sandbox -------------------------------------------------------


def live_studio(home, sandbox) -> Studio:
    studio = Studio(home, sandbox_url=sandbox.url)
    settings = set_value(studio.settings, "features.enable_public_image_providers", "true")
    settings = set_value(settings, "features.enable_public_video_providers", "true")
    studio.update_settings(settings)
    return studio


def runpod_requests(sandbox, method=None):
    return [r for r in sandbox_requests(sandbox, "runpod")
            if method is None or r["method"] == method]


async def test_comfyui_worker_job_saves_the_base64_output_as_a_png(home, sandbox):
    set_faults(sandbox, run_seconds=0.8)
    studio = live_studio(home, sandbox)
    try:
        request = RenderRequest(provider="runpod", model="comfyui/sdxl-txt2img", prompt="a fox",
                                seed=5, params={"endpoint_id": "ep-123", "width": 320,
                                                "height": 256})
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        assert job.message.startswith("ran 0.8 s on RunPod")
        [asset] = studio.store.assets_for_job(job.id)
        with Image.open(asset.path) as image:
            image.load()
            assert (image.format, image.size) == ("PNG", (320, 256))
        statuses = [e["to"] for e in studio.store.events(job.id) if e["kind"] == "status"]
        assert statuses == ["queued", "submitting", "submitted", "running", "succeeded"]
    finally:
        await studio.aclose()
    # Asked whether the endpoint answers before the job decides live or dry-run.
    health, post, *polls = runpod_requests(sandbox)
    assert health["path"] == "/runpod/health"
    assert (post["path"], post["headers"]["authorization"]) == ("/runpod/ep-123/run",
                                                                SANDBOX_AUTH)
    assert post["body"]["input"]["workflow"]["3"]["inputs"]["seed"] == 5
    assert "images" not in post["body"]["input"]
    assert {p["path"] for p in polls} == {f"/runpod/ep-123/status/{job.remote_id}"}


async def test_image_to_video_worker_job_with_an_input_image(home, sandbox, tmp_path):
    path = tmp_path / "start.png"
    path.write_bytes(png_bytes((96, 64)))
    studio = live_studio(home, sandbox)
    try:
        request = RenderRequest(provider="runpod", model="comfyui/wan21-img2video",
                                prompt="waves", input_images=[str(path)],
                                params={"endpoint_id": "ep-1", "width": 256, "height": 256,
                                        "length": 9, "fps": 8})
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        [asset] = studio.store.assets_for_job(job.id)
        with av.open(asset.path) as container:
            assert len(list(container.decode(video=0))) == 9
    finally:
        await studio.aclose()
    [image] = runpod_requests(sandbox, "POST")[0]["body"]["input"]["images"]
    assert image["name"].startswith("studio-") and image["image"].startswith("data:image/png")


async def test_raw_worker_job_downloads_the_url_it_returns(home, sandbox):
    studio = live_studio(home, sandbox)
    try:
        request = RenderRequest(provider="runpod", model="raw/image", prompt="a kite",
                                params={"input": {"width": 200, "height": 120}})
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        [asset] = studio.store.assets_for_job(job.id)
        assert (asset.media_type, asset.width, asset.height) == ("image/png", 200, 120)
    finally:
        await studio.aclose()
    post = runpod_requests(sandbox, "POST")[0]
    assert post["path"] == "/runpod/run"  # no endpoint id: the base URL names the endpoint
    assert post["body"] == {"input": {"width": 200, "height": 120, "prompt": "a kite"}}


async def test_worker_validation_failure_and_time_out_fail_the_job(home, sandbox):
    set_faults(sandbox, fail_next={"provider": "runpod", "code": "TIMED_OUT",
                                   "message": "execution timeout"})
    studio = live_studio(home, sandbox)
    try:
        job = await studio.wait((await studio.submit(RenderRequest(
            provider="runpod", model="raw/image", prompt="x"))).id)
        assert (job.status, job.error_code) == (JobStatus.FAILED, "timed_out")
        bad = RenderRequest(provider="runpod", model="comfyui/sdxl-txt2img", prompt="x",
                            params={"checkpoint": "nope.safetensors"})
        job = await studio.wait((await studio.submit(bad)).id)
        assert job.status is JobStatus.FAILED
        assert "Workflow validation failed" in job.error and "ckpt_name" in job.error
    finally:
        await studio.aclose()


async def test_cancel_posts_to_the_endpoint_cancel_route(home, sandbox):
    set_faults(sandbox, queue_seconds=5)
    studio = live_studio(home, sandbox)
    try:
        job = await studio.submit(RenderRequest(provider="runpod", model="raw/video",
                                                prompt="x", params={"endpoint_id": "ep-9"}))
        for _ in range(250):
            if studio.store.get_job(job.id).remote_id:
                break
            await asyncio.sleep(0.02)
        job = await studio.cancel(job.id)
        assert job.status is JobStatus.CANCELLED
    finally:
        await studio.aclose()
    cancels = runpod_requests(sandbox, "POST")[1:]
    assert [(c["path"], c["status"]) for c in cancels] == [
        (f"/runpod/ep-9/cancel/{job.remote_id}", 200)]


async def test_health_shows_queue_and_workers_and_flags_gate_live_calls(home, sandbox):
    studio = Studio(home, sandbox_url=sandbox.url, sandbox_live=False)  # flags off: rehearse
    try:
        assert "runpod" not in await studio.catalog.refresh_health()
        assert studio.catalog.health_detail("runpod") == (
            "0 queued, 0 in progress; workers: 0 running, 1 idle")
        assert studio.catalog.entry("runpod").status == "dry-run"
        job = await studio.submit(RenderRequest(provider="runpod", model="raw/image",
                                                prompt="x", params={"endpoint_id": "e1"}))
        assert job.status is JobStatus.DRY_RUN
        assert job.prepared["url"] == f"{sandbox.url}/runpod/e1/run"
        # No finished run of this model yet: the rate is known, the run time is not.
        assert job.estimate["usd"] is None and "$0.00019/s" in job.estimate["basis"]
        assert job.estimate["source"] == "https://docs.runpod.io/serverless/pricing"
    finally:
        await studio.aclose()
    assert [r["path"] for r in runpod_requests(sandbox)] == ["/runpod/health"]
