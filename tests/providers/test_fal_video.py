"""The extra fal video models: exact request bodies (second images in the model's own field),
prices, validation, safety knobs, and live jobs against the sandbox."""

import base64
from pathlib import Path

import av
import pytest
from PIL import Image

from studio.core.config import set_value
from studio.core.jobs import JobStatus
from studio.core.requests import RequestError, check_request
from studio.core.service import Studio
from studio.providers import registry
from studio.providers.base import InputImage, ProviderContext, RenderRequest
from studio.providers.fal import MODELS, FalProvider
from studio.providers.fal_video import VIDEO_MODELS
from tests.conftest import sandbox_requests

CTX = ProviderContext(base_url="https://queue.fal.run", key="fal-key-0123456789")
fal = FalProvider()
PNG = InputImage("a.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 600, "ab" * 32)
JPG = InputImage("b.jpg", "image/jpeg", b"\xff\xd8\xff" + b"\1" * 600, "cd" * 32)
KLING, RAY, PIXVERSE = ("fal-ai/kling-video/v2.1", "fal-ai/luma-dream-machine/ray-2",
                        "fal-ai/pixverse/v4.5")
RAY_DEFAULTS = {"aspect_ratio": "16:9", "duration": "5s", "resolution": "540p", "loop": False}
VEO_DEFAULTS = {"aspect_ratio": "16:9", "duration": "8s", "resolution": "720p",
                "generate_audio": True, "auto_fix": True, "safety_tolerance": "4"}


def uri(image: InputImage) -> str:
    return f"data:{image.media_type};base64," + base64.b64encode(image.data).decode()


def build(model, images=(), **kw):
    params = kw.pop("params", {})
    req = RenderRequest(provider="fal", model=model, prompt="a red fox", params=params, **kw)
    return fal.build(req, MODELS[model].params.model_validate(params), images, CTX)


def test_every_video_model_is_merged_into_fals_catalog():
    assert set(VIDEO_MODELS) <= set(MODELS)
    assert len(VIDEO_MODELS) == 11 and "fal-ai/veo3" not in MODELS


@pytest.mark.parametrize(("model", "kw", "body"), [
    (f"{KLING}/pro/image-to-video", dict(images=[PNG, JPG], seed=3, negative_prompt="blur"),
     {"duration": "5", "cfg_scale": 0.5, "negative_prompt": "blur", "image_url": uri(PNG),
      "tail_image_url": uri(JPG)}),
    (f"{KLING}/master/image-to-video", dict(images=[PNG], params={"duration": "10"}),
     {"duration": "10", "cfg_scale": 0.5, "image_url": uri(PNG)}),
    (f"{KLING}/master/text-to-video", dict(params={"aspect_ratio": "1:1", "cfg_scale": 0.8}),
     {"duration": "5", "cfg_scale": 0.8, "aspect_ratio": "1:1"}),
    (RAY, dict(seed=3, negative_prompt="Ray takes neither"), RAY_DEFAULTS),
    (f"{RAY}/image-to-video", dict(images=[PNG, JPG], params={"loop": True}),
     {**RAY_DEFAULTS, "loop": True, "image_url": uri(PNG), "end_image_url": uri(JPG)}),
    (f"{RAY}-flash", dict(params={"resolution": "1080p", "duration": "9s"}),
     {**RAY_DEFAULTS, "resolution": "1080p", "duration": "9s"}),
    (f"{RAY}-flash/image-to-video", dict(images=[PNG]), {**RAY_DEFAULTS, "image_url": uri(PNG)}),
    (f"{PIXVERSE}/text-to-video", dict(seed=3, negative_prompt="blur",
                                       params={"style": "anime", "aspect_ratio": "3:4"}),
     {"resolution": "720p", "duration": "5", "style": "anime", "aspect_ratio": "3:4", "seed": 3,
      "negative_prompt": "blur"}),
    # No style chosen: the field is left out, not sent as null.
    (f"{PIXVERSE}/image-to-video", dict(images=[JPG], params={"resolution": "360p"}),
     {"resolution": "360p", "duration": "5", "image_url": uri(JPG)}),
    ("fal-ai/wan-i2v", dict(images=[PNG], seed=1),
     {"num_frames": 81, "frames_per_second": 16, "resolution": "720p", "aspect_ratio": "auto",
      "num_inference_steps": 30, "guide_scale": 5.0, "shift": 5.0, "acceleration": "regular",
      "enable_prompt_expansion": False, "enable_safety_checker": True, "seed": 1,
      "image_url": uri(PNG)}),
    ("fal-ai/veo3.1", dict(seed=5, negative_prompt="blur"),
     {**VEO_DEFAULTS, "seed": 5, "negative_prompt": "blur"}),
    ("fal-ai/veo3.1", dict(params={"resolution": "4k", "generate_audio": False}),
     {**VEO_DEFAULTS, "resolution": "4k", "generate_audio": False}),
])
def test_each_model_builds_its_exact_body(model, kw, body):
    call = build(model, **kw)
    assert (call.method, call.url) == ("POST", f"https://queue.fal.run/{model}")
    assert call.json_body == {"prompt": "a red fox", **body}


@pytest.mark.parametrize(("model", "params", "usd", "approximate"), [
    (f"{KLING}/pro/image-to-video", {}, 0.49, False),
    (f"{KLING}/pro/image-to-video", {"duration": "10"}, 0.49 + 5 * 0.098, False),
    (f"{KLING}/master/image-to-video", {"duration": "10"}, 2.80, False),
    (f"{KLING}/master/text-to-video", {}, 1.40, False),
    (RAY, {}, 0.50, True),  # third-party figure
    (f"{RAY}/image-to-video", {"resolution": "720p", "duration": "9s"}, 2.00, True),
    (f"{RAY}-flash", {"resolution": "1080p"}, 0.80, False),
    (f"{RAY}-flash/image-to-video", {}, 0.20, False),
    (f"{PIXVERSE}/text-to-video", {"resolution": "360p"}, 0.30, True),
    (f"{PIXVERSE}/text-to-video", {"resolution": "1080p"}, 0.80, True),
    (f"{PIXVERSE}/image-to-video", {"duration": "8"}, 0.80, True),
    ("fal-ai/wan-i2v", {"resolution": "480p"}, 0.20, False),
    ("fal-ai/wan-i2v", {"num_frames": 100}, 0.50, False),
    ("fal-ai/veo3.1", {}, 3.20, False),  # 8 s with audio
    ("fal-ai/veo3.1", {"generate_audio": False, "duration": "4s"}, 0.80, False),
    ("fal-ai/veo3.1", {"resolution": "1080p", "generate_audio": False}, 1.60, False),
    ("fal-ai/veo3.1", {"resolution": "4k"}, 4.80, False),
    ("fal-ai/veo3.1", {"resolution": "4k", "generate_audio": False, "duration": "6s"}, 2.40,
     False),
])
def test_price_rules(model, params, usd, approximate):
    price = MODELS[model].estimate(MODELS[model].params.model_validate(params))
    assert price.usd == pytest.approx(usd)
    assert price.approximate is approximate


def check(model, params=None, images=(), confirm=False):
    request = RenderRequest(provider="fal", model=model, prompt="a fox", params=params or {},
                            input_images=list(images), confirm_weaker_safety=confirm)
    return check_request(request, registry(), load_images=False)


@pytest.mark.parametrize(("model", "params", "images", "field", "words"), [
    (f"{PIXVERSE}/text-to-video", {"resolution": "1080p", "duration": "8"}, [],
     "params.duration", "1080p clips of 5 s only"),
    ("fal-ai/veo3.1", {"resolution": "8k"}, [], "params.resolution", "'1080p' or '4k'"),
    ("fal-ai/veo3.1", {"duration": "5s"}, [], "params.duration", "'4s', '6s' or '8s'"),
    (f"{KLING}/pro/image-to-video", {}, ["a", "b", "c"], "input_images", "at most 2"),
    (f"{RAY}/image-to-video", {}, [], "input_images", "needs an input image"),
    ("fal-ai/wan-i2v", {"num_frames": 120}, ["a"], "params.num_frames", "less than or equal"),
])
def test_values_fal_would_reject_are_refused_before_sending(model, params, images, field,
                                                            words):
    with pytest.raises(RequestError) as info:
        check(model, params, images)
    assert [(e.field, words in e.message) for e in info.value.errors] == [(field, True)]


@pytest.mark.parametrize(("model", "params", "field"), [
    ("fal-ai/veo3.1", {"safety_tolerance": "6"}, "params.safety_tolerance"),
    ("fal-ai/wan-i2v", {"enable_safety_checker": False}, "params.enable_safety_checker"),
])
def test_weaker_safety_needs_confirmation(model, params, field):
    images = ["a.png"] if "i2v" in model else []
    with pytest.raises(RequestError) as info:
        check(model, params, images)
    assert [e.field for e in info.value.errors] == [field]
    assert check(model, params, images, confirm=True).params.model_dump(exclude_unset=True) == (
        params)
    assert check(model, {"safety_tolerance": "2"} if "veo" in model else {}, images)


# ---- live jobs against the sandbox --------------------------------------------------------


def live_studio(home, sandbox) -> Studio:
    studio = Studio(home, sandbox_url=sandbox.url)
    studio.update_settings(set_value(studio.settings,
                                     "features.enable_public_video_providers", "true"))
    return studio


def png_file(tmp_path: Path, name: str, colour: tuple[int, int, int]) -> Path:
    path = tmp_path / name
    Image.new("RGB", (64, 48), colour).save(path)
    return path


@pytest.mark.parametrize(("model", "params", "images", "end_field", "expected"), [
    # Kling's default 720p 16:9 is rendered at the sandbox's 640-pixel cap; 5 s at 12 fps.
    (f"{KLING}/pro/image-to-video", {}, 2, "tail_image_url", (640, 360, 60)),
    (f"{RAY}-flash/image-to-video", {"aspect_ratio": "9:16"}, 2, "end_image_url",
     (360, 640, 60)),
    ("fal-ai/veo3.1", {"aspect_ratio": "9:16", "duration": "4s", "resolution": "1080p",
                       "generate_audio": False}, 0, None, (360, 640, 48)),
])
async def test_live_job_sends_each_image_to_its_field(home, sandbox, tmp_path, model, params,
                                                      images, end_field, expected):
    files = [png_file(tmp_path, "start.png", (200, 40, 30)),
             png_file(tmp_path, "end.png", (10, 90, 200))][:images]
    studio = live_studio(home, sandbox)
    try:
        request = RenderRequest(provider="fal", model=model, prompt="the fox turns",
                                input_images=[str(f) for f in files], params=params)
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        [asset] = studio.store.assets_for_job(job.id)
        with av.open(asset.path) as container:
            frames = list(container.decode(video=0))
        assert (frames[0].width, frames[0].height, len(frames)) == expected
    finally:
        await studio.aclose()
    [post] = [r for r in sandbox_requests(sandbox, "fal") if r["method"] == "POST"]
    assert post["path"] == f"/fal/{model}"
    sent = {k: v for k, v in post["body"].items() if k.endswith("image_url")}
    wanted = {"data:image/png;base64," + base64.b64encode(f.read_bytes()).decode()
              for f in files}
    assert set(sent.values()) == wanted
    if end_field:
        assert sent[end_field] == "data:image/png;base64," + base64.b64encode(
            files[1].read_bytes()).decode()
