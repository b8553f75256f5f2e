"""POST /api/providers/{kind}/generate: dry-runs, field errors named, input images."""

import base64
from pathlib import Path

from studio.core.service import Studio
from tests.api.conftest import FLUX, enable_live, png_data_uri, serve
from tests.conftest import sandbox_requests

RAY_I2V = {"provider": "fal", "model": "fal-ai/luma-dream-machine/ray-2/image-to-video",
           "prompt": "the fox runs", "duration_seconds": 9, "resolution": "720p"}


async def test_dry_run_image_generate(api):
    r = await api.client.post("/api/providers/image/generate", json=FLUX)
    assert r.status_code == 201, r.text
    data = r.json()
    assert data["dry_run"] is True and data["status"] == "dry_run" and data["remote_id"] is None
    assert "enable_public_image_providers is off" in data["dry_run_reason"]
    assert data["estimates"]["usd"] > 0 and "credits" in data["estimates"]
    assert r.headers["location"] == f"/api/jobs/{data['job_id']}"
    job = (await api.client.get(data["links"]["job"])).json()
    assert job["status"] == "dry_run" and job["outputs"] == []
    assert job["request"]["url"] == "https://queue.fal.run/fal-ai/flux/schnell"
    assert job["request"]["body"]["prompt"] == FLUX["prompt"]
    assert job["request"]["body"]["image_size"] == "square"
    # The same job the GUI and the CLI see: one store.
    assert api.studio.store.get_job(data["job_id"]).prompt == FLUX["prompt"]


async def test_video_fields_map_onto_the_models_own_params_and_images_are_saved(api):
    image = png_data_uri()
    r = await api.client.post("/api/providers/video/generate",
                              json={**RAY_I2V, "mode": "video", "input_images": [image]})
    assert r.status_code == 201, r.text
    job = (await api.client.get(f"/api/jobs/{r.json()['job_id']}")).json()
    assert job["mode"] == "img2video"
    body = job["request"]["body"]
    assert body["duration"] == "9s" and body["resolution"] == "720p"
    assert body["image_url"].startswith("data:image/png;base64,")
    [saved] = job["input"]["input_images"]
    path = Path(saved)
    assert path.parent == api.studio.paths.data_dir / "api_inputs"
    assert path.read_bytes() == base64.b64decode(image.split(",", 1)[1])


async def test_an_input_image_picks_image2image_on_a_model_with_both_modes(api):
    base = {"provider": "stability", "model": "ultra", "prompt": "a fox, watercolour"}
    plain = await api.client.post("/api/providers/image/generate", json=base)
    assert (await api.client.get(plain.headers["location"])).json()["mode"] == "txt2img"
    r = await api.client.post("/api/providers/image/generate",
                              json={**base, "input_images": [png_data_uri(fmt="JPEG")]})
    assert r.status_code == 201, r.text
    job = (await api.client.get(r.headers["location"])).json()
    assert job["mode"] == "img2img" and job["input"]["input_images"][0].endswith(".jpg")
    explicit = await api.client.post("/api/providers/image/generate", json={
        **base, "mode": "image2image", "input_images": [png_data_uri()]})
    assert (await api.client.get(explicit.headers["location"])).json()["mode"] == "img2img"


async def test_runway_takes_resolution_as_its_ratio(api):
    r = await api.client.post("/api/providers/video/generate", json={
        "provider": "runway", "model": "gen4_turbo", "prompt": "x", "duration_seconds": 5,
        "resolution": "1280x720", "input_images": [png_data_uri()]})
    assert r.status_code == 201, r.text
    body = (await api.client.get(f"/api/jobs/{r.json()['job_id']}")).json()["request"]["body"]
    assert body["ratio"] == "1280:720" and body["duration"] == 5


