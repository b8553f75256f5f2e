"""The generate body's `mask`: an asset, an https URL or a data URI (never a file path),
checked like the CLI's --mask; a live inpaint over the sandbox records and hashes it."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
from pathlib import Path

import numpy as np
from PIL import Image

from tests.api.conftest import png_data_uri

INPAINT = {"provider": "stability", "model": "inpaint", "mode": "inpaint",
           "prompt": "a round window", "seed": 5}


def mask_png(size=(64, 48)) -> bytes:
    mask = np.zeros((size[1], size[0]), np.uint8)
    mask[10:30, 20:44] = 255
    out = io.BytesIO()
    Image.fromarray(mask, "L").save(out, "PNG")
    return out.getvalue()


def data_uri(data: bytes) -> str:
    return f"data:image/png;base64,{base64.b64encode(data).decode()}"


async def finished(api, job_id: str, timeout: float = 20.0) -> dict:
    for _ in range(int(timeout / 0.1)):
        job = (await api.client.get(f"/api/jobs/{job_id}")).json()
        if job["status"] in ("succeeded", "failed", "cancelled", "unknown"):
            return job
        await asyncio.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {job['status']}")


async def test_a_live_inpaint_with_a_mask_asset_succeeds_and_hashes_the_mask(live_api):
    studio = live_api.studio
    image_uri = png_data_uri((40, 120, 200), (64, 48))
    image_bytes = base64.b64decode(image_uri.split(",", 1)[1])
    # the picture as an asset, its painted mask stored beside it (what the editor saves)
    r = await live_api.client.post("/api/providers/image/generate", json={
        **INPAINT, "input_images": [image_uri], "mask": data_uri(mask_png())})
    assert r.status_code == 201, r.text
    first = await finished(live_api, r.json()["job_id"])
    assert first["status"] == "succeeded", first
    # a data URI mask was stored as a mask asset (as the CLI keeps a mask file)
    parents = studio.lineage_records.parents(r.json()["job_id"])
    mask_parent = next(p for p in parents if p.role.value == "mask")
    mask = studio.asset(mask_parent.asset_id)
    assert mask is not None and mask.media_type == "image/png"

    r = await live_api.client.post("/api/providers/image/generate", json={
        **INPAINT, "input_images": [image_uri], "mask": f"asset:{mask.id}"})
    assert r.status_code == 201 and r.json()["dry_run"] is False, r.text
    job_id = r.json()["job_id"]
    job = await finished(live_api, job_id)
    assert job["status"] == "succeeded", job
    [out] = job["outputs"]
    prov = (await live_api.client.get(out["provenance_url"])).json()
    hashes = [i["sha256"] for i in prov["inputs"]]
    assert mask.sha256 in hashes and hashlib.sha256(image_bytes).hexdigest() in hashes
    assert {"asset_id": mask.id, "role": "mask"}.items() <= next(
        p for p in prov["parents"] if p["role"] == "mask").items()
    # the sandbox really repainted the masked area and kept the rest
    rendered = Path(studio.store.get_asset(out["id"]).path)
    with Image.open(rendered) as im:
        pixels = np.asarray(im.convert("RGB")).astype(int)
    before = np.asarray(Image.open(io.BytesIO(image_bytes)).convert("RGB")).astype(int)
    assert pixels.shape == before.shape
    assert np.abs(pixels[20, 30] - before[20, 30]).sum() > 0
    assert np.abs(pixels[45, 2] - before[45, 2]).sum() <= 6


async def test_a_mask_of_another_size_is_scaled_with_a_note(live_api):
    r = await live_api.client.post("/api/providers/image/generate", json={
        **INPAINT, "input_images": [png_data_uri(size=(64, 48))],
        "mask": data_uri(mask_png((32, 24)))})
    assert r.status_code == 201, r.text
    job = await finished(live_api, r.json()["job_id"])
    assert job["status"] == "succeeded", job
    [out] = job["outputs"]
    prov = (await live_api.client.get(out["provenance_url"])).json()
    assert prov["notes"] == ["the mask was 32x24 and was scaled to the image's 64x48"]


async def test_bad_masks_answer_422_naming_the_field(api, tmp_path):
    path = tmp_path / "mask.png"
    path.write_bytes(mask_png())
    image = png_data_uri(size=(64, 48))
    cases = {
        str(path): "file paths are not accepted",
        "asset:nope": "no asset 'nope'",
        "data:image/png;base64,AAAA": "not a PNG, JPEG or WebP",
        "http://example.com/mask.png": "https://",
    }
    for value, why in cases.items():
        r = await api.client.post("/api/providers/image/generate", json={
            **INPAINT, "input_images": [image], "mask": value})
        assert r.status_code == 422, (value, r.text)
        fields = r.json()["fields"]
        assert [f["field"] for f in fields] == ["mask"], (value, fields)
        assert why in fields[0]["message"], (value, fields)
    # a model that takes no mask says so, on the mask field
    r = await api.client.post("/api/providers/image/generate", json={
        "provider": "fal", "model": "fal-ai/flux/schnell", "prompt": "x",
        "mask": data_uri(mask_png())})
    assert r.status_code == 422 and "mask" in [f["field"] for f in r.json()["fields"]], r.text
    # nothing was kept from the refused calls: no uploads, no mask assets
    assert not [p for p in api.studio.paths.data_dir.rglob("*.png")], list(
        api.studio.paths.data_dir.rglob("*.png"))
    assert api.studio.store.query("SELECT COUNT(*) FROM assets")[0][0] == 0
