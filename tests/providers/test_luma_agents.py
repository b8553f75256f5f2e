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
    req = RenderRequest(provider="luma_agents", model=model, prompt=prompt, params=params, **kw)
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
    ("ray-3.2", dict(params={"duration": "10s", "resolution": "1080p"}),
     {"type": "video", "aspect_ratio": "16:9",
      "video": {"duration": "10s", "resolution": "1080p", "loop": False}}),
    ("ray-3.2", dict(params={"loop": True}),
     {"type": "video", "aspect_ratio": "16:9",
      "video": {"duration": "5s", "resolution": "540p", "loop": True}}),
    ("ray-3.2", dict(images=[PNG, JPG], params={"aspect_ratio": "9:16"}),
     {"type": "video", "aspect_ratio": "9:16",
      "video": {"duration": "5s", "resolution": "540p", "loop": False,
                "start_frame": ref(PNG), "end_frame": ref(JPG)}}),
])
def test_each_model_builds_its_body(model, kw, body):
    assert build(model, **kw).json_body == {"prompt": "a red fox", "model": model, **body}


def test_https_inputs_travel_as_url_image_refs():
    url = InputImage("c.png", "image/*", b"", "", url="https://example.com/c.png")
    body = build("ray-3.2", images=[url, PNG]).json_body["video"]
    assert (body["start_frame"], body["end_frame"]) == ({"url": "https://example.com/c.png"},
                                                        ref(PNG))


def test_ten_second_clips_take_no_loop_and_no_frames():
    """The SDK: loop is "not supported with duration=10s"; 10 s is text-to-video only."""
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as info:
        MODELS["ray-3.2"].params.model_validate({"duration": "10s", "loop": True})
    [error] = info.value.errors()
    assert error["loc"] == ("loop",) and "not supported for 10 s clips" in error["msg"]
    request = RenderRequest(provider="luma_agents", model="ray-3.2", prompt="x",
                            input_images=["a.png"], params={"duration": "10s"})
    params = MODELS["ray-3.2"].params(duration="10s")
    [(field, message)] = agents.check(request, params, [PNG])
    assert field == "input_images" and "only for 5 s clips" in message
    five = request.model_copy(update={"params": {}})
    assert agents.check(five, MODELS["ray-3.2"].params(), [PNG]) == []


@pytest.mark.parametrize(("model", "params", "images", "usd", "approximate"), [
    ("uni-1", {}, 0, 0.0404, False),
    # Luma's table: one reference image $0.0434, each extra one +$0.0030 (9 -> $0.0674).
    ("uni-1", {}, 1, 0.0434, False),
    ("uni-1", {}, 2, 0.0464, False),
    ("uni-1", {}, 9, 0.0674, False),
    # An edit's source takes one reference slot: the same prices.
    ("uni-1", {"type": "image_edit"}, 1, 0.0434, False),
    ("uni-1", {"type": "image_edit"}, 4, 0.0524, False),
    ("uni-1-max", {}, 0, 0.10, False),
    ("uni-1-max", {"type": "image_edit"}, 1, 0.103, False),
    ("uni-1-max", {}, 3, 0.109, True),  # the extra-reference step is only shown for uni-1
    ("ray-3.2", {}, 0, 0.15, True),
    ("ray-3.2", {"resolution": "720p", "duration": "10s"}, 0, 0.60, True),
    ("ray-3.2", {"resolution": "1080p"}, 2, 1.20, True),
])
def test_prices_count_every_reference_image(model, params, images, usd, approximate):
    from studio.providers.base import ImageFacts

    price = MODELS[model].estimate(MODELS[model].params.model_validate(params),
                                   [ImageFacts()] * images)
    assert (price.usd, price.approximate) == (pytest.approx(usd), approximate)
    expected = ("https://docs.agents.lumalabs.ai/guides/pricing/" if model != "ray-3.2"
                else "https://runware.ai/docs/models/luma-ray3-2")
    assert price.source.url == expected


def test_image_edit_needs_an_image():
    params = MODELS["uni-1"].params(type="image_edit")
    request = RenderRequest(provider="luma_agents", model="uni-1", prompt="x")
    assert agents.check(request, params, []) == [("type", "image_edit needs an input image "
                                                          "to edit")]
    one = request.model_copy(update={"input_images": ["a.png"]})
    assert agents.check(one, params, []) == []  # counted before the images are read
    ten = request.model_copy(update={"input_images": ["a.png"] * 10})
    assert agents.check(ten, MODELS["uni-1"].params(), [PNG] * 10) == [
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
        request = RenderRequest(provider="luma_agents", model="uni-1", prompt="a lighthouse",
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
    [post, *polls] = sandbox_requests(sandbox, "luma_agents")
    assert (post["method"], post["path"], post["status"]) == (
        "POST", "/luma_agents/generations", 201)
    assert post["headers"]["authorization"] == SANDBOX_AUTH
    assert post["body"]["image_ref"] == [
        {"data": base64.b64encode(reference.read_bytes()).decode(), "media_type": "image/png"}]
    assert {p["path"] for p in polls} == {f"/luma_agents/generations/{job.remote_id}"}


async def test_video_job_with_start_and_end_frames(home, sandbox, tmp_path):
    first, last = png_file(tmp_path), png_file(tmp_path, "end.png", (10, 90, 200))
    studio = live_studio(home, sandbox)
    try:
        request = RenderRequest(provider="luma_agents", model="ray-3.2", prompt="day to night",
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
    video = sandbox_requests(sandbox, "luma_agents")[0]["body"]["video"]
    assert set(video) == {"duration", "resolution", "loop", "start_frame", "end_frame"}


async def test_failure_code_from_the_sandbox_reaches_the_job(home, sandbox):
    set_faults(sandbox, fail_next={"provider": "luma_agents", "code": "content_moderated",
                                   "message": "Prompt flagged"})
    studio = live_studio(home, sandbox)
    try:
        job = await studio.wait((await studio.submit(RenderRequest(
            provider="luma_agents", model="uni-1-max", prompt="a fox"))).id)
        assert job.status is JobStatus.FAILED
        assert job.error == ("Luma: Luma's moderation refused the prompt or an input image; "
                             "change it (Luma: Prompt flagged)")
        assert job.error_code == "content_moderated"
    finally:
        await studio.aclose()


async def test_sandbox_rejects_a_data_uri_where_raw_base64_is_expected(sandbox):
    body = {"prompt": "x", "model": "uni-1",
            "image_ref": [{"data": "data:image/png;base64,AAAA", "media_type": "image/png"}]}
    response = httpx.post(f"{sandbox.url}/luma_agents/generations", json=body,
                          headers={"Authorization": "Bearer k"})
    assert response.status_code == 400
    assert "raw base64" in response.json()["error"]["message"]


def test_catalog_uses_its_own_key(home, memory_keyring):
    studio = Studio(home, env={"LUMA_API_KEY": "dream-machine-key"})
    assert studio.catalog.entry("luma_agents").status == "missing-credentials"
    studio = Studio(home, env={"LUMA_AGENTS_API_KEY": "agents-key"})
    entry = studio.catalog.entry("luma_agents")
    assert (entry.status, entry.key_source, entry.kinds) == ("dry-run", "environment",
                                                             ["image", "video"])
    assert studio.key_for("luma_agents").value == "agents-key"
