"""Luma Agents adapter: the exact requests it builds per model, prices, failure codes, and
whole Studio jobs over real HTTP against the sandbox."""

import base64
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
    InputImage,
    Pending,
    ProviderContext,
    ProviderError,
    RenderRequest,
    Succeeded,
)
from studio.providers.luma_agents import FAILURES, MODELS, LumaAgentsProvider, failure_from
from studio.sandbox.luma_agents import image_size
from studio.sandbox.recorder import fingerprint
from tests.conftest import TEST_KEY, sandbox_requests, set_faults

BASE = "https://agents.lumalabs.ai/v1"
CTX = ProviderContext(base_url=BASE, key=TEST_KEY)
SANDBOX_AUTH = f"Bearer <redacted sha256:{fingerprint(SANDBOX_KEY)}>"
agents = LumaAgentsProvider()
PNG = InputImage("a.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 600, "ab" * 32)
JPG = InputImage("b.jpg", "image/jpeg", b"\xff\xd8\xff" + b"\1" * 600, "cd" * 32)


def ref(image: InputImage) -> dict:
    return {"data": base64.b64encode(image.data).decode(), "media_type": image.media_type}


def build(model, prompt="a red fox", images=(), **kw):
    params = kw.pop("params", {})
    req = RenderRequest(provider="luma-agents", model=model, prompt=prompt, params=params, **kw)
    return agents.build(req, MODELS[model].params.model_validate(params), images, CTX)


def test_uni_request_is_exactly_what_luma_agents_expects():
    call = build("uni-1", images=[PNG, JPG], seed=7, params={"aspect_ratio": "3:1"})
    assert (call.method, call.url) == ("POST", f"{BASE}/generations")
    assert call.headers == {"Authorization": f"Bearer {TEST_KEY}", "Accept": "application/json",
                            "Content-Type": "application/json"}
    # No seed in this API: it is left out, not sent and ignored.
    assert call.json_body == {"prompt": "a red fox", "model": "uni-1", "type": "image",
                              "aspect_ratio": "3:1", "output_format": "png",
                              "image_ref": [ref(PNG), ref(JPG)]}
    assert call.record()["headers"]["Authorization"] == "Bearer ***"


@pytest.mark.parametrize(("model", "kw", "body"), [
    ("uni-1", {}, {"type": "image", "aspect_ratio": "1:1", "output_format": "png"}),
    ("uni-1-max", dict(images=[PNG, JPG], params={"type": "image_edit", "style": "manga",
                                                  "output_format": "jpeg"}),
     {"type": "image_edit", "aspect_ratio": "1:1", "output_format": "jpeg", "style": "manga",
      "source": ref(PNG), "image_ref": [ref(JPG)]}),
    ("ray-3.2", dict(params={"duration": "10s", "resolution": "1080p", "loop": True}),
     {"type": "video", "aspect_ratio": "16:9",
      "video": {"duration": "10s", "resolution": "1080p", "loop": True}}),
    ("ray-3.2", dict(images=[PNG, JPG], params={"aspect_ratio": "9:16"}),
     {"type": "video", "aspect_ratio": "9:16",
      "video": {"duration": "5s", "resolution": "540p", "loop": False,
                "start_frame": ref(PNG), "end_frame": ref(JPG)}}),
])
def test_each_model_builds_its_body(model, kw, body):
    assert build(model, **kw).json_body == {"prompt": "a red fox", "model": model, **body}


@pytest.mark.parametrize(("model", "params", "usd", "approximate"), [
    ("uni-1", {}, 0.0404, False),
    ("uni-1", {"type": "image_edit"}, 0.0434, False),
    ("uni-1-max", {}, 0.10, False),
    ("uni-1-max", {"type": "image_edit"}, 0.103, False),
    ("ray-3.2", {}, 0.15, True),
    ("ray-3.2", {"resolution": "720p", "duration": "10s"}, 0.60, True),
    ("ray-3.2", {"resolution": "1080p"}, 1.20, True),
])
def test_prices(model, params, usd, approximate):
    price = MODELS[model].price(MODELS[model].params.model_validate(params))
    assert (price.usd, price.approximate) == (pytest.approx(usd), approximate)
    if model == "uni-1" and not params:
        assert "+$0.003 per extra" in price.basis


def test_image_edit_needs_an_image():
    params = MODELS["uni-1"].params(type="image_edit")
    request = RenderRequest(provider="luma-agents", model="uni-1", prompt="x")
    assert agents.check(request, params, []) == [("type", "image_edit needs an input image "
                                                          "to edit")]
    assert agents.check(request, params, [PNG]) == []
    assert agents.check(request, MODELS["uni-1"].params(), [PNG] * 10) == [
        ("input_images", "image takes at most 9 input images")]


@pytest.mark.parametrize("code", sorted(FAILURES))
def test_failure_codes_become_actionable_messages(code):
    failed = failure_from({"state": "failed", "failure_code": code, "failure_reason": "why"})
    text, retryable = FAILURES[code]
    assert failed.message == f"Luma: {text} (Luma: why)"
    assert (failed.code, failed.retryable) == (code, retryable)
    unknown = failure_from({"state": "failed", "failure_code": "new_code"})
    assert unknown.message == "Luma: the generation failed without a reason"


async def test_generation_states_are_read():
    answers = [{"state": "queued"}, {"state": "processing"},
               {"state": "completed", "output": [{"type": "image", "url": "https://x/1.png"}]},
               {"state": "completed", "output": []}, {"state": "melting"}]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(201, json={"id": "gen-1", "state": "queued"})
        return httpx.Response(200, json=answers.pop(0))

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        handle = (await agents.submit(http, build("uni-1"), CTX)).handle
        results = [await agents.poll(http, handle, CTX) for _ in range(4)]
        with pytest.raises(ProviderError) as info:
            await agents.poll(http, handle, CTX)
    assert handle.urls == {"generation": f"{BASE}/generations/gen-1"}
    assert results[0] == Pending("queued", raw={"state": "queued"})
    assert results[1].state == "running"
    assert isinstance(results[2], Succeeded) and results[2].outputs[0].url == "https://x/1.png"
    assert results[3].code == "no_output" and info.value.retryable


# ---- whole jobs against the sandbox -------------------------------------------------------


def live_studio(home, sandbox) -> Studio:
    studio = Studio(home, sandbox_url=sandbox.url)
    settings = set_value(studio.settings, "features.enable_public_video_providers", "true")
    studio.update_settings(set_value(settings, "features.enable_public_image_providers", "true"))
    return studio


def png_file(tmp_path: Path, name="ref.png", colour=(200, 40, 30)) -> Path:
    path = tmp_path / name
    Image.new("RGB", (64, 48), colour).save(path)
    return path


async def test_image_job_with_a_reference_end_to_end(home, sandbox, tmp_path):
    set_faults(sandbox, run_seconds=1.5)  # long enough to be seen processing
    reference = png_file(tmp_path)
    studio = live_studio(home, sandbox)
    try:
        request = RenderRequest(provider="luma-agents", model="uni-1", prompt="a lighthouse",
                                input_images=[str(reference)], params={"aspect_ratio": "2:1"})
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        [asset] = studio.store.assets_for_job(job.id)
        with Image.open(asset.path) as image:
            assert (image.format, image.size) == ("PNG", image_size("2:1"))
        statuses = [e["to"] for e in studio.store.events(job.id) if e["kind"] == "status"]
        assert statuses == ["queued", "submitting", "submitted", "running", "succeeded"]
    finally:
        await studio.aclose()
    [post, *polls] = sandbox_requests(sandbox, "luma-agents")
    assert (post["method"], post["path"], post["status"]) == (
        "POST", "/luma-agents/generations", 201)
    assert post["headers"]["authorization"] == SANDBOX_AUTH
    assert post["body"]["image_ref"] == [
        {"data": base64.b64encode(reference.read_bytes()).decode(), "media_type": "image/png"}]
    assert {p["path"] for p in polls} == {f"/luma-agents/generations/{job.remote_id}"}


async def test_video_job_with_start_and_end_frames(home, sandbox, tmp_path):
    first, last = png_file(tmp_path), png_file(tmp_path, "end.png", (10, 90, 200))
    studio = live_studio(home, sandbox)
    try:
        request = RenderRequest(provider="luma-agents", model="ray-3.2", prompt="day to night",
                                input_images=[str(first), str(last)],
                                params={"aspect_ratio": "9:16", "resolution": "720p"})
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        [asset] = studio.store.assets_for_job(job.id)
        with av.open(asset.path) as container:
            frames = list(container.decode(video=0))
        # 720p 9:16 is 720x1280, rendered at the sandbox's 640-pixel cap; 5 s at 12 fps.
        assert (frames[0].width, frames[0].height, len(frames)) == (360, 640, 60)
    finally:
        await studio.aclose()
    video = sandbox_requests(sandbox, "luma-agents")[0]["body"]["video"]
    assert set(video) == {"duration", "resolution", "loop", "start_frame", "end_frame"}


async def test_failure_code_from_the_sandbox_reaches_the_job(home, sandbox):
    set_faults(sandbox, fail_next={"provider": "luma-agents", "code": "content_moderated",
                                   "message": "Prompt flagged"})
    studio = live_studio(home, sandbox)
    try:
        job = await studio.wait((await studio.submit(RenderRequest(
            provider="luma-agents", model="uni-1-max", prompt="a fox"))).id)
        assert job.status is JobStatus.FAILED
        assert job.error == ("Luma: Luma's moderation refused the prompt or an input image; "
                             "change it (Luma: Prompt flagged)")
        assert job.error_code == "content_moderated"
    finally:
        await studio.aclose()


async def test_sandbox_rejects_a_data_uri_where_raw_base64_is_expected(sandbox):
    body = {"prompt": "x", "model": "uni-1",
            "image_ref": [{"data": "data:image/png;base64,AAAA", "media_type": "image/png"}]}
    response = httpx.post(f"{sandbox.url}/luma-agents/generations", json=body,
                          headers={"Authorization": "Bearer k"})
    assert response.status_code == 400
    assert "raw base64" in response.json()["error"]["message"]


def test_catalog_uses_its_own_key(home, memory_keyring):
    studio = Studio(home, env={"LUMA_API_KEY": "dream-machine-key"})
    assert studio.catalog.entry("luma-agents").status == "missing-credentials"
    studio = Studio(home, env={"LUMA_AGENTS_API_KEY": "agents-key"})
    entry = studio.catalog.entry("luma-agents")
    assert (entry.status, entry.key_source, entry.kinds) == ("dry-run", "environment",
                                                             ["image", "video"])
    assert studio.key_for("luma-agents").value == "agents-key"
