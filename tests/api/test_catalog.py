"""GET /api/providers/{image,video}/catalog: per-kind providers, models, modes, status."""

from studio.core.secrets import SERVICE
from tests.conftest import TEST_KEY

API_MODES = {"txt2img", "image2image", "video", "storyboard"}
STATUSES = {"active", "dry-run", "missing-credentials", "low-quota", "disabled"}


def _provider(catalog, pid):
    return next(p for p in catalog["providers"] if p["id"] == pid)


async def test_image_catalog_shape_without_keys(api):
    r = await api.client.get("/api/providers/image/catalog")
    assert r.status_code == 200
    catalog = r.json()
    assert catalog["kind"] == "image" and catalog["providers"]
    for p in catalog["providers"]:
        assert p["status"] in STATUSES
        assert p["pricing_url"].startswith("https://") and p["docs_url"].startswith("https://")
        assert p["models"], p["id"]
        for m in p["models"]:
            assert set(m["modes"]) <= {"txt2img", "image2image", "inpaint", "outpaint",
                                       "upscale", "remove_background"}, m
            assert m["status"] in STATUSES
            assert m["parameters"]["type"] == "object"
    fal = _provider(catalog, "fal")
    assert fal["status"] == "missing-credentials" and fal["key_source"] == "none"
    assert fal["quota"] is None
    dev = next(m for m in fal["models"] if m["id"] == "fal-ai/flux/dev")
    assert dev["modes"] == ["txt2img"] and dev["price"]["usd"] > 0
    assert "image_size" in dev["parameters"]["properties"]
    assert not any("veo" in m["id"] for m in fal["models"])  # video models are elsewhere
    assert any("image2image" in m["modes"] for p in catalog["providers"] for m in p["models"])


async def test_video_catalog_shape(api):
    catalog = (await api.client.get("/api/providers/video/catalog")).json()
    assert catalog["kind"] == "video"
    modes = {mode for p in catalog["providers"] for m in p["models"] for mode in m["modes"]}
    assert modes <= API_MODES and "video" in modes and "txt2img" not in modes
    fal = _provider(catalog, "fal")
    veo = next(m for m in fal["models"] if m["id"] == "fal-ai/veo3.1")
    assert veo["native_modes"] == ["txt2video"] and veo["capabilities"]["durations"] == [4, 6, 8]
    assert {p["id"] for p in catalog["providers"]} >= {"fal", "runway", "luma"}


async def test_status_follows_the_key_and_the_flag(api, memory_keyring):
    from studio.core.config import set_value

    memory_keyring.set_password(SERVICE, "fal", TEST_KEY)
    api.studio.keys.forget()
    fal = _provider((await api.client.get("/api/providers/image/catalog")).json(), "fal")
    assert fal["status"] == "dry-run" and fal["key_source"] == "keyring"
    api.studio.update_settings(set_value(api.studio.settings,
                                         "features.enable_public_image_providers", "true"))
    image = (await api.client.get("/api/providers/image/catalog")).json()
    video = (await api.client.get("/api/providers/video/catalog")).json()
    assert _provider(image, "fal")["status"] == "active"
    assert _provider(video, "fal")["status"] == "dry-run"  # its own flag is still off
