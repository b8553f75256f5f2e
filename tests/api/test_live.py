"""A full live run over the API against the sandbox: webhook, download, provenance, and no
provider key (or API token) in any response or webhook body."""

import hashlib
import hmac
from pathlib import Path

import httpx

from studio.core.service import Studio
from tests.api.conftest import FLUX, enable_live, serve
from tests.conftest import TEST_KEY, sandbox_requests, set_faults


async def test_full_live_run_with_webhook_download_and_no_key_anywhere(
        home, memory_keyring, sandbox, receiver):
    env = {"FAL_KEY": TEST_KEY, "STUDIO_FAL_BASE_URL": f"{sandbox.url}/fal"}
    studio = Studio(home, env=env)
    enable_live(studio)
    seen: list[str] = []

    async def record(response: httpx.Response) -> None:
        await response.aread()
        seen.append(str(response.headers) + response.content.decode("latin-1"))

    try:
        async with serve(studio) as api:
            api.client.event_hooks["response"] = [record]
            for kind in ("image", "video"):
                assert (await api.client.get(f"/api/providers/{kind}/catalog")).is_success
            r = await api.client.post("/api/providers/image/generate", json={
                **FLUX, "prompt": f"fox {TEST_KEY}", "webhook": f"{receiver.url}/hook?n=1"})
            assert r.status_code == 201 and r.json()["dry_run"] is False, r.text
            job_id = r.json()["job_id"]

            [hook] = await receiver.wait(1)
            assert hook.method == "POST" and hook.path == "/hook?n=1"
            assert hook.headers["x-studio-event"] == "job.finished"
            expected = hmac.new(api.token.encode(), hook.body, hashlib.sha256).hexdigest()
            assert hook.headers["x-studio-signature"] == f"sha256={expected}"
            payload = hook.json()
            assert payload["job_id"] == job_id and payload["status"] == "succeeded"
            assert payload["remote_id"] and payload["outputs"]

            job = (await api.client.get(f"/api/jobs/{job_id}")).json()
            assert job["status"] == "succeeded" and job["remote_id"] == payload["remote_id"]
            assert job["webhook"]["delivered_at"] and job["webhook"]["attempts"] == 1
            [out] = job["outputs"]
            download = await api.client.get(out["url"])
            assert download.status_code == 200
            assert download.headers["content-type"] == out["media_type"] == "image/png"
            stored = Path(studio.store.get_asset(out["id"]).path).read_bytes()
            assert download.content == stored
            assert int(download.headers["content-length"]) == len(stored)
            assert hashlib.sha256(download.content).hexdigest() == out["sha256"]

            prov = (await api.client.get(out["provenance_url"])).json()
            assert prov["job_id"] == job_id and prov["asset_id"] == out["id"]
            assert prov["output"]["sha256"] == out["sha256"]
            assert prov["remote_job_id"] == job["remote_id"]
            assert (await api.client.get("/api/assets/nope")).status_code == 404
            assert (await api.client.get("/api/assets/nope/provenance")).status_code == 404

            # A provider error that quotes the key, delivered by webhook too.
            set_faults(sandbox, fail_next={"provider": "fal", "message": f"bad key {TEST_KEY}"})
            r = await api.client.post("/api/providers/image/generate", json={
                **FLUX, "webhook": f"{receiver.url}/again"})
            [_, failed] = await receiver.wait(2)
            assert failed.json()["status"] == "failed" and failed.json()["error"]
            r = await api.client.get(f"/api/jobs/{r.json()['job_id']}")
            assert r.json()["status"] == "failed"
            await api.client.post("/api/providers/video/generate", json={
                "provider": "fal", "model": "fal-ai/veo3.1", "prompt": "x"})
            for path in ("/api/jobs", "/openapi.json", "/docs", "/health"):
                assert (await api.client.get(path)).is_success
            token = api.token
    finally:
        await studio.aclose()
    post = next(q for q in sandbox_requests(sandbox, "fal") if q["method"] == "POST")
    assert post["headers"]["authorization"].startswith("Key <redacted")  # the key did go out
    webhook_text = [str(h.headers) + h.body.decode() for h in receiver.received]
    assert len(seen) >= 15
    for text in seen + webhook_text:
        assert TEST_KEY not in text
        assert token not in text
