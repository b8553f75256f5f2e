"""Stability adapter: the exact multipart requests it builds and prices, its reading of the
synchronous image answer, and whole Studio jobs over real HTTP against the sandbox."""

import base64
import io
from pathlib import Path

import httpx
import pytest
from PIL import Image

from studio.core.config import set_value
from studio.core.jobs import JobStatus
from studio.core.secrets import SANDBOX_KEY
from studio.core.service import Studio
from studio.providers.base import (
    Failed,
    FilePart,
    InputImage,
    ProviderContext,
    ProviderError,
    RemoteHandle,
    RenderRequest,
    Succeeded,
)
from studio.providers.stability import MODELS, StabilityProvider
from studio.sandbox.recorder import fingerprint
from tests.conftest import TEST_KEY, sandbox_requests, set_faults

CTX = ProviderContext(base_url="https://api.stability.ai", key=TEST_KEY)
SANDBOX_AUTH = f"Bearer <redacted sha256:{fingerprint(SANDBOX_KEY)}>"
stability = StabilityProvider()
PNG = InputImage("in.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "ab" * 32)
BASE = "https://api.stability.ai/v2beta/stable-image/generate"


def build(model, prompt="a lighthouse", images=(), **kw):
    params = kw.pop("params", {})
    req = RenderRequest(provider="stability", model=model, prompt=prompt, params=params, **kw)
    return stability.build(req, MODELS[model].params.model_validate(params), images, CTX)


@pytest.mark.parametrize(("model", "kw", "url", "form"), [
    ("ultra", dict(seed=5, negative_prompt="fog", params={"style_preset": "anime"}),
     f"{BASE}/ultra", {"prompt": "a lighthouse", "aspect_ratio": "1:1", "output_format": "png",
                       "style_preset": "anime", "negative_prompt": "fog", "seed": "5"}),
    ("core", dict(params={"aspect_ratio": "21:9", "output_format": "webp"}), f"{BASE}/core",
     {"prompt": "a lighthouse", "aspect_ratio": "21:9", "output_format": "webp"}),
    ("sd3.5-large", dict(seed=0, params={"cfg_scale": 7.5}), f"{BASE}/sd3",
     {"prompt": "a lighthouse", "model": "sd3.5-large", "mode": "text-to-image",
      "aspect_ratio": "1:1", "output_format": "png", "cfg_scale": "7.5", "seed": "0"}),
    ("sd3.5-large-turbo", {}, f"{BASE}/sd3",
     {"prompt": "a lighthouse", "model": "sd3.5-large-turbo", "mode": "text-to-image",
      "aspect_ratio": "1:1", "output_format": "png", "cfg_scale": "1"}),
    ("sd3.5-medium", dict(params={"output_format": "jpeg", "aspect_ratio": "9:16"}),
     f"{BASE}/sd3", {"prompt": "a lighthouse", "model": "sd3.5-medium",
                     "mode": "text-to-image", "aspect_ratio": "9:16", "output_format": "jpeg",
                     "cfg_scale": "4"}),
])
def test_text_to_image_requests_are_multipart_forms(model, kw, url, form):
    call = build(model, **kw)
    assert (call.method, call.url) == ("POST", url)
    assert call.headers == {"Authorization": f"Bearer {TEST_KEY}", "Accept": "image/*"}
    assert call.json_body is None and dict(call.form) == form and list(call.files) == []
    assert call.record()["headers"]["Authorization"] == "Bearer ***"


@pytest.mark.parametrize(("model", "extra"), [
    ("ultra", {}),
    ("sd3.5-large", {"model": "sd3.5-large", "mode": "image-to-image", "cfg_scale": "4"}),
])
def test_image_to_image_sends_the_file_and_strength_but_no_aspect_ratio(model, extra):
    call = build(model, images=[PNG], params={"strength": 0.35, "aspect_ratio": "16:9"})
    assert dict(call.form) == {"prompt": "a lighthouse", "strength": "0.35",
                               "output_format": "png", **extra}
    assert list(call.files) == [FilePart("image", "in.png", "image/png", PNG.data)]
    assert call.record()["files"] == [{"field": "image", "filename": "in.png",
                                       "media_type": "image/png", "bytes": len(PNG.data)}]


@pytest.mark.parametrize(("model", "credits"), [
    ("ultra", 8), ("core", 3), ("sd3.5-large", 6.5), ("sd3.5-large-turbo", 4),
    ("sd3.5-medium", 3.5),
])
def test_price_per_image(model, credits):
    price = MODELS[model].estimate(MODELS[model].params())
    assert (price.credits, price.approximate) == (credits, True)
    assert price.usd == pytest.approx(credits * 0.01)


@pytest.mark.parametrize(("model", "params"), [
    ("sd3.5-large", {"output_format": "webp"}), ("sd3.5-large", {"cfg_scale": 11}),
    ("ultra", {"aspect_ratio": "4:3"}), ("core", {"style_preset": "watercolour"}),
    ("core", {"strength": 0.5}), ("ultra", {"strength": 1.5}),
])
def test_values_stability_would_reject_are_refused_before_sending(model, params):
    with pytest.raises(ValueError):
        MODELS[model].params.model_validate(params)


async def submit_answer(response: httpx.Response):
    transport = httpx.MockTransport(lambda request: response)
    async with httpx.AsyncClient(transport=transport) as http:
        return await stability.submit(http, build("core"), CTX)


async def test_image_answer_is_an_inline_success_with_the_seed_header():
    submitted = await submit_answer(httpx.Response(200, content=b"\x89PNG-bytes", headers={
        "content-type": "image/png", "finish-reason": "SUCCESS", "seed": "1234"}))
    result = submitted.result
    assert isinstance(result, Succeeded) and result.seed == 1234
    assert (result.outputs[0].data, result.outputs[0].media_type) == (b"\x89PNG-bytes",
                                                                       "image/png")
    assert submitted.handle.remote_id


async def test_json_answer_is_read_too():
    body = {"image": base64.b64encode(b"\xff\xd8\xffjpeg").decode(), "finish_reason": "SUCCESS",
            "seed": 77}
    result = (await submit_answer(httpx.Response(200, json=body))).result
    assert isinstance(result, Succeeded) and result.seed == 77
    assert result.outputs[0].data == b"\xff\xd8\xffjpeg"


async def test_content_filtered_is_a_failure():
    result = (await submit_answer(httpx.Response(200, content=b"blurred", headers={
        "content-type": "image/png", "finish-reason": "CONTENT_FILTERED", "seed": "9"}))).result
    assert isinstance(result, Failed) and result.code == "CONTENT_FILTERED"
    assert "Stability's content filter blocked this image" in result.message


@pytest.mark.parametrize(("response", "words", "retryable"), [
    (httpx.Response(402, json={"id": "x", "name": "payment_required",
                               "errors": ["You lack sufficient credits"]}),
     "add credits with the provider (HTTP 402): You lack sufficient credits", False),
    (httpx.Response(400, json={"name": "bad_request", "errors": ["prompt: is required",
                                                                 "seed: too big"]}),
     "prompt: is required; seed: too big", False),
    (httpx.Response(200, text="<html>", headers={"content-type": "text/html"}),
     "expected an image, got text/html", False),
])
async def test_errors_are_actionable(response, words, retryable):
    with pytest.raises(ProviderError) as info:
        await submit_answer(response)
    assert words in info.value.message and info.value.retryable is retryable
    assert TEST_KEY not in info.value.message


async def test_poll_explains_there_is_nothing_to_poll():
    async with httpx.AsyncClient() as http:
        with pytest.raises(ProviderError) as info:
            await stability.poll(http, RemoteHandle("r1"), CTX)
    assert not info.value.retryable and "retry the job" in info.value.message


# ---- whole jobs against the sandbox -------------------------------------------------------


def live_studio(home, sandbox) -> Studio:
    studio = Studio(home, sandbox_url=sandbox.url)
    studio.update_settings(set_value(studio.settings,
                                     "features.enable_public_image_providers", "true"))
    return studio


def decoded(path: str) -> tuple[str, int, int]:
    with Image.open(io.BytesIO(Path(path).read_bytes())) as image:
        image.load()
        return image.format, image.width, image.height


async def test_ultra_job_saves_the_png_and_the_seed_stability_chose(home, sandbox):
    studio = live_studio(home, sandbox)
    try:
        request = RenderRequest(provider="stability", model="ultra", prompt="a lighthouse",
                                negative_prompt="fog", params={"aspect_ratio": "16:9"})
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        assert isinstance(job.seed, int) and job.seed > 0  # from the `seed` response header
        [asset] = studio.store.assets_for_job(job.id)
        assert decoded(asset.path) == ("PNG", 1344, 768)
    finally:
        await studio.aclose()
    [before, post, after] = sandbox_requests(sandbox, "stability")
    # Read just before it was sent and after it: the drop is its cost.
    assert before["path"] == after["path"] == "/stability/v1/user/balance"
    assert post["path"] == "/stability/v2beta/stable-image/generate/ultra"
    assert post["headers"]["accept"] == "image/*"
    assert post["headers"]["authorization"] == SANDBOX_AUTH
    assert post["body_kind"] == "multipart"
    # PreparedCall forces multipart without files by adding an empty "none" part.
    assert post["body"]["fields"].pop("none", "") == ""
    assert post["body"]["fields"] == {"prompt": "a lighthouse", "aspect_ratio": "16:9",
                                      "output_format": "png", "negative_prompt": "fog"}


async def test_sd35_image_to_image_job(home, sandbox, tmp_path):
    source = tmp_path / "source.png"
    Image.new("RGB", (320, 200), (20, 90, 160)).save(source)
    studio = live_studio(home, sandbox)
    try:
        await studio.catalog.refresh_quotas(force=True)  # the balance before the job
        request = RenderRequest(provider="stability", model="sd3.5-large", prompt="at dusk",
                                seed=31337, input_images=[str(source)],
                                params={"output_format": "jpeg", "strength": 0.6})
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        assert job.seed == 31337
        # Stability reports no cost: its balance fell by what the sandbox charged.
        assert job.actual_cost["credits"] == pytest.approx(6.5)
        assert job.actual_cost["usd"] == pytest.approx(0.065)
        [asset] = studio.store.assets_for_job(job.id)
        assert decoded(asset.path) == ("JPEG", 320, 200)  # the input's shape
    finally:
        await studio.aclose()
    [_, post, _] = sandbox_requests(sandbox, "stability")
    assert post["path"] == "/stability/v2beta/stable-image/generate/sd3"
    assert post["body"]["fields"] == {"prompt": "at dusk", "model": "sd3.5-large",
                                      "mode": "image-to-image", "strength": "0.6",
                                      "output_format": "jpeg", "cfg_scale": "4",
                                      "seed": "31337"}
    assert [(f["field"], f["content_type"], f["size"]) for f in post["body"]["files"]] == [
        ("image", "image/png", source.stat().st_size)]


async def test_content_filter_fails_the_job_without_saving(home, sandbox):
    set_faults(sandbox, fail_next={"provider": "stability", "code": "CONTENT_FILTERED"})
    studio = live_studio(home, sandbox)
    try:
        request = RenderRequest(provider="stability", model="core", prompt="a lighthouse")
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.FAILED and job.error_code == "CONTENT_FILTERED"
        assert "content filter blocked this image" in job.error
        assert studio.store.assets_for_job(job.id) == []
    finally:
        await studio.aclose()
    [balance, post] = sandbox_requests(sandbox, "stability")  # one send, nothing after it
    assert (balance["method"], post["method"]) == ("GET", "POST")


async def test_out_of_credits_fails_with_advice(home, sandbox):
    set_faults(sandbox, stability_credits=2)
    studio = live_studio(home, sandbox)
    try:
        request = RenderRequest(provider="stability", model="ultra", prompt="a lighthouse")
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.FAILED and job.error_code == "http_402"
        assert "add credits" in job.error
    finally:
        await studio.aclose()


async def test_credit_balance_and_low_quota(home, sandbox):
    studio = live_studio(home, sandbox)
    try:
        await studio.catalog.refresh_quotas(force=True)
        assert studio.catalog.entry("stability").status == "live"  # 1000 credits = $10
        set_faults(sandbox, stability_credits=50)
        quota = await stability.usage(await studio.http(), studio.context("stability"))
        assert (quota.remaining, quota.unit, quota.usd) == (50, "credits", pytest.approx(0.5))
        await studio.catalog.refresh_quotas(force=True)
        assert studio.catalog.entry("stability").status == "low-quota"
    finally:
        await studio.aclose()
    balances = [r for r in sandbox_requests(sandbox, "stability")
                if r["path"] == "/stability/v1/user/balance"]
    assert len(balances) == 3


async def test_dry_run_records_the_form_without_sending(home, sandbox):
    studio = Studio(home, sandbox_url=sandbox.url,  # image flag off: dry-run
                    sandbox_live=False)
    try:
        request = RenderRequest(provider="stability", model="sd3.5-medium", prompt="a lighthouse")
        job = await studio.submit(request)
        assert job.status is JobStatus.DRY_RUN
        assert job.estimate["credits"] == 3.5 and job.estimate["usd"] == pytest.approx(0.035)
        assert job.prepared["form"]["model"] == "sd3.5-medium"
        assert job.prepared["headers"]["Accept"] == "image/*"
    finally:
        await studio.aclose()
    assert sandbox_requests(sandbox, "stability") == []
