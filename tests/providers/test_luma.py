"""Luma Dream Machine adapter: the exact requests it builds and prices, its reading of
generation answers, and whole Studio jobs over real HTTP against the sandbox."""

import asyncio
import hashlib
from pathlib import Path

import av
import httpx
import pytest
from PIL import Image

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
from studio.providers.luma import MODELS, LumaProvider
from studio.sandbox.recorder import fingerprint
from tests.conftest import TEST_KEY, sandbox_posts, sandbox_requests, set_faults

BASE = "https://api.lumalabs.ai/dream-machine/v1"
CTX = ProviderContext(base_url=BASE, key=TEST_KEY)
SANDBOX_AUTH = f"Bearer <redacted sha256:{fingerprint(SANDBOX_KEY)}>"
luma = LumaProvider()
# Luma fetches input images by URL: hosted ones (the image host fills `url` in).
PNG = InputImage("a.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 600, "ab" * 32,
                 url="https://cdn.example.com/a.png")
JPG = InputImage("b.jpg", "image/jpeg", b"\xff\xd8\xff" + b"\1" * 600, "cd" * 32,
                 url="https://cdn.example.com/b.jpg")


def uri(image: InputImage) -> str:
    return image.url


def build(model, prompt="a red fox", images=(), **kw):
    params = kw.pop("params", {})
    req = RenderRequest(provider="luma", model=model, prompt=prompt, params=params, **kw)
    return luma.build(req, MODELS[model].params.model_validate(params), images, CTX)


def test_video_request_is_exactly_what_luma_expects():
    # Luma has no seed or negative prompt: both are left out, not sent and ignored.
    call = build("ray-2", images=[PNG, JPG], seed=7, negative_prompt="blur",
                 params={"aspect_ratio": "9:16", "resolution": "720p", "loop": True})
    assert (call.method, call.url) == ("POST", f"{BASE}/generations/video")
    assert call.headers == {"Authorization": f"Bearer {TEST_KEY}", "Accept": "application/json",
                            "Content-Type": "application/json"}
    assert call.json_body == {
        "model": "ray-2", "prompt": "a red fox", "aspect_ratio": "9:16", "resolution": "720p",
        "duration": "5s", "loop": True,
        "keyframes": {"frame0": {"type": "image", "url": uri(PNG)},
                      "frame1": {"type": "image", "url": uri(JPG)}}}
    record = call.record()
    assert record["headers"]["Authorization"] == "Bearer ***"
    assert TEST_KEY not in str(record)


def test_a_local_image_without_a_hosted_url_is_never_sent_inline():
    local = InputImage("a.png", "image/png", b"\x89PNG" + b"\0" * 60, "ab" * 32)
    with pytest.raises(ValueError, match=r"hosted URL for a\.png; choose an image host"):
        build("ray-2", images=[local])
    assert "data:" not in str(build("ray-2", images=[PNG]).json_body)


@pytest.mark.parametrize(("model", "kw", "body"), [
    ("ray-flash-2", dict(params={"duration": "9s"}),
     {"aspect_ratio": "16:9", "resolution": "540p", "duration": "9s", "loop": False}),
    ("ray-flash-2", dict(images=[PNG]),
     {"aspect_ratio": "16:9", "resolution": "540p", "duration": "5s", "loop": False,
      "keyframes": {"frame0": {"type": "image", "url": uri(PNG)}}}),
    ("photon-1", dict(seed=3, params={"aspect_ratio": "1:1"}),
     {"aspect_ratio": "1:1", "format": "png"}),
    ("photon-1", dict(images=[PNG, JPG], params={"image_ref_weight": 0.5, "format": "jpg"}),
     {"aspect_ratio": "16:9", "format": "jpg",
      "image_ref": [{"url": uri(PNG), "weight": 0.5}, {"url": uri(JPG), "weight": 0.5}]}),
    # style_ref: the last input image becomes the style reference, the others content.
    ("photon-flash-1", dict(images=[PNG, JPG], params={"style_ref": True}),
     {"aspect_ratio": "16:9", "format": "png", "image_ref": [{"url": uri(PNG), "weight": 0.85}],
      "style_ref": [{"url": uri(JPG), "weight": 0.8}]}),
])
def test_each_model_builds_its_endpoint_and_body(model, kw, body):
    call = build(model, **kw)
    kind = "video" if model.startswith("ray") else "image"
    assert call.url == f"{BASE}/generations/{kind}"
    assert call.json_body == {"model": model, "prompt": "a red fox", **body}


