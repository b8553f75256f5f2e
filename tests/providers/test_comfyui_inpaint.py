"""ComfyUI inpaint: the bundled template (LoadImage + LoadImageMask into VAEEncodeForInpaint),
the image and the mask uploaded under their own names, and a sandbox job whose masked area
changes while the rest stays identical."""

import io

import numpy as np
from PIL import Image

from studio.core.jobs import JobStatus
from studio.core.service import Studio
from studio.providers.base import InputImage, Mode, ProviderContext, RenderRequest, Role
from studio.providers.comfyui import ComfyUIProvider, upload_name
from tests.conftest import sandbox_requests
from tests.core.asset_helpers import stored_output, white_box_mask

comfy = ComfyUIProvider()
CTX = ProviderContext(base_url="http://127.0.0.1:8188", key=None)


def png(color, mode="RGB", size=(96, 64)) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, "PNG")
    return out.getvalue()


IMAGE = InputImage("in.png", "image/png", png((30, 90, 200)), "cd" * 32, 96, 64)
MASK = InputImage("m.png", "image/png", png(255, "L"), "ef" * 32, 96, 64, role=Role.MASK)


def test_the_inpaint_template_takes_a_mask():
    model = comfy.models["sdxl-inpaint"]
    assert model.modes == (Mode.INPAINT, Mode.OUTPAINT)
    caps = model.capabilities
    assert caps.mask and caps.mask_required and caps.max_reference_images == 1
    assert model.role_limits(Mode.INPAINT) == {Role.INPUT: 1, Role.MASK: 1}
    assert "grow_mask_by" in model.params.model_fields


def test_image_and_mask_travel_with_the_call_and_fill_their_nodes():
    request = RenderRequest(provider="comfyui", model="sdxl-inpaint", prompt="a window",
                            seed=3, params={"grow_mask_by": 0})
    params = comfy.models["sdxl-inpaint"].params.model_validate(request.params)
    call = comfy.build(request, params, [IMAGE, MASK], CTX)
    graph = call.json_body["prompt"]
    assert upload_name(MASK) == "studio-mask-efefefefefefefef.png"
    assert graph["10"]["inputs"]["image"] == upload_name(IMAGE)
    assert graph["12"] == {"class_type": "LoadImageMask",
                           "inputs": {"image": upload_name(MASK), "channel": "red"}}
    assert graph["11"]["inputs"]["grow_mask_by"] == 0
    assert [(f.field, f.filename) for f in call.files] == [
        ("image", upload_name(IMAGE)), ("image", upload_name(MASK))]


async def test_inpaint_job_repaints_only_the_mask(home, sandbox, tmp_path):
    studio = Studio(home, sandbox_url=sandbox.url)
    try:
        assert await studio.catalog.refresh() == {}
        source = stored_output(studio)
        mask = white_box_mask(tmp_path / "m.png")
        request = RenderRequest(provider="comfyui", model="sdxl-inpaint", prompt="a window",
                                mode=Mode.INPAINT, input_images=[f"asset:{source.id}"],
                                mask=str(mask), params={"grow_mask_by": 0})
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        [out] = studio.store.assets_for_job(job.id)
        with Image.open(source.path) as a, Image.open(out.path) as b, Image.open(mask) as m:
            before, after = np.asarray(a.convert("RGB")), np.asarray(b.convert("RGB"))
            inside = np.asarray(m) >= 128
        assert (before[~inside] == after[~inside]).all()
        assert (before[inside] != after[inside]).any(axis=-1).mean() > 0.5
    finally:
        await studio.aclose()
    posts = [r for r in sandbox_requests(sandbox, "comfyui") if r["method"] == "POST"]
    uploads = [r for r in posts if r["route"] == "/upload/image"]
    assert [u["body"]["files"][0]["filename"].startswith("studio-mask-") for u in uploads] == [
        False, True]
    [prompt] = [r for r in posts if r["route"] == "/prompt"]
    assert prompt["body"]["prompt"]["12"]["inputs"]["image"].startswith("studio-mask-")
