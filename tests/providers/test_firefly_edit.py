"""Firefly fill-async and expand-async: the JSON bodies with upload placeholders, the image
and mask uploaded to Firefly storage before the submit, and sandbox jobs that show the
effect."""

import numpy as np
import pytest
from PIL import Image

from studio.core.jobs import JobStatus
from studio.core.requests import RequestError
from studio.core.service import Studio
from studio.providers import registry
from studio.providers.base import InputImage, Mode, ProviderContext, RenderRequest, Role
from studio.providers.firefly import MODELS, FireflyProvider
from tests.conftest import TEST_KEY, sandbox_requests
from tests.core.asset_helpers import stored_output, white_box_mask
from tests.providers.test_firefly import compliant

BASE = "https://firefly-api.adobe.io"
CTX = ProviderContext(base_url=BASE, key=f"client-123:{TEST_KEY}")
firefly = FireflyProvider(env={})
IMAGE = InputImage("in.png", "image/png", b"\x89PNG-image", "ab" * 32, 96, 64)
MASK = InputImage("m.png", "image/png", b"\x89PNG-mask", "cd" * 32, 96, 64, role=Role.MASK)


def build(model, images, prompt="a window", **kw):
    params = kw.pop("params", {})
    req = RenderRequest(provider="firefly", model=model, prompt=prompt, params=params, **kw)
    return firefly.build(req, MODELS[model].params.model_validate(params), images, CTX)


def test_fill_body_names_the_uploads_and_the_mask():
    call = build("firefly-fill", [IMAGE, MASK], seed=4, negative_prompt="rust",
                 params={"numVariations": 2})
    assert call.url == f"{BASE}/v3/images/fill-async"
    assert call.json_body == {
        "image": {"source": {"uploadId": "<Firefly upload of image-abababababab.png>"}},
        "mask": {"source": {"uploadId": "<Firefly upload of mask-cdcdcdcdcdcd.png>"},
                 "invert": False},
        "prompt": "a window", "negativePrompt": "rust", "numVariations": 2, "seeds": [4, 5]}
    assert [(f.field, f.data) for f in call.files] == [("image", IMAGE.data),
                                                       ("mask", MASK.data)]
    assert call.headers["x-api-key"] == "client-123"


def test_expand_body_sets_the_size_and_the_inset():
    call = build("firefly-expand", [IMAGE], prompt="", params={"left": 40, "down": 20})
    assert call.url == f"{BASE}/v3/images/expand-async"
    assert call.json_body == {
        "image": {"source": {"uploadId": "<Firefly upload of image-abababababab.png>"}},
        "numVariations": 1, "size": {"width": 136, "height": 84},
        "placement": {"inset": {"left": 40, "top": 0, "right": 0, "bottom": 20}}}


def test_expand_refuses_no_sides_and_oversized_canvases(home, tmp_path):
    studio = Studio(home)
    image = white_box_mask(tmp_path / "i.png")
    try:
        with pytest.raises(RequestError, match="at least one side"):
            studio.check(RenderRequest(provider="firefly", model="firefly-expand",
                                       input_images=[str(image)]))
        with pytest.raises(RequestError, match="at most 3999 px"):
            studio.check(RenderRequest(provider="firefly", model="firefly-expand",
                                       input_images=[str(image)], params={"right": 3950}))
    finally:
        studio.store.close()


def pixels(path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


async def test_fill_and_expand_jobs_upload_then_show_the_effect(home, sandbox, tmp_path):
    registry()["firefly"].forget_tokens()
    studio = compliant(Studio(home, sandbox_url=sandbox.url))
    try:
        source = stored_output(studio)
        mask = white_box_mask(tmp_path / "m.png")
        fill = await studio.wait((await studio.submit(RenderRequest(
            provider="firefly", model="firefly-fill", prompt="a window", mode=Mode.INPAINT,
            input_images=[f"asset:{source.id}"], mask=str(mask), seed=3))).id)
        assert fill.status is JobStatus.SUCCEEDED, fill.error
        [out] = studio.store.assets_for_job(fill.id)
        before, after, inside = pixels(source.path), pixels(out.path), pixels(mask)[..., 0] >= 128
        assert (before[~inside] == after[~inside]).all()
        assert (before[inside] != after[inside]).any(axis=-1).mean() > 0.5
        assert fill.seed == 3

        expand = await studio.wait((await studio.submit(RenderRequest(
            provider="firefly", model="firefly-expand", mode=Mode.OUTPAINT,
            input_images=[f"asset:{source.id}"], params={"left": 40, "down": 20}))).id)
        assert expand.status is JobStatus.SUCCEEDED, expand.error
        [grown] = studio.store.assets_for_job(expand.id)
        assert (grown.width, grown.height) == (136, 84)
        assert (pixels(grown.path)[:64, 40:] == before).all()
    finally:
        await studio.aclose()
    posts = [(r["path"], r["headers"].get("content-type")) for r in
             sandbox_requests(sandbox, "firefly") if r["method"] == "POST"
             and "ims" not in r["path"]]
    assert posts == [("/firefly/v2/storage/image", "image/png"),
                     ("/firefly/v2/storage/image", "image/png"),
                     ("/firefly/v3/images/fill-async", "application/json"),
                     ("/firefly/v2/storage/image", "image/png"),
                     ("/firefly/v3/images/expand-async", "application/json")]
