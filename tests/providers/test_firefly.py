"""Adobe Firefly adapter: the exact requests it builds, the compliance gate, IMS token caching
and error mapping, and whole Studio jobs over real HTTP against the sandbox."""

import asyncio

import httpx
import pytest
from PIL import Image

from studio.core.config import set_value
from studio.core.jobs import JobStatus
from studio.core.secrets import SANDBOX_KEY
from studio.core.service import Studio
from studio.providers import registry
from studio.providers.base import Failed, Pending, ProviderContext, RenderRequest, Succeeded
from studio.providers.firefly import (
    DISABLED_REASON,
    MODELS,
    SANDBOX_CLIENT_ID,
    FireflyProvider,
    split_key,
)
from studio.providers.firefly_ims import IMS_SCOPE, IMS_URL
from studio.sandbox.recorder import fingerprint
from tests.conftest import TEST_KEY, sandbox_requests, set_faults

BASE = "https://firefly-api.adobe.io"
CTX = ProviderContext(base_url=BASE, key=f"client-123:{TEST_KEY}")
firefly = FireflyProvider(env={})


def build(prompt="a red fox", ctx=CTX, provider=firefly, **kw):
    params = kw.pop("params", {})
    req = RenderRequest(provider="firefly", model="firefly-image", prompt=prompt, params=params,
                        **kw)
    return provider.build(req, MODELS["firefly-image"].params.model_validate(params), [], ctx)


def test_request_is_exactly_what_firefly_expects():
    call = build(seed=41, negative_prompt="blur",
                 params={"modelVersion": "image4_ultra", "numVariations": 2,
                         "size": "2688x1536", "contentClass": "photo", "visualIntensity": 6,
                         "stylePresets": "watercolor, golden_hour", "styleStrength": 60})
    assert (call.method, call.url) == ("POST", f"{BASE}/v3/images/generate-async")
    assert call.headers == {"Authorization": "Bearer <IMS access token>",
                            "x-api-key": "client-123", "Content-Type": "application/json",
                            "Accept": "application/json", "x-model-version": "image4_ultra"}
    assert call.json_body == {
        "prompt": "a red fox", "negativePrompt": "blur", "numVariations": 2, "seeds": [41, 42],
        "size": {"width": 2688, "height": 1536}, "contentClass": "photo",
        "visualIntensity": 6, "style": {"presets": ["watercolor", "golden_hour"],
                                        "strength": 60}}
    record = call.record()
    assert record["headers"]["x-api-key"] == "***"
    assert TEST_KEY not in str(record)


def test_defaults_leave_optional_fields_and_the_model_header_out():
    call = build()
    assert "x-model-version" not in call.headers
    assert call.json_body == {"prompt": "a red fox", "numVariations": 1,
                              "size": {"width": 2048, "height": 2048}}


def test_credentials_come_from_the_key_or_the_secret_plus_client_id_env():
    env = {"FIREFLY_CLIENT_ID": "env-id"}
    assert split_key("id-1:secret-1", env) == ("id-1", "secret-1")
    assert split_key("secret-only", env) == ("env-id", "secret-only")
    assert split_key("secret-only", {}) == (None, "secret-only")
    assert split_key(SANDBOX_KEY, {}, sandbox=True) == (SANDBOX_CLIENT_ID, SANDBOX_KEY)
    # A dry run without credentials still records the request, with a placeholder id.
    call = build(ctx=ProviderContext(base_url=BASE, key=None))
    assert call.headers["x-api-key"] == "<FIREFLY_CLIENT_ID>"


def test_no_published_price():
    price = MODELS["firefly-image"].estimate(MODELS["firefly-image"].params())
    assert price.usd is None and "enterprise" in price.basis


# ---- the compliance gate ------------------------------------------------------------------


def compliant(studio: Studio, image_flag: bool = True) -> Studio:
    settings = set_value(studio.settings, "compliance.firefly", "true")
    if image_flag:
        settings = set_value(settings, "features.enable_public_image_providers", "true")
    studio.update_settings(settings)
    return studio


def test_disabled_until_the_workspace_is_flagged_compliant(home, memory_keyring, monkeypatch):
    monkeypatch.setenv("FIREFLY_CLIENT_ID", "id-1")
    monkeypatch.setenv("FIREFLY_CLIENT_SECRET", "secret-1")
    studio = Studio(home)
    studio.update_settings(set_value(studio.settings,
                                     "features.enable_public_image_providers", "true"))
    entry = studio.catalog.entry("firefly")
    assert (entry.status, entry.reason) == ("disabled", DISABLED_REASON)
    assert "enterprise entitlement" in entry.reason and "Settings › compliance" in entry.reason
    assert "client_id:client_secret" in entry.notes
    compliant(studio)
    entry = studio.catalog.entry("firefly")
    assert (entry.status, entry.key_source) == ("live", "environment")