BAD_INPUT = [
    ("image", {"parameters": {"image_size": "enormous"}}, "parameters.image_size"),
    ("image", {"parameters": {"no_such_param": 1}}, "parameters.no_such_param"),
    ("image", {"prompt": "   "}, "prompt"),
    ("image", {"seed": -1}, "seed"),
    ("image", {"provider": "nobody"}, "provider"),
    ("image", {"model": "fal-ai/nothing"}, "model"),
    ("image", {"model": "fal-ai/veo3.1"}, "model"),
    ("image", {"mode": "video"}, "mode"),
    ("image", {"mode": "warp"}, "mode"),
    ("image", {"webhook": "ftp://example.com/hook"}, "webhook"),
    ("image", {"webhook": "http://user:pw@127.0.0.1/hook"}, "webhook"),
    ("video", {**RAY_I2V, "duration_seconds": 7}, "duration_seconds"),
    ("video", {**RAY_I2V, "resolution": "8k"}, "resolution"),
    ("video", {**RAY_I2V, "input_images": ["/etc/passwd"]}, "input_images.0"),
    ("video", {**RAY_I2V, "input_images": ["data:image/png;base64,bm90IGFuIGltYWdl"]},
     "input_images.0"),
    ("video", {**RAY_I2V, "input_images": [png_data_uri(fmt="JPEG").replace("jpeg", "png")]},
     "input_images.0"),
    ("video", {**RAY_I2V}, "input_images"),
    ("video", {**RAY_I2V, "input_images": ["x"] * 9}, "input_images"),
]


async def test_bad_input_is_422_naming_the_field(api):
    for path, change, field in BAD_INPUT:  # one server for all cases: fast
        body = {**FLUX, **change} if path == "image" else change
        r = await api.client.post(f"/api/providers/{path}/generate", json=body)
        assert r.status_code == 422, (field, r.text)
        fields = [f["field"] for f in r.json()["fields"]]
        assert field in fields, (field, fields)
    assert api.studio.store.count_jobs() == 0
    assert not list((api.studio.paths.data_dir / "api_inputs").glob("*"))


async def test_body_that_is_not_json_is_400(api):
    r = await api.client.post("/api/providers/image/generate", content=b"{nope")
    assert r.status_code == 400 and "JSON" in r.json()["error"]


async def test_api_jobs_obey_the_flags_live_needs_the_flag(home, memory_keyring, sandbox):
    """Video flag off, the real-world rule (rehearsed over the sandbox): even with a key the
    API only dry-runs; nothing is sent."""
    studio = Studio(home, env={}, sandbox_url=sandbox.url, sandbox_live=False)
    enable_live(studio)
    try:
        async with serve(studio) as live_api:
            await _video_flag_off_is_a_dry_run(live_api, sandbox)
    finally:
        await studio.aclose()


async def test_in_the_sandbox_api_jobs_run_live_whatever_the_flags(home, memory_keyring,
                                                                   sandbox):
    studio = Studio(home, env={}, sandbox_url=sandbox.url)  # every flag off
    try:
        async with serve(studio) as api:
            r = await api.client.post("/api/providers/image/generate", json={
                "provider": "fal", "model": "fal-ai/flux/dev", "prompt": "a fox"})
            assert r.status_code == 201 and r.json()["dry_run"] is False
            job = await studio.wait(r.json()["job_id"])
            assert job.status.value == "succeeded" and job.sandbox
    finally:
        await studio.aclose()
    assert next(r["method"] for r in sandbox_requests(sandbox, "fal")) == "POST"


async def test_the_api_catalog_says_what_jobs_would_be_outside_the_sandbox(home, sandbox,
                                                                          memory_keyring):
    studio = Studio(home, env={}, sandbox_url=sandbox.url)
    try:
        async with serve(studio) as api:
            r = await api.client.get("/api/providers/image/catalog")
            fal = next(p for p in r.json()["providers"] if p["id"] == "fal")
            assert (fal["status"], fal["outside_status"]) == ("active", "missing-credentials")
            assert "outside the sandbox" in fal["reason"]
            assert fal["models"][0]["outside_status"] == "missing-credentials"
    finally:
        await studio.aclose()
    plain = Studio(home, env={})
    try:
        async with serve(plain) as api:
            r = await api.client.get("/api/providers/image/catalog")
            fal = next(p for p in r.json()["providers"] if p["id"] == "fal")
            assert fal["outside_status"] is None and fal["status"] == "missing-credentials"
    finally:
        await plain.aclose()


async def _video_flag_off_is_a_dry_run(live_api, sandbox) -> None:
    r = await live_api.client.post("/api/providers/video/generate", json={
        "provider": "fal", "model": "fal-ai/veo3.1", "prompt": "waves", "duration_seconds": 4})
    assert r.status_code == 201 and r.json()["dry_run"] is True
    assert "enable_public_video_providers is off" in r.json()["dry_run_reason"]
    assert sandbox_requests(sandbox, "fal") == []