@pytest.mark.parametrize(("model", "params", "usd"), [
    ("ray-2", {}, 0.40),
    ("ray-2", {"resolution": "720p", "duration": "9s"}, 0.08 * 2 * 9),
    # Luma publishes no API price for these, and third-party figures disagree by 10-40x
    # (Photon's $0.32/MP came from one third-party page): unknown, not guessed.
    ("ray-flash-2", {"resolution": "1080p"}, None),
    ("photon-1", {}, None),
    ("photon-flash-1", {}, None),
])
def test_prices_are_estimates_or_unknown(model, params, usd):
    price = MODELS[model].estimate(MODELS[model].params.model_validate(params))
    assert price.usd == (None if usd is None else pytest.approx(usd))
    assert price.approximate is True and price.source is not None
    if usd is None:
        assert price.basis.startswith("unknown: Luma publishes no API price")
        assert price.source.url == "https://lumalabs.ai/api/pricing"
    else:
        assert "third-party" in price.basis


def test_capabilities_say_there_is_no_seed_or_negative_prompt():
    for model in MODELS.values():
        assert not model.capabilities.seed and not model.capabilities.negative_prompt
    assert MODELS["ray-2"].capabilities.max_reference_images == 2


async def test_generation_states_are_read_into_pending_succeeded_and_failed():
    answers = [{"state": "queued"}, {"state": "dreaming"},
               {"state": "completed", "assets": {"video": "https://cdn.lumalabs.ai/v.mp4",
                                                 "image": "https://cdn.lumalabs.ai/thumb.jpg"}},
               {"state": "completed", "assets": {"image": "https://cdn.lumalabs.ai/i.jpg"}},
               {"state": "completed", "assets": {}},
               {"state": "failed", "failure_reason": "Prompt is not allowed"},
               {"state": "melting"}]
    seen = []

    def handler(request: httpx.Request):
        seen.append(request)
        return httpx.Response(200, json=answers.pop(0))

    async with httpx.AsyncClient(transport=httpx.MockTransport(
            lambda r: httpx.Response(201, json={"id": "gen-1", "state": "queued"}))) as http:
        handle = (await luma.submit(http, build("ray-2"), CTX)).handle
    assert handle.urls == {"generation": f"{BASE}/generations/gen-1"}
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        results = [await luma.poll(http, handle, CTX) for _ in range(6)]
        with pytest.raises(ProviderError) as info:
            await luma.poll(http, handle, CTX)
    assert results[0] == Pending("queued", raw={"state": "queued"})
    assert results[1].state == "running"
    assert isinstance(results[2], Succeeded)
    assert [o.url for o in results[2].outputs] == ["https://cdn.lumalabs.ai/v.mp4"]
    assert results[3].outputs[0].url == "https://cdn.lumalabs.ai/i.jpg"
    assert isinstance(results[4], Failed) and results[4].code == "no_output"
    assert isinstance(results[5], Failed)
    assert results[5].message == "Luma: Prompt is not allowed"
    assert info.value.retryable
    assert {r.headers["authorization"] for r in seen} == {f"Bearer {TEST_KEY}"}


# ---- whole jobs against the sandbox -------------------------------------------------------


def live_studio(home, sandbox) -> Studio:
    studio = Studio(home, sandbox_url=sandbox.url)
    settings = set_value(studio.settings, "features.enable_public_video_providers", "true")
    settings = set_value(settings, "features.enable_public_image_providers", "true")
    studio.update_settings(settings)
    return studio


