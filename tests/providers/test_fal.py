"""fal.ai adapter: the exact request it builds, prices, and its reading of answers."""

import json

import httpx
import pytest

from studio.providers.base import (
    Failed,
    InputImage,
    Pending,
    ProviderContext,
    ProviderError,
    RenderRequest,
    Succeeded,
)
from studio.providers.fal import MODELS, FalProvider

CTX = ProviderContext(base_url="https://queue.fal.run", key="fal-key-0123456789")
fal = FalProvider()


def build(model, prompt="a red fox", images=(), **kw):
    params = kw.pop("params", {})
    req = RenderRequest(provider="fal", model=model, prompt=prompt, params=params, **kw)
    return fal.build(req, MODELS[model].params.model_validate(params), images, CTX)


def test_flux_dev_request_is_exactly_what_fal_expects():
    call = build("fal-ai/flux/dev", seed=7, negative_prompt="ignored: flux has none",
                 params={"num_images": 2, "image_size": "square_hd"})
    assert call.method == "POST"
    assert call.url == "https://queue.fal.run/fal-ai/flux/dev"
    assert call.headers["Authorization"] == "Key fal-key-0123456789"
    assert json.loads(call.body_bytes()) == {
        "prompt": "a red fox", "image_size": "square_hd", "num_inference_steps": 28,
        "guidance_scale": 3.5, "num_images": 2, "output_format": "jpeg",
        "enable_safety_checker": True, "acceleration": "none", "seed": 7}
    record = call.record()
    assert record["headers"]["Authorization"] == "Key ***"
    assert "fal-key" not in json.dumps(record)


def test_negative_prompt_only_where_supported_and_images_as_data_uris():
    call = build("fal-ai/fast-sdxl", negative_prompt="blurry")
    assert call.json_body["negative_prompt"] == "blurry"
    img = InputImage("in.png", "image/png", b"\x89PNG" + b"0" * 400, "ab" * 32)
    call = build("fal-ai/flux/dev/image-to-image", images=[img])
    assert call.json_body["image_url"].startswith("data:image/png;base64,")
    assert call.record()["body"]["image_url"].startswith("data:image/png;base64,<")


@pytest.mark.parametrize(("model", "params", "usd", "exact"), [
    # fal bills per megapixel rounded up to a whole one: 1024x768 is billed as 1 MP.
    ("fal-ai/flux/dev", {}, 0.025, True),
    ("fal-ai/flux/dev", {"num_images": 4}, 0.10, True),
    # 1024x1024 is 1 MP in fal's own examples, but 1.05 decimal megapixels: an estimate.
    ("fal-ai/flux/dev", {"image_size": "square_hd"}, 0.025, False),
    ("fal-ai/flux/schnell", {"image_size": "landscape_16_9"}, 0.003, True),
    ("fal-ai/flux-pro/v1.1", {"num_images": 3}, 0.12, False),  # third-party figure
    ("fal-ai/flux-pro/v1.1-ultra", {"num_images": 2}, 0.12, True),
    ("fal-ai/kling-video/v2.1/standard/image-to-video", {"duration": "10"}, 0.28 + 5 * 0.056,
     True),
    ("fal-ai/wan-t2v", {"resolution": "480p"}, 0.20, True),
    ("fal-ai/wan-t2v", {"num_frames": 100}, 0.50, True),
    # No published price: an estimate from fal's docs ("~$0.0025" a typical 25-step run).
    ("fal-ai/fast-sdxl", {}, 0.0025, False),
    ("fal-ai/fast-sdxl", {"num_images": 2, "num_inference_steps": 50}, 0.01, False),
])
def test_price_rules(model, params, usd, exact):
    price = MODELS[model].estimate(MODELS[model].params.model_validate(params))
    assert price.usd == pytest.approx(usd, abs=1e-4)
    assert price.exact is exact
    assert price.source is not None and price.source.url.startswith("https://")


def test_image_to_image_is_priced_by_the_input_images_size():
    """The output takes the input's size, so a bigger input costs more."""
    from studio.providers.base import ImageFacts

    model = MODELS["fal-ai/flux/dev/image-to-image"]
    params = model.params()
    small = model.estimate(params, [ImageFacts(800, 600)])
    big = model.estimate(params, [ImageFacts(2048, 2048)])  # 4 MP
    assert (small.usd, big.usd) == (pytest.approx(0.025), pytest.approx(0.10))
    assert "2048x2048" in big.basis and not big.exact
    unknown = model.estimate(params)
    assert unknown.usd == pytest.approx(0.025) and "assumed" in unknown.basis


def test_every_model_is_in_fals_published_endpoint_types():
    from studio.providers.fal_sources import ENDPOINTS

    assert "fal-ai/veo3" not in MODELS  # gone from fal's types in August 2026
    assert all(m.source == ENDPOINTS for m in MODELS.values())
    assert "fal-js/blob/381105e" in ENDPOINTS and ENDPOINTS.endswith("endpoints.ts")