def test_compliant_but_without_credentials_is_missing_credentials(home, memory_keyring):
    studio = compliant(Studio(home, env={}))
    assert studio.catalog.entry("firefly").status == "missing-credentials"
    studio.store_key("firefly", "id-1:secret-1")
    assert studio.catalog.entry("firefly").status == "live"


async def test_disabled_provider_only_dry_runs(home, sandbox):
    studio = Studio(home, sandbox_url=sandbox.url)
    studio.update_settings(set_value(studio.settings,
                                     "features.enable_public_image_providers", "true"))
    try:
        job = await studio.submit(RenderRequest(provider="firefly", model="firefly-image",
                                                prompt="a fox"))
        assert job.status is JobStatus.DRY_RUN and job.dry_run_reason == DISABLED_REASON
    finally:
        await studio.aclose()
    assert sandbox_requests(sandbox, "firefly") == []


# ---- whole jobs against the sandbox -------------------------------------------------------


async def test_two_jobs_share_one_ims_token(home, sandbox):
    registry()["firefly"].forget_tokens()
    set_faults(sandbox, run_seconds=1.5)  # long enough to be seen running
    studio = compliant(Studio(home, sandbox_url=sandbox.url))
    try:
        requests = [RenderRequest(provider="firefly", model="firefly-image", prompt=p, seed=s,
                                  params={"numVariations": 2, "size": "2304x1792"})
                    for p, s in (("a lighthouse", 7), ("a harbour", 8))]
        jobs = await asyncio.gather(*(studio.submit(r) for r in requests))
        jobs = [await studio.wait(j.id) for j in jobs]
        for job in jobs:
            assert job.status is JobStatus.SUCCEEDED, job.error
            assets = studio.store.assets_for_job(job.id)
            assert len(assets) == 2
            for asset in assets:
                with Image.open(asset.path) as image:
                    assert (image.format, image.size) == ("PNG", (2304, 1792))
        statuses = [e["to"] for e in studio.store.events(jobs[0].id) if e["kind"] == "status"]
        assert statuses == ["queued", "submitting", "submitted", "running", "succeeded"]
    finally:
        await studio.aclose()
    recorded = sandbox_requests(sandbox, "firefly")
    [ims] = [r for r in recorded if r["route"] == "/ims/token/v3"]
    assert ims["body"] == {"grant_type": "client_credentials", "client_id": SANDBOX_CLIENT_ID,
                           "client_secret": f"<redacted sha256:{fingerprint(SANDBOX_KEY)}>",
                           "scope": IMS_SCOPE}
    posts = [r for r in recorded if r["route"] == "/v3/images/generate-async"]
    assert sorted(p["body"]["seeds"] for p in posts) == [[7, 8], [8, 9]]
    assert {p["headers"]["x-api-key"] for p in posts} == {
        f"<redacted sha256:{fingerprint(SANDBOX_CLIENT_ID)}>"}
    polls = [r for r in recorded if r["route"].startswith("/v3/status/")]
    assert [p["status"] for p in posts] == [202, 202]
    assert polls and all(r["status"] == 200 for r in polls)


async def test_revoked_secret_is_mapped_to_check_the_client_id_and_secret(
        home, sandbox, monkeypatch):
    monkeypatch.setenv("STUDIO_FIREFLY_BASE_URL", f"{sandbox.url}/firefly")
    monkeypatch.setenv("FIREFLY_CLIENT_ID", "id-1")
    monkeypatch.setenv("FIREFLY_CLIENT_SECRET", "revoked-secret-1")
    studio = compliant(Studio(home))
    try:
        job = await studio.submit(RenderRequest(provider="firefly", model="firefly-image",
                                                prompt="a fox"))
        job = await studio.wait(job.id)
        assert job.status is JobStatus.FAILED
        assert "check the client id/secret" in job.error and "HTTP 401" in job.error
        assert job.error_code == "ims_invalid_client"
    finally:
        await studio.aclose()
    assert [r["route"] for r in sandbox_requests(sandbox, "firefly")] == ["/ims/token/v3"]


async def test_unsafe_prompt_is_refused_with_actionable_text(home, sandbox):
    set_faults(sandbox, fail_next={"provider": "firefly", "status": 400, "code": "prompt_unsafe",
                                   "message": "Prompt is not allowed"})
    studio = compliant(Studio(home, sandbox_url=sandbox.url))
    try:
        job = await studio.wait((await studio.submit(RenderRequest(
            provider="firefly", model="firefly-image", prompt="something unsafe"))).id)
        assert job.status is JobStatus.FAILED
        assert job.error == ("Firefly submit: Adobe's content filter refused the prompt; "
                             "rephrase it (Adobe: Prompt is not allowed) (HTTP 400)")
        assert job.error_code == "prompt_unsafe"
    finally:
        await studio.aclose()