def png_file(tmp_path: Path, name="start.png", colour=(200, 40, 30)) -> Path:
    path = tmp_path / name
    Image.new("RGB", (64, 48), colour).save(path)
    return path


def video(path: str) -> tuple[int, int, int]:
    with av.open(path) as container:
        frames = list(container.decode(video=0))
    return frames[0].width, frames[0].height, len(frames)


async def wait_for(studio, job_id, check, timeout=5.0):
    for _ in range(int(timeout / 0.02)):
        job = studio.store.get_job(job_id)
        if check(job):
            return job
        await asyncio.sleep(0.02)
    raise AssertionError(f"not reached; job is {job.status} {job.message!r}")


async def test_text_to_video_job_end_to_end(home, sandbox):
    set_faults(sandbox, run_seconds=1.5)  # long enough to be seen dreaming
    studio = live_studio(home, sandbox)
    try:
        request = RenderRequest(provider="luma", model="ray-2", prompt="a fox in the snow")
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        [asset] = studio.store.assets_for_job(job.id)
        # 540p 16:9 is 960x540, rendered at the sandbox's 640-pixel cap; 5 s at 12 fps.
        assert video(asset.path) == (640, 360, 60)
        statuses = [e["to"] for e in studio.store.events(job.id) if e["kind"] == "status"]
        assert statuses == ["queued", "submitting", "submitted", "running", "succeeded"]
    finally:
        await studio.aclose()
    [before, post, *polls, after] = sandbox_requests(sandbox, "luma")
    # The balance just before it was sent and after it ended: the drop is its cost.
    assert before["path"] == after["path"] == "/luma/credits"
    assert job.actual_cost["usd"] == pytest.approx(0.40)
    assert (post["method"], post["path"], post["status"]) == ("POST", "/luma/generations/video",
                                                               201)
    assert post["headers"]["authorization"] == SANDBOX_AUTH
    assert post["body"] == {"model": "ray-2", "prompt": "a fox in the snow",
                            "aspect_ratio": "16:9", "resolution": "540p", "duration": "5s",
                            "loop": False}
    assert {(p["method"], p["path"]) for p in polls} == {
        ("GET", f"/luma/generations/{job.remote_id}")}


def hosted_by(studio, host: str, **s3) -> None:
    settings = set_value(studio.settings, "image_host.host", host)
    for name, value in s3.items():
        settings = set_value(settings, f"image_host.{name}", value)
    studio.update_settings(settings)


async def test_without_an_image_host_a_job_with_images_stays_a_dry_run(home, sandbox,
                                                                       tmp_path):
    studio = live_studio(home, sandbox)
    try:
        request = RenderRequest(provider="luma", model="ray-2", prompt="day to night",
                                input_images=[str(png_file(tmp_path))])
        job = await studio.submit(request)
    finally:
        await studio.aclose()
    assert job.status is JobStatus.DRY_RUN
    assert job.dry_run_reason.startswith("no image host: Luma Dream Machine fetches input "
                                         "images by URL; choose one in Settings")
    assert "s3, fal" in job.dry_run_reason
    frame = job.prepared["body"]["keyframes"]["frame0"]["url"]
    assert frame.startswith("<upload of start.png sha256:") and "no image host" in frame
    assert sandbox_requests(sandbox, "luma") == [] and sandbox_requests(sandbox, "fal") == []


