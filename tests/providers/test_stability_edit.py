"""Stability edit and upscale endpoints: the exact multipart requests (image, mask and the
provider's own fields), and whole jobs against the sandbox whose results show the effect:
the masked area changes and the rest stays identical, the canvas grows, the upscale is
bigger, the background becomes transparent."""

import numpy as np
import pytest
from PIL import Image

from studio.core.jobs import JobStatus
from studio.core.requests import RequestError
from studio.providers.base import (
    FilePart,
    InputImage,
    Mode,
    ProviderContext,
    RenderRequest,
    Role,
)
from studio.providers.stability import MODELS, StabilityProvider
from tests.conftest import TEST_KEY, sandbox_requests
from tests.core.asset_helpers import stored_output, white_box_mask
from tests.core.live_helpers import live_studio

CTX = ProviderContext(base_url="https://api.stability.ai", key=TEST_KEY)
stability = StabilityProvider()
IMAGE = InputImage("in.png", "image/png", b"\x89PNG-image", "aa" * 32, 96, 64)
MASK = InputImage("mask.png", "image/png", b"\x89PNG-mask", "bb" * 32, 96, 64, role=Role.MASK)
BASE = "https://api.stability.ai/v2beta/stable-image"


def build(model, prompt="a red door", images=(IMAGE,), **kw):
    params = kw.pop("params", {})
    req = RenderRequest(provider="stability", model=model, prompt=prompt, params=params, **kw)
    return stability.build(req, MODELS[model].params.model_validate(params), images, CTX)


def test_inpaint_sends_image_mask_and_grow_mask():
    call = build("inpaint", images=(IMAGE, MASK), seed=9, negative_prompt="rust",
                 params={"grow_mask": 12})
    assert (call.method, call.url) == ("POST", f"{BASE}/edit/inpaint")
    assert call.headers["Accept"] == "image/*"
    assert dict(call.form) == {"prompt": "a red door", "grow_mask": "12",
                               "output_format": "png", "negative_prompt": "rust", "seed": "9"}
    assert list(call.files) == [FilePart("image", "in.png", "image/png", IMAGE.data),
                                FilePart("mask", "mask.png", "image/png", MASK.data)]
    assert [f["field"] for f in call.record()["files"]] == ["image", "mask"]


def test_outpaint_sends_the_sides_and_no_mask():
    call = build("outpaint", prompt="", params={"left": 256, "down": 64, "creativity": 0.2})
    assert call.url == f"{BASE}/edit/outpaint"
    assert dict(call.form) == {"left": "256", "right": "0", "up": "0", "down": "64",
                               "creativity": "0.2", "output_format": "png"}
    assert [f.field for f in call.files] == ["image"]


@pytest.mark.parametrize(("model", "path", "form"), [
    ("upscale-fast", "upscale/fast", {"output_format": "png"}),
    ("upscale-conservative", "upscale/conservative",
     {"prompt": "a red door", "creativity": "0.35", "output_format": "png", "seed": "4"}),
    ("upscale-creative", "upscale/creative",
     {"prompt": "a red door", "creativity": "0.3", "output_format": "png", "seed": "4"}),
    ("remove-background", "edit/remove-background", {"output_format": "png"}),
])
def test_upscale_and_cleanup_send_only_their_own_fields(model, path, form):
    call = build(model, seed=4)
    assert call.url == f"{BASE}/{path}" and dict(call.form) == form
    assert [f.field for f in call.files] == ["image"]


@pytest.mark.parametrize(("model", "credits"), [
    ("inpaint", 5), ("outpaint", 4), ("upscale-fast", 2), ("upscale-conservative", 40),
    ("upscale-creative", 60), ("remove-background", 5)])
def test_edit_prices_are_estimates_in_credits(model, credits):
    price = MODELS[model].estimate(MODELS[model].params())
    assert (price.credits, price.usd, price.approximate) == (credits, credits / 100, True)


def test_declared_modes_and_roles():
    assert MODELS["inpaint"].modes == (Mode.INPAINT,)
    assert MODELS["inpaint"].role_limits(Mode.INPAINT) == {Role.INPUT: 1, Role.MASK: 1}
    assert MODELS["outpaint"].why_not(Mode.OUTPAINT, Role.MASK) == "Outpaint takes no mask"
    assert MODELS["upscale-fast"].capabilities.prompt == "none"


def test_requests_stability_would_refuse_are_refused_first(home, tmp_path):
    from studio.core.service import Studio

    studio = Studio(home)
    image = white_box_mask(tmp_path / "img.png")
    try:
        with pytest.raises(RequestError, match="at least one side"):
            studio.check(RenderRequest(provider="stability", model="outpaint", prompt="",
                                       mode=Mode.OUTPAINT, input_images=[str(image)]))
        with pytest.raises(RequestError, match="takes no mask"):
            studio.check(RenderRequest(provider="stability", model="upscale-fast",
                                       input_images=[str(image)], mask=str(image)))
        with pytest.raises(RequestError, match="needs an input image"):
            studio.check(RenderRequest(provider="stability", model="remove-background"))
        # No prompt is needed to upscale or clean up.
        studio.check(RenderRequest(provider="stability", model="upscale-fast",
                                   input_images=[str(image)]))
    finally:
        studio.store.close()


# ---- whole jobs against the sandbox: results show the effect ------------------------------