def test_https_inputs_go_as_urls_local_ones_as_data_uris():
    url = InputImage("a.png", "image/*", b"", "", url="https://example.com/a.png")
    call = build("fal-ai/flux/dev/image-to-image", images=[url])
    assert call.json_body["image_url"] == "https://example.com/a.png"


def handler_for(responses):
    calls = []

    def handler(request: httpx.Request):
        calls.append(request)
        status, body = responses.pop(0)
        if isinstance(body, bytes):
            return httpx.Response(status, content=body,
                                  headers={"content-type": "application/json"})
        return httpx.Response(status, json=body)
    return handler, calls


async def test_status_and_result_reading():
    handler, calls = handler_for([
        (200, {"status": "IN_QUEUE", "queue_position": 3}),
        (200, {"status": "IN_PROGRESS", "logs": [{"message": "step 3/28"}]}),
        (200, {"status": "COMPLETED", "logs": []}),
        (200, {"images": [{"url": "https://v3.fal.media/x.jpg", "content_type": "image/jpeg"}],
               "seed": 42, "has_nsfw_concepts": [False]}),
    ])
    handle = fal._handle(CTX, "fal-ai/flux/dev", "req-1")
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        assert await fal.poll(http, handle, CTX) == Pending(
            "queued", queue_position=3, raw={"status": "IN_QUEUE", "queue_position": 3})
        running = await fal.poll(http, handle, CTX)
        assert running.state == "running" and running.message == "step 3/28"
        done = await fal.poll(http, handle, CTX)
    assert isinstance(done, Succeeded) and done.seed == 42
    assert done.outputs[0].url == "https://v3.fal.media/x.jpg"
    # Status and result URLs drop the endpoint's sub-path, as fal's own client does.
    assert str(calls[0].url) == "https://queue.fal.run/fal-ai/flux/requests/req-1/status?logs=1"
    assert str(calls[3].url) == "https://queue.fal.run/fal-ai/flux/requests/req-1"


async def test_completed_with_error_is_a_failure():
    handler, _ = handler_for([(200, {"status": "COMPLETED", "error": "NSFW content",
                                     "error_type": "content_policy"})])
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        result = await fal.poll(http, fal._handle(CTX, "fal-ai/flux/dev", "r"), CTX)
    assert isinstance(result, Failed) and "NSFW content" in result.message
    assert result.code == "content_policy"


@pytest.mark.parametrize(("status", "body", "retryable", "words"), [
    (200, b'{"status": "IN_PROG', True, "malformed"),
    (401, {"detail": "Invalid key"}, False, "check it in Settings"),
    (402, {"detail": "Out of credits"}, False, "add credits"),
    (429, {"detail": "slow down"}, True, "rate limited"),
    (503, {"detail": "busy"}, True, "internal error"),
])
async def test_errors_are_actionable(status, body, retryable, words):
    handler, _ = handler_for([(status, body)])
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        with pytest.raises(ProviderError) as info:
            await fal.poll(http, fal._handle(CTX, "fal-ai/flux/dev", "r"), CTX)
    assert info.value.retryable is retryable
    assert words in info.value.message
    assert "fal-key" not in info.value.message


@pytest.mark.parametrize(("logs", "progress"), [
    (["Sandbox worker picked up x", "Step 3/8"], 3 / 8),
    (["  4%|▍         | 1/28 [00:00<00:05,  5.1it/s]"], 1 / 28),
    (["loading model", "50% done"], 0.5),
    (["loading model"], None),
    (["Step 9/8"], None),
])
def test_progress_from_logs(logs, progress):
    from studio.providers.fal import progress_from_logs

    assert progress_from_logs(logs) == progress


def test_validation_issues_name_the_field():
    from studio.providers.http import error_detail

    response = httpx.Response(400, json={"error": "Validation of body failed", "issues": [
        {"path": ["ratio"], "message": "Invalid enum value"}]})
    assert error_detail(response) == "Validation of body failed: ratio: Invalid enum value"


def test_multipart_calls_have_no_stray_parts():
    from studio.providers.base import FilePart, PreparedCall

    call = PreparedCall("POST", "https://x/y", {}, form={"prompt": "a fox", "seed": "3"},
                        files=[FilePart("image", "in.png", "image/png", b"PNG")])
    request = httpx.Request("POST", call.url, **call.send_kwargs())
    body = request.read().decode("latin-1")
    assert request.headers["content-type"].startswith("multipart/form-data")
    assert body.count("Content-Disposition") == 3
    assert 'name="prompt"' in body and 'name="image"; filename="in.png"' in body
    text_only = PreparedCall("POST", "https://x/y", {}, form={"prompt": "a fox"})
    request = httpx.Request("POST", text_only.url, **text_only.send_kwargs())
    assert request.headers["content-type"].startswith("multipart/form-data")
    assert request.read().decode().count("Content-Disposition") == 1