async def test_keyframes_job_uploads_both_images_through_fal_storage(home, sandbox, tmp_path):
    first, last = png_file(tmp_path), png_file(tmp_path, "end.png", (10, 90, 200))
    studio = live_studio(home, sandbox)
    hosted_by(studio, "fal")
    try:
        request = RenderRequest(provider="luma", model="ray-flash-2", prompt="day to night",
                                input_images=[str(first), str(last)],
                                params={"aspect_ratio": "9:16", "resolution": "720p"})
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        [asset] = studio.store.assets_for_job(job.id)
        assert video(asset.path) == (360, 640, 60)
        provenance = asset.provenance
    finally:
        await studio.aclose()
    token, *uploads = sandbox_requests(sandbox, "fal")
    assert (token["path"], token["query"], token["body"]) == (
        "/fal/_rest/storage/auth/token", {"storage_type": "fal-cdn-v3"}, {})
    assert token["headers"]["authorization"] == f"Key <redacted sha256:{fingerprint(SANDBOX_KEY)}>"
    assert [(u["path"], u["headers"]["content-type"], u["headers"]["x-fal-file-name"],
             u["body_size"]) for u in uploads] == [
        ("/fal/_cdn/files/upload", "image/png", "start.png", first.stat().st_size),
        ("/fal/_cdn/files/upload", "image/png", "end.png", last.stat().st_size)]
    post = sandbox_posts(sandbox, "luma")[0]
    frames = post["body"]["keyframes"]
    assert [frames[k]["type"] for k in ("frame0", "frame1")] == ["image", "image"]
    assert all(frames[k]["url"].startswith(f"{sandbox.url}/files/") for k in frames)
    # The request record and the provenance name each upload: URL and sha256, no key.
    inputs = job.prepared["inputs"]
    assert [i["uploaded"]["url"] for i in inputs] == [frames["frame0"]["url"],
                                                       frames["frame1"]["url"]]
    assert inputs[0]["sha256"] == hashlib.sha256(first.read_bytes()).hexdigest()
    assert provenance["inputs"] == inputs and inputs[0]["uploaded"]["host"] == "fal.ai storage"
    assert SANDBOX_KEY not in str(job.prepared)


async def test_photon_image_job_with_a_reference_through_an_s3_bucket(home, sandbox, tmp_path):
    reference = png_file(tmp_path)
    studio = Studio(home, sandbox_url=sandbox.url)
    studio.update_settings(set_value(studio.settings,
                                     "features.enable_public_image_providers", "true"))
    hosted_by(studio, "s3", s3_bucket="studio-inputs", s3_access_key_id="AKIASANDBOX")
    try:
        request = RenderRequest(provider="luma", model="photon-1", prompt="a lighthouse",
                                input_images=[str(reference)], params={"aspect_ratio": "4:3"})
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        [asset] = studio.store.assets_for_job(job.id)
        with Image.open(asset.path) as image:
            image.load()
            assert (image.format, image.size) == ("PNG", (1152, 896))  # the sandbox's 4:3
    finally:
        await studio.aclose()
    digest = hashlib.sha256(reference.read_bytes()).hexdigest()
    [put] = sandbox_requests(sandbox, "s3")
    assert (put["method"], put["path"], put["status"]) == (
        "PUT", f"/s3/studio-inputs/provider-studio/{digest}.png", 200)
    assert put["query"]["X-Amz-Credential"].startswith("AKIASANDBOX/")
    post = sandbox_posts(sandbox, "luma")[0]
    assert post["path"] == "/luma/generations/image"
    [ref] = post["body"]["image_ref"]
    assert ref["weight"] == 0.85
    assert ref["url"].startswith(f"{sandbox.url}/s3/studio-inputs/provider-studio/{digest}.png?")
    # The provider can fetch it; the record keeps the URL but not its signature.
    assert httpx.get(ref["url"]).content == reference.read_bytes()
    recorded = job.prepared["inputs"][0]["uploaded"]["url"]
    assert "X-Amz-Signature=***" in recorded and "X-Amz-Signature=***" in str(job.prepared)
    assert ref["url"].split("X-Amz-Signature=")[1] not in str(job.prepared)


async def test_https_inputs_go_to_luma_as_they_are(home, sandbox):
    studio = live_studio(home, sandbox)  # no image host needed: nothing to upload
    try:
        request = RenderRequest(provider="luma", model="ray-2", prompt="waves",
                                input_images=["https://images.example.com/start.png"])
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
    finally:
        await studio.aclose()
    post = sandbox_posts(sandbox, "luma")[0]
    assert post["body"]["keyframes"] == {
        "frame0": {"type": "image", "url": "https://images.example.com/start.png"}}
    assert job.prepared["inputs"] == [{"name": "start.png", "role": "start_frame",
                                       "url": "https://images.example.com/start.png"}]