def pixels(path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGBA" if "A" in image.getbands() else "RGB"))


async def run(studio, request):
    job = await studio.wait((await studio.submit(request)).id)
    assert job.status is JobStatus.SUCCEEDED, job.error
    [asset] = studio.store.assets_for_job(job.id)
    return job, asset


async def test_inpaint_changes_only_the_masked_area_and_records_lineage(home, sandbox, tmp_path):
    studio = live_studio(home, sandbox)
    try:
        source = stored_output(studio)
        mask = studio.save_mask(source.id, white_box_mask(tmp_path / "m.png").read_bytes())
        request = RenderRequest(provider="stability", model="inpaint", prompt="a window",
                                seed=5, mode=Mode.INPAINT, input_images=[f"asset:{source.id}"],
                                mask=f"asset:{mask.id}", params={"grow_mask": 0})
        _, out = await run(studio, request)
        before, after = pixels(source.path), pixels(out.path)
        assert after.shape == before.shape
        inside = pixels(mask.path) >= 128
        assert (before[~inside] == after[~inside]).all()  # the rest is byte-identical
        assert (before[inside] != after[inside]).any(axis=-1).mean() > 0.5
        assert [(p["asset_id"], p["role"]) for p in out.provenance["parents"]] == [
            (source.id, "input"), (mask.id, "mask")]
        assert out.provenance["version"] == 2
        tree = studio.lineage(source.id).as_dict()
        assert [(c["role"], c["asset_id"]) for c in tree["children"]] == [
            ("source", mask.id), ("input", out.id)]
        assert tree["children"][0]["children"][0]["asset_id"] == out.id  # via the mask
    finally:
        await studio.aclose()
    [post] = [r for r in sandbox_requests(sandbox, "stability") if r["method"] == "POST"]
    assert post["path"] == "/stability/v2beta/stable-image/edit/inpaint"
    assert [f["field"] for f in post["body"]["files"]] == ["image", "mask"]
    assert post["body"]["fields"]["grow_mask"] == "0"


async def test_a_mask_of_another_size_is_scaled_with_a_note(home, sandbox, tmp_path):
    studio = live_studio(home, sandbox)
    try:
        source = stored_output(studio)  # 96x64
        small = white_box_mask(tmp_path / "small.png", size=(48, 32), box=(4, 4, 20, 16))
        request = RenderRequest(provider="stability", model="inpaint", prompt="a window",
                                mode=Mode.INPAINT, input_images=[source.path], mask=str(small))
        job, out = await run(studio, request)
        [note] = job.prepared["notes"]
        assert "48x32" in note and "96x64" in note
        assert out.provenance["notes"] == [note]
        # The input file was an asset's bytes: it is recorded as that asset.
        assert [p["asset_id"] for p in out.provenance["parents"]] == [source.id]
    finally:
        await studio.aclose()


async def test_outpaint_grows_the_canvas_around_the_untouched_image(home, sandbox):
    studio = live_studio(home, sandbox)
    try:
        source = stored_output(studio)
        request = RenderRequest(provider="stability", model="outpaint", prompt="",
                                mode=Mode.OUTPAINT, input_images=[f"asset:{source.id}"],
                                params={"left": 32, "up": 16})
        _, out = await run(studio, request)
        after = pixels(out.path)
        assert after.shape[:2] == (64 + 16, 96 + 32)
        assert (after[16:, 32:] == pixels(source.path)).all()
    finally:
        await studio.aclose()


@pytest.mark.parametrize(("model", "size"), [
    ("upscale-fast", (384, 256)), ("upscale-conservative", (384, 256)),
    ("upscale-creative", (384, 256))])
async def test_upscalers_make_the_image_bigger(home, sandbox, model, size):
    studio = live_studio(home, sandbox)
    try:
        source = stored_output(studio)
        await studio.catalog.refresh_quotas(force=True)  # the balance before the job
        request = RenderRequest(provider="stability", model=model, prompt="a fox",
                                mode=Mode.UPSCALE, input_images=[f"asset:{source.id}"])
        job, out = await run(studio, request)
        assert (out.width, out.height) == size
        assert job.actual_cost["credits"] == MODELS[model].estimate(
            MODELS[model].params()).credits
    finally:
        await studio.aclose()
    if model == "upscale-creative":  # asynchronous: polled until the image was ready
        polls = [r for r in sandbox_requests(sandbox, "stability")
                 if r["path"].startswith("/stability/v2beta/results/")]
        assert polls and polls[-1]["status"] == 200


async def test_remove_background_makes_it_transparent(home, sandbox):
    studio = live_studio(home, sandbox)
    try:
        source = stored_output(studio)
        request = RenderRequest(provider="stability", model="remove-background",
                                mode=Mode.REMOVE_BACKGROUND, input_images=[source.path])
        _, out = await run(studio, request)
        with Image.open(out.path) as image:
            assert image.mode == "RGBA"
            alpha = np.asarray(image.getchannel("A"))
        assert alpha[0, 0] == 0 and alpha[-1, -1] == 0  # the flat background
        assert alpha[32, 48] == 255  # the disc in the middle
    finally:
        await studio.aclose()


async def test_dry_run_shows_the_multipart_request_with_the_mask(home, tmp_path):
    from studio.core.service import Studio

    studio = Studio(home)
    try:
        image = tmp_path / "image.png"
        Image.new("RGB", (96, 64), "blue").save(image)
        mask = white_box_mask(tmp_path / "mask.png")
        job = await studio.submit(RenderRequest(
            provider="stability", model="inpaint", prompt="a window", mode=Mode.INPAINT,
            input_images=[str(image)], mask=str(mask)))
        assert job.status is JobStatus.DRY_RUN
        assert job.prepared["url"].endswith("/v2beta/stable-image/edit/inpaint")
        assert job.prepared["files"] == [
            {"field": "image", "filename": "image.png", "media_type": "image/png",
             "bytes": image.stat().st_size},
            {"field": "mask", "filename": "mask.png", "media_type": "image/png",
             "bytes": mask.stat().st_size}]
        assert [i["role"] for i in job.prepared["inputs"]] == ["input", "mask"]
        assert len(job.input_hashes) == 2
    finally:
        await studio.aclose()