async def test_failed_job_reports_the_error_code(home, sandbox):
    set_faults(sandbox, fail_next={"provider": "firefly", "code": "output_media_unsafe",
                                   "message": "Output blocked"})
    studio = compliant(Studio(home, sandbox_url=sandbox.url))
    try:
        job = await studio.wait((await studio.submit(RenderRequest(
            provider="firefly", model="firefly-image", prompt="a fox"))).id)
        assert job.status is JobStatus.FAILED
        assert job.error.startswith("Firefly: Adobe's content filter blocked the generated")
        assert job.error_code == "output_media_unsafe"
        assert studio.store.assets_for_job(job.id) == []
    finally:
        await studio.aclose()


async def test_cancel_calls_the_cancel_url(home, sandbox):
    set_faults(sandbox, run_seconds=5)
    studio = compliant(Studio(home, sandbox_url=sandbox.url))
    try:
        job = await studio.submit(RenderRequest(provider="firefly", model="firefly-image",
                                                prompt="waves"))
        for _ in range(250):
            if studio.store.get_job(job.id).status is JobStatus.RUNNING:
                break
            await asyncio.sleep(0.02)
        job = await studio.cancel(job.id)
        assert job.status is JobStatus.CANCELLED
    finally:
        await studio.aclose()
    cancels = [r for r in sandbox_requests(sandbox, "firefly") if r["method"] == "PUT"]
    assert [(c["route"], c["status"]) for c in cancels] == [(f"/v3/cancel/{job.remote_id}", 200)]


# ---- token lifetime and status reading (MockTransport) ------------------------------------


async def test_token_is_reused_until_shortly_before_expiry():
    now = [1000.0]
    provider = FireflyProvider(env={}, clock=lambda: now[0])
    ims_calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        if str(request.url) == IMS_URL:
            ims_calls.append(request)
            return httpx.Response(200, json={"access_token": f"tok-{len(ims_calls)}",
                                             "token_type": "bearer", "expires_in": 3600})
        assert request.headers["x-api-key"] == "client-123"
        return httpx.Response(200, json={"jobId": "j1", "status": "RUNNING", "progress": 40})

    handle = (await _submit_mock(provider)).handle
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        first = await provider.poll(http, handle, CTX)
        now[0] += 3600 - 301  # still valid
        await provider.poll(http, handle, CTX)
        now[0] += 2  # inside the 5-minute refresh margin
        await provider.poll(http, handle, CTX)
    assert first == Pending("running", progress=0.4, raw=first.raw)
    assert len(ims_calls) == 2
    assert b"client_secret=" + TEST_KEY.encode() in ims_calls[0].content


async def _submit_mock(provider):
    def handler(request: httpx.Request) -> httpx.Response:
        if str(request.url) == IMS_URL:
            return httpx.Response(200, json={"access_token": "tok-0", "expires_in": 3600})
        assert request.headers["authorization"] == "Bearer tok-0"
        return httpx.Response(202, json={
            "jobId": "j1", "statusUrl": f"{BASE}/v3/status/j1",
            "cancelUrl": "https://elsewhere.example/v3/cancel/j1"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        submitted = await provider.submit(http, build(provider=provider), CTX)
    # A cancel URL on another host never gets the token.
    assert submitted.handle.urls == {"status": f"{BASE}/v3/status/j1"}
    provider.forget_tokens()
    return submitted


@pytest.mark.parametrize(("answer", "expected"), [
    ({"status": "pending"}, Pending),
    ({"status": "Succeeded", "result": {"outputs": [
        {"seed": 5, "image": {"url": "https://pre.signed/1.jpg"}}]}}, Succeeded),
    ({"status": "succeeded", "result": {"outputs": []}}, Failed),
    ({"status": "failed", "error_code": "prompt_unsafe", "message": "no"}, Failed),
])
async def test_status_values_are_read_case_insensitively(answer, expected):
    def handler(request: httpx.Request) -> httpx.Response:
        if str(request.url) == IMS_URL:
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3600})
        return httpx.Response(200, json=answer)

    provider = FireflyProvider(env={})
    handle = (await _submit_mock(provider)).handle
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        result = await provider.poll(http, handle, CTX)
    assert isinstance(result, expected)
    if isinstance(result, Succeeded):
        assert (result.outputs[0].url, result.seed) == ("https://pre.signed/1.jpg", 5)
    if answer.get("error_code"):
        assert result.code == "prompt_unsafe" and "rephrase" in result.message