async def test_failed_generation_reports_lumas_reason(home, sandbox):
    set_faults(sandbox, fail_next={"provider": "luma", "message": "Prompt failed moderation"})
    studio = live_studio(home, sandbox)
    try:
        request = RenderRequest(provider="luma", model="ray-flash-2", prompt="a fox")
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.FAILED
        assert job.error == "Luma: Prompt failed moderation"
        assert job.error_code == "generation_failed"
        assert studio.store.assets_for_job(job.id) == []
    finally:
        await studio.aclose()
    assert len([r for r in sandbox_requests(sandbox, "luma") if r["method"] == "POST"]) == 1


async def test_cancel_deletes_the_generation_at_luma(home, sandbox):
    set_faults(sandbox, run_seconds=5)
    studio = live_studio(home, sandbox)
    try:
        job = await studio.submit(RenderRequest(provider="luma", model="ray-2", prompt="waves"))
        await wait_for(studio, job.id, lambda j: j.status is JobStatus.RUNNING)
        job = await studio.cancel(job.id)
        assert job.status is JobStatus.CANCELLED
    finally:
        await studio.aclose()
    deletes = [r for r in sandbox_requests(sandbox, "luma") if r["method"] == "DELETE"]
    assert [(d["path"], d["status"]) for d in deletes] == [
        (f"/luma/generations/{job.remote_id}", 204)]
    gone = httpx.get(f"{sandbox.url}/luma/generations/{job.remote_id}",
                     headers={"Authorization": "Bearer k"})
    assert gone.status_code == 404


async def test_credit_balance_and_low_quota(home, sandbox):
    studio = live_studio(home, sandbox)
    try:
        assert await studio.catalog.refresh_quotas(force=True) == {}
        entry = studio.catalog.entry("luma")
        assert entry.status == "live" and entry.quota["usd"] == pytest.approx(100.0)
        set_faults(sandbox, luma_credits=150)  # cents
        quota = await luma.usage(await studio.http(), studio.context("luma"))
        assert (quota.remaining, quota.unit, quota.usd) == (1.5, "usd", 1.5)
        await studio.catalog.refresh_quotas(force=True)
        entry = studio.catalog.entry("luma")
        assert entry.status == "low-quota" and entry.quota["low"] is True
        assert "1.5 usd left" in entry.reason
    finally:
        await studio.aclose()
    credits = [r for r in sandbox_requests(sandbox, "luma") if r["path"] == "/luma/credits"]
    assert credits and all(r["headers"]["authorization"] == SANDBOX_AUTH for r in credits)


@pytest.mark.parametrize(("env", "flag", "status", "source"), [
    ({}, False, "missing-credentials", "none"),
    ({"LUMAAI_API_KEY": "luma-key-b"}, False, "dry-run", "environment"),
    ({"LUMA_API_KEY": "luma-key-a", "LUMAAI_API_KEY": "luma-key-b"}, True, "live",
     "environment"),
])
def test_catalog_status_follows_key_and_flag(home, memory_keyring, env, flag, status, source):
    studio = Studio(home, env=env)
    if flag:
        studio.update_settings(set_value(studio.settings,
                                         "features.enable_public_video_providers", "true"))
    entry = studio.catalog.entry("luma")
    assert (entry.key_source, entry.kinds) == (source, ["video", "image"])
    by_kind = {m.kind: m.status for m in entry.models}
    assert by_kind["video"] == status
    # The image flag is separate: with only the video flag on, Photon stays dry-run.
    assert by_kind["image"] == ("missing-credentials" if not env else "dry-run")
    if env:
        assert studio.key_for("luma").value == env.get("LUMA_API_KEY", "luma-key-b")
    assert entry.docs_url.startswith("https://docs.lumalabs.ai")
