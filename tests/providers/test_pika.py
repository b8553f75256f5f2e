"""Pika on fal: its own catalog entry that borrows fal's key and base URL, exact requests,
prices, the duration guard, and whole jobs against the sandbox's fal routes."""

import base64
from pathlib import Path

import av
import pytest
from PIL import Image

from studio.core.config import set_value
from studio.core.jobs import JobStatus
from studio.core.requests import RequestError, check_request
from studio.core.secrets import SANDBOX_KEY, KeySource
from studio.core.service import Studio
from studio.providers import registry
from studio.providers.base import InputImage, Mode, ProviderContext, RenderRequest
from studio.providers.pika import MODELS, PikaProvider
from studio.sandbox.recorder import fingerprint
from tests.conftest import TEST_KEY, sandbox_requests

CTX = ProviderContext(base_url="https://queue.fal.run", key=TEST_KEY)
pika = PikaProvider()
PNG = InputImage("a.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 600, "ab" * 32)
JPG = InputImage("b.jpg", "image/jpeg", b"\xff\xd8\xff" + b"\1" * 600, "cd" * 32)
T2V, I2V, FRAMES = (f"fal-ai/pika/v2.2/{n}" for n in ("text-to-video", "image-to-video",
                                                      "pikaframes"))


def uri(image: InputImage) -> str:
    return f"data:{image.media_type};base64," + base64.b64encode(image.data).decode()


def build(model, prompt="a paper boat", images=(), **kw):
    params = kw.pop("params", {})
    req = RenderRequest(provider="pika", model=model, prompt=prompt, params=params, **kw)
    return pika.build(req, MODELS[model].params.model_validate(params), images, CTX)


@pytest.mark.parametrize(("model", "kw", "body"), [
    (T2V, dict(seed=4, negative_prompt="blurry", params={"aspect_ratio": "4:5"}),
     {"resolution": "720p", "duration": 5, "aspect_ratio": "4:5", "seed": 4,
      "negative_prompt": "blurry"}),
    (I2V, dict(images=[PNG], params={"resolution": "1080p", "duration": 10}),
     {"resolution": "1080p", "duration": 10, "image_url": uri(PNG)}),
    # The guard stays local; an unset transition prompt is left out rather than sent as null.
    (FRAMES, dict(images=[PNG, JPG, PNG], params={
        "max_duration_seconds": 12,
        "transitions": [{"duration": 4}, {"duration": 6, "prompt": "the boat sails off"}]}),
     {"resolution": "720p", "image_urls": [uri(PNG), uri(JPG), uri(PNG)],
      "transitions": [{"duration": 4}, {"duration": 6, "prompt": "the boat sails off"}]}),
    (FRAMES, dict(images=[PNG, JPG]), {"resolution": "720p", "image_urls": [uri(PNG), uri(JPG)]}),
])
def test_each_model_builds_fals_exact_request(model, kw, body):
    call = build(model, **kw)
    assert (call.method, call.url) == ("POST", f"https://queue.fal.run/{model}")
    assert call.headers["Authorization"] == f"Key {TEST_KEY}"
    assert call.json_body == {"prompt": "a paper boat", **body}


@pytest.mark.parametrize(("model", "params", "images", "usd", "approximate"), [
    (T2V, {}, 0, 0.20, False),
    (I2V, {"resolution": "1080p"}, 1, 0.45, False),
    # 10 s is not 2x: Pika's partner table gives $0.60 at 720p (not confirmed on fal's page).
    (T2V, {"duration": 10}, 0, 0.60, True),
    (I2V, {"duration": 10, "resolution": "1080p"}, 1, 1.35, True),  # the same 3x step assumed
    # Pikaframes: no published price; 5 s per move between the keyframes unless given.
    (FRAMES, {}, 2, 0.20, True),
    (FRAMES, {}, 4, 0.60, True),
    (FRAMES, {"resolution": "1080p", "transitions": [{"duration": 5}, {"duration": 7}]}, 3,
     0.45 * 12 / 5, True),
])
def test_prices(model, params, images, usd, approximate):
    from studio.providers.base import ImageFacts

    price = MODELS[model].estimate(MODELS[model].params.model_validate(params),
                                   [ImageFacts()] * images)
    assert price.usd == pytest.approx(usd)
    assert price.approximate is approximate
    assert price.source is not None


def test_pikaframes_needs_one_transition_per_move():
    """fal's types: transitions "Length must be len(image_urls) - 1"."""
    with pytest.raises(RequestError) as info:
        check(FRAMES, {"transitions": [{"duration": 5}] * 3}, ["a.png", "b.png", "c.png"])
    [error] = info.value.errors
    assert error.field == "params.transitions"
    assert error.message == ("give exactly 2 transition(s), one per move between the 3 keyframe "
                             "images (or none for 5 s each); got 3")
    assert check(FRAMES, {"transitions": [{"duration": 4}] * 2}, ["a", "b", "c"])
    assert check(FRAMES, {}, ["a", "b", "c"])  # none: 5 s per move


def check(model, params, images=()):
    request = RenderRequest(provider="pika", model=model, prompt="a boat", params=params,
                            input_images=list(images))
    return check_request(request, registry(), load_images=False)


@pytest.mark.parametrize(("model", "params", "field", "words"), [
    (T2V, {"duration": 10, "max_duration_seconds": 5}, "params.duration",
     "the duration is 10 s, over the 5 s limit; shorten it or raise max_duration_seconds "
     "(Pika allows up to 10 s)"),
    (I2V, {"max_duration_seconds": 11}, "params.max_duration_seconds", "less than or equal to 10"),
    (FRAMES, {"transitions": [{"duration": 20}, {"duration": 6}]}, "params.transitions",
     "the transitions total is 26 s, over the 25 s limit; shorten it"),
    (FRAMES, {"max_duration_seconds": 8, "transitions": [{"duration": 5}, {"duration": 5}]},
     "params.transitions", "over the 8 s limit; shorten it or raise max_duration_seconds"),
    (T2V, {"duration": 7}, "params.duration", "5 or 10"),
])
def test_duration_guard_refuses_with_a_field_error(model, params, field, words):
    images = ["a.png", "b.png"] if model != T2V else []
    with pytest.raises(RequestError) as info:
        check(model, params, images[: 1 if model == I2V else 2])
    [error] = info.value.errors
    assert error.field == field
    assert words in error.message


def test_durations_up_to_the_guard_are_accepted():
    assert check(T2V, {"duration": 10}).params.duration == 10
    assert check(T2V, {"duration": 5, "max_duration_seconds": 5}).params.duration == 5
    frames = check(FRAMES, {"transitions": [{"duration": 20}, {"duration": 5}]},
                   ["a.png", "b.png", "c.png"])
    assert len(frames.params.transitions) == 2
    assert sum(t.duration for t in frames.params.transitions) == 25
    assert frames.mode is Mode.STORYBOARD


# ---- the borrowed fal key and base URL ----------------------------------------------------


def test_pika_uses_the_fal_key_wherever_it_comes_from(home, memory_keyring):
    studio = Studio(home, env={"FAL_KEY": "fal-env-key-123"})
    assert studio.key_for("pika").source is KeySource.ENVIRONMENT
    assert studio.key_for("pika").value == studio.key_for("fal").value == "fal-env-key-123"
    studio = Studio(home, env={})
    assert studio.key_for("pika").source is KeySource.NONE
    studio.store_key("pika", "fal-keyring-key-456")  # one key, stored once, for both
    assert studio.key_for("fal").source is KeySource.KEYRING
    assert studio.key_for("pika").value == "fal-keyring-key-456"


def test_pika_borrows_fals_base_url(home, memory_keyring):
    assert Studio(home, env={}).base_url("pika") == "https://queue.fal.run"
    studio = Studio(home, env={"STUDIO_FAL_BASE_URL": "http://127.0.0.1:9/fal-proxy"})
    assert studio.base_url("pika") == "http://127.0.0.1:9/fal-proxy"
    assert Studio(home, sandbox_url="http://127.0.0.1:9").base_url("pika") == (
        "http://127.0.0.1:9/fal")


@pytest.mark.parametrize(("env", "flag", "status"), [
    ({}, False, "missing-credentials"),
    ({"FAL_KEY": "fal-env-key-123"}, False, "dry-run"),
    ({"FAL_KEY": "fal-env-key-123"}, True, "live"),
])
def test_catalog_entry_follows_the_fal_key_and_the_video_flag(home, memory_keyring, env, flag,
                                                               status):
    studio = Studio(home, env=env)
    if flag:
        studio.update_settings(set_value(studio.settings,
                                         "features.enable_public_video_providers", "true"))
    entry = studio.catalog.entry("pika")
    assert (entry.name, entry.kinds, entry.status) == ("Pika", ["video"], status)
    assert entry.key_source == studio.catalog.entry("fal").key_source
    assert [m.id for m in entry.models] == [T2V, I2V, FRAMES]
    assert entry.docs_url == "https://fal.ai/models/fal-ai/pika/v2.2/text-to-video"
    assert entry.pricing_url == "https://fal.ai/pricing"


# ---- whole jobs against the sandbox -------------------------------------------------------


def live_studio(home, sandbox) -> Studio:
    studio = Studio(home, sandbox_url=sandbox.url)
    studio.update_settings(set_value(studio.settings,
                                     "features.enable_public_video_providers", "true"))
    return studio


def frames_of(path: str) -> tuple[int, int, int]:
    with av.open(path) as container:
        frames = list(container.decode(video=0))
    return frames[0].width, frames[0].height, len(frames)


def png_files(tmp_path: Path, count: int) -> list[str]:
    paths = []
    for i in range(count):
        path = tmp_path / f"key{i}.png"
        Image.new("RGB", (48, 48), (40 * i, 90, 200)).save(path)
        paths.append(str(path))
    return paths


async def test_text_to_video_job_goes_to_fal_with_the_fal_key(home, sandbox):
    studio = live_studio(home, sandbox)
    try:
        request = RenderRequest(provider="pika", model=T2V, prompt="a paper boat", seed=9,
                                params={"aspect_ratio": "1:1"})
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        [asset] = studio.store.assets_for_job(job.id)
        assert frames_of(asset.path) == (640, 640, 60)  # 720x720 at the sandbox's cap, 5 s
    finally:
        await studio.aclose()
    assert {r["provider"] for r in sandbox_requests(sandbox)} == {"fal"}
    [post, *polls] = sandbox_requests(sandbox, "fal")
    assert post["path"] == f"/fal/{T2V}"
    assert post["headers"]["authorization"] == f"Key <redacted sha256:{fingerprint(SANDBOX_KEY)}>"
    assert post["body"] == {"prompt": "a paper boat", "resolution": "720p", "duration": 5,
                            "aspect_ratio": "1:1", "seed": 9}
    # Queue URLs keep only owner/alias of the endpoint id, as for every fal model.
    assert {p["path"] for p in polls} == {f"/fal/fal-ai/pika/requests/{job.remote_id}",
                                          f"/fal/fal-ai/pika/requests/{job.remote_id}/status"}


async def test_pikaframes_job_renders_the_transitions_length(home, sandbox, tmp_path):
    studio = live_studio(home, sandbox)
    try:
        request = RenderRequest(
            provider="pika", model=FRAMES, prompt="a boat drifts", input_images=png_files(
                tmp_path, 3),
            params={"transitions": [{"duration": 2}, {"duration": 3, "prompt": "it sinks"}]})
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        [asset] = studio.store.assets_for_job(job.id)
        assert frames_of(asset.path) == (640, 360, 60)  # 2 s + 3 s at 12 fps
    finally:
        await studio.aclose()
    post = sandbox_requests(sandbox, "fal")[0]
    assert post["path"] == f"/fal/{FRAMES}"
    assert [u[:22] for u in post["body"]["image_urls"]] == ["data:image/png;base64,"] * 3


async def test_pikaframes_with_one_image_is_refused_before_sending(home, sandbox, tmp_path):
    studio = live_studio(home, sandbox)
    try:
        request = RenderRequest(provider="pika", model=FRAMES, prompt="a boat",
                                input_images=png_files(tmp_path, 1))
        with pytest.raises(RequestError, match="needs 2 input images"):
            await studio.submit(request)
        assert studio.store.list_jobs() == []
        assert sandbox_requests(sandbox, "fal") == []
    finally:
        await studio.aclose()
