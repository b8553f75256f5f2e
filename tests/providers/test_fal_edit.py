"""fal edit models: FLUX Fill and FLUX [dev] inpainting (image_url + mask_url), the Clarity
upscaler and BiRefNet v2: exact JSON bodies and prices, and sandbox jobs whose results show
the effect (including outpaint on an extended canvas made by core)."""

import numpy as np
import pytest
from PIL import Image

from studio.core.jobs import JobStatus
from studio.providers.base import (
    ImageFacts,
    InputImage,
    Mode,
    ProviderContext,
    RenderRequest,
    Role,
)
from studio.providers.fal import MODELS, FalProvider
from studio.providers.fal_edit import BIREFNET, CLARITY, DEV_INPAINT, FILL
from studio.providers.images import data_uri
from tests.conftest import TEST_KEY, sandbox_requests
from tests.core.asset_helpers import stored_output, white_box_mask
from tests.core.live_helpers import live_studio

CTX = ProviderContext(base_url="https://queue.fal.run", key=TEST_KEY)
fal = FalProvider()
IMAGE = InputImage("in.png", "image/png", b"\x89PNG-image", "aa" * 32, 96, 64)
MASK = InputImage("m.png", "image/png", b"\x89PNG-mask", "bb" * 32, 96, 64, role=Role.MASK)


def build(model, prompt="a red door", images=(IMAGE,), **kw):
    params = kw.pop("params", {})
    req = RenderRequest(provider="fal", model=model, prompt=prompt, params=params, **kw)
    return fal.build(req, MODELS[model].params.model_validate(params), images, CTX)


def test_fill_sends_image_url_and_mask_url():
    call = build(FILL, images=(IMAGE, MASK), seed=3)
    assert call.url == f"https://queue.fal.run/{FILL}"
    assert call.json_body == {"prompt": "a red door", "num_images": 1, "output_format": "png",
                              "safety_tolerance": "2", "enhance_prompt": False, "seed": 3,
                              "image_url": data_uri(IMAGE), "mask_url": data_uri(MASK)}


def test_dev_inpainting_sends_its_own_fields():
    call = build(DEV_INPAINT, images=(IMAGE, MASK), params={"strength": 0.6})
    assert call.json_body == {
        "prompt": "a red door", "strength": 0.6, "num_inference_steps": 28,
        "guidance_scale": 3.5, "num_images": 1, "output_format": "png",
        "enable_safety_checker": True, "image_url": data_uri(IMAGE),
        "mask_url": data_uri(MASK)}


def test_upscaler_sends_a_prompt_only_when_given_and_cutout_never():
    assert "prompt" not in build(CLARITY, prompt="").json_body
    assert build(CLARITY, prompt="crisp").json_body["prompt"] == "crisp"
    body = build(BIREFNET, prompt="ignored", seed=5).json_body
    assert body == {"model": "General Use (Light)", "operating_resolution": "1024x1024",
                    "output_format": "png", "refine_foreground": True,
                    "image_url": data_uri(IMAGE)}


@pytest.mark.parametrize(("size", "usd", "exact"), [
    ((1024, 768), 0.05, True), ((1500, 1500), 0.15, True), ((1024, 1000), 0.05, False)])
def test_fill_is_priced_per_megapixel_of_the_input(size, usd, exact):
    model = MODELS[FILL]
    price = model.estimate(model.params(), [ImageFacts(*size)])
    assert price.usd == pytest.approx(usd) and price.exact is exact


def test_clarity_and_birefnet_prices_say_what_they_are():
    clarity = MODELS[CLARITY].estimate(MODELS[CLARITY].params(), [ImageFacts(512, 512)])
    assert clarity.usd == pytest.approx(0.03) and clarity.approximate  # 1024x1024 out
    cutout = MODELS[BIREFNET].estimate(MODELS[BIREFNET].params())
    assert cutout.usd is None and "compute time" in cutout.basis


def test_fill_models_need_a_mask(home, tmp_path):
    from studio.core.requests import RequestError
    from studio.core.service import Studio

    studio = Studio(home)
    image = white_box_mask(tmp_path / "i.png")
    try:
        with pytest.raises(RequestError, match="needs a mask"):
            studio.check(RenderRequest(provider="fal", model=FILL, prompt="x",
                                       mode=Mode.INPAINT, input_images=[str(image)]))
    finally:
        studio.store.close()


# ---- sandbox jobs ------------------------------------------------------------------------


def pixels(path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGBA" if "A" in image.getbands() else "RGB"))


async def run(studio, request):
    job = await studio.wait((await studio.submit(request)).id)
    assert job.status is JobStatus.SUCCEEDED, job.error
    [asset] = studio.store.assets_for_job(job.id)
    return job, asset


@pytest.mark.parametrize("model", [FILL, DEV_INPAINT])
async def test_fill_repaints_only_the_mask(home, sandbox, tmp_path, model):
    studio = live_studio(home, sandbox)
    try:
        source = stored_output(studio)
        mask = white_box_mask(tmp_path / "m.png")
        request = RenderRequest(provider="fal", model=model, prompt="a window", seed=8,
                                mode=Mode.INPAINT, input_images=[f"asset:{source.id}"],
                                mask=str(mask))
        job, out = await run(studio, request)
        before, after, inside = pixels(source.path), pixels(out.path), pixels(mask) >= 128
        assert (before[~inside] == after[~inside]).all()
        assert (before[inside] != after[inside]).any(axis=-1).mean() > 0.5
        assert job.seed == 8
    finally:
        await studio.aclose()
    [post] = [r for r in sandbox_requests(sandbox, "fal") if r["method"] == "POST"]
    assert post["body"]["image_url"].startswith("data:image/png;base64,")
    assert post["body"]["mask_url"].startswith("data:image/png;base64,")


async def test_outpaint_on_a_canvas_with_its_mask(home, sandbox):
    studio = live_studio(home, sandbox)
    try:
        source = stored_output(studio)
        request = studio.iteration.prepare_outpaint(RenderRequest(
            provider="fal", model=FILL, prompt="more sea", mode=Mode.OUTPAINT,
            input_images=[source.path], params={"right": 32, "down": 16}))
        assert request.params == {} and request.mask.startswith("asset:")
        _, out = await run(studio, request)
        after = pixels(out.path)
        assert after.shape[:2] == (64 + 16, 96 + 32)
        assert (after[:64, :96] == pixels(source.path)).all()
        tree = studio.lineage(out.id).as_dict()
        canvas = tree["parents"][0]
        assert (canvas["role"], canvas["mode"]) == ("input", "canvas")
        assert canvas["parents"][0]["asset_id"] == source.id
        assert [p["role"] for p in tree["parents"]] == ["input", "mask"]
    finally:
        await studio.aclose()


async def test_clarity_doubles_and_birefnet_cuts_out(home, sandbox):
    studio = live_studio(home, sandbox)
    try:
        source = stored_output(studio)
        _, big = await run(studio, RenderRequest(
            provider="fal", model=CLARITY, mode=Mode.UPSCALE,
            input_images=[f"asset:{source.id}"]))
        assert (big.width, big.height) == (192, 128)
        _, cut = await run(studio, RenderRequest(
            provider="fal", model=BIREFNET, mode=Mode.REMOVE_BACKGROUND,
            input_images=[f"asset:{source.id}"]))
        alpha = pixels(cut.path)[..., 3]
        assert alpha[0, 0] == 0 and alpha[32, 48] == 255
        assert [p["role"] for p in cut.provenance["parents"]] == ["input"]
    finally:
        await studio.aclose()
