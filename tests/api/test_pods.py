"""/api/pods: list and show the artist's pods with their cost so far (live over the
sandbox's RunPod), and Stop; no paid action is reachable, bad ids and a missing key are
clear errors, and no key appears in an answer."""

from __future__ import annotations

import httpx

from studio.core.service import Studio
from studio.providers.runpod_pods import CreatePod
from tests.api.conftest import enable_live, serve

RTX4090 = "NVIDIA GeForce RTX 4090"


async def _pod(studio: Studio) -> str:
    row = await studio.pods.create(CreatePod(name="api-pod", gpu_type_id=RTX4090,
                                             template_id="runpod-comfyui"))
    assert row.live and row.error is None, row
    return row.pod_id


async def test_list_show_and_stop_a_pod(home, memory_keyring, sandbox):
    studio = Studio(home, env={}, sandbox_url=sandbox.url)
    enable_live(studio)
    try:
        pod_id = await _pod(studio)
        async with serve(studio) as api:
            r = await api.client.get("/api/pods")
            assert r.status_code == 200, r.text
            data = r.json()
            [pod] = [p for p in data["pods"] if p["id"] == pod_id]
            assert pod["name"] == "api-pod" and pod["gpu_type"] == RTX4090
            assert {"status", "uptime_seconds", "cost_so_far_usd", "server"} <= set(pod)
            assert data["running"]["pods"] >= 1 and data["running"]["usd_per_hour"] > 0
            shown = (await api.client.get(f"/api/pods/{pod_id}")).json()
            assert shown["id"] == pod_id
            r = await api.client.post(f"/api/pods/{pod_id}/stop")
            assert r.status_code == 200, r.text
            stop = r.json()
            assert stop["action"] == "stop" and stop["live"] and not stop["dry_run"]
            assert stop["result"]["status"] == "EXITED"
            assert (await api.client.get(f"/api/pods/{pod_id}")).json()["status"] == "EXITED"
            # Paid actions are not in the API; bad and unknown ids are clear errors.
            for action in ("start", "restart", "terminate"):
                r = await api.client.post(f"/api/pods/{pod_id}/{action}")
                assert r.status_code in (404, 405), (action, r.status_code)
            assert (await api.client.post("/api/pods", json={})).status_code in (404, 405)
            r = await api.client.get("/api/pods/bad%20id")
            assert r.status_code == 422 and "letters, digits" in r.json()["error"]
            r = await api.client.get("/api/pods/nosuchpod")
            assert r.status_code == 404 and r.json()["error"].startswith("RunPod:")
            doc = (await api.client.get("/openapi.json")).json()
            assert {p for p in doc["paths"] if p.startswith("/api/pods")} == {
                "/api/pods", "/api/pods/{pod_id}", "/api/pods/{pod_id}/stop"}
    finally:
        await studio.aclose()


async def test_without_a_key_listing_says_so_and_stop_is_a_dry_run(api):
    r = await api.client.get("/api/pods")
    assert r.status_code == 409 and "RunPod key" in r.json()["error"]
    r = await api.client.post("/api/pods/abc123/stop")
    assert r.status_code == 200, r.text
    stop = r.json()
    assert stop["dry_run"] and not stop["live"] and stop["reason"]
    assert stop["request"]["method"] == "POST" and "abc123" in stop["request"]["url"]


async def test_a_garbled_runpod_answer_is_a_502_with_the_reason(home, memory_keyring,
                                                                 sandbox):
    studio = Studio(home, env={}, sandbox_url=sandbox.url)
    enable_live(studio)
    try:
        async with serve(studio) as api:
            httpx.post(f"{sandbox.url}/_sandbox/faults", json={
                "malformed_json": {"count": 1, "provider": "runpod"}}).raise_for_status()
            r = await api.client.get("/api/pods")
            assert r.status_code == 502, r.text
            assert r.json()["error"].startswith("RunPod:") and "malformed" in r.json()["error"]
            r = await api.client.post("/api/pods/nosuchpod/stop")
            assert r.status_code == 502 and "does not know this pod" in r.json()["error"]
    finally:
        httpx.delete(f"{sandbox.url}/_sandbox/faults")
        await studio.aclose()
