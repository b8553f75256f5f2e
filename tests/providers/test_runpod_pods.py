"""RunPod pods adapter over real HTTP against the sandbox (its clock frozen, then moved)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from studio.providers.base import ProviderError
from studio.providers.runpod_pods import (
    CreatePod,
    PodsClient,
    PodsEndpoints,
    action_call,
    create_call,
    pod_from,
)
from tests.conftest import advance


def run(coro_fn, server, key="rpa-test"):
    async def go():
        async with httpx.AsyncClient() as http:
            return await coro_fn(PodsClient(http, PodsEndpoints.sandbox(server.url), key))
    return asyncio.run(go())


def test_builders_are_the_documented_v2_requests():
    ends = PodsEndpoints()
    call = create_call(ends, "k", CreatePod(name="gpu", gpu_type_id="NVIDIA GeForce RTX 4090",
                                            template_id="tpl", network_volume_id="vol"))
    assert (call.method, call.url) == ("POST", "https://api.runpod.io/v2/pods")
    assert call.json_body == {
        "name": "gpu", "gpu": {"id": "NVIDIA GeForce RTX 4090", "count": 1},
        "cloud": "SECURE", "ports": ["8188/http"], "disk": 50, "templateId": "tpl",
        "mounts": {"network": [{"volumeId": "vol", "path": "/workspace"}]}}
    assert call.headers["Authorization"] == "Bearer k"
    own = create_call(ends, None, CreatePod(gpu_type_id="g", image_name="me/comfy:1",
                                            volume_gb=20, cloud_type="COMMUNITY", gpu_count=2))
    assert own.json_body["image"] == "me/comfy:1" and "templateId" not in own.json_body
    assert own.json_body["gpu"] == {"id": "g", "count": 2}
    assert own.json_body["mounts"] == {"persistent": {"size": 20, "path": "/workspace"}}
    assert own.json_body["cloud"] == "COMMUNITY" and "Authorization" not in own.headers
    stop = action_call(ends, "k", "abc123", "stop")
    assert (stop.method, stop.url) == ("POST", "https://api.runpod.io/v2/pods/abc123/action")
    assert stop.json_body == {"action": "stop"}
    gone = action_call(ends, "k", "abc123", "terminate")
    assert (gone.method, gone.url) == ("DELETE", "https://api.runpod.io/v2/pods/abc123")
    assert ends.proxy_url("abc123") == "https://abc123-8188.proxy.runpod.net"
    with pytest.raises(ValueError):
        ends.proxy_url("../etc")
    with pytest.raises(ValueError, match="template id or an image"):
        CreatePod(gpu_type_id="x")
    with pytest.raises(ValueError, match="at least 10 GB"):
        CreatePod(gpu_type_id="x", image_name="i", volume_gb=5)
    with pytest.raises(ValueError, match="not both"):
        CreatePod(gpu_type_id="x", image_name="i", volume_gb=20, network_volume_id="v")


def test_the_v2_pod_answer_is_read():
    raw = {"id": "7h9k2m4n6p", "name": "pytorch-training", "image": "runpod/pytorch:1",
           "ports": ["8888/http", "22/tcp"], "status": "RUNNING",
           "actions": ["stop", "restart", "terminate"],
           "mounts": {"network": [{"volumeId": "vol9", "path": "/workspace"}]},
           "gpu": {"id": "NVIDIA GeForce RTX 4090", "count": 2}, "cloud": "COMMUNITY",
           "template": "9x4m2p7v", "cost": 0.88, "runtime": {"uptime": 3600, "ports": []},
           "createdAt": "2026-06-01T12:00:00Z", "startedAt": "2026-06-01T12:02:00Z"}
    pod = pod_from(raw)
    assert (pod.status, pod.cost_per_hr, pod.gpu_type, pod.gpu_count) == (
        "RUNNING", 0.88, "NVIDIA GeForce RTX 4090", 2)
    assert (pod.network_volume_id, pod.template_id, pod.cloud_type) == (
        "vol9", "9x4m2p7v", "COMMUNITY")
    assert pod.uptime_seconds() == 3600 and pod.exposes(8888) and not pod.exposes(22)
    assert "reported_uptime" not in pod.as_dict()
    stopped = pod_from({**raw, "status": "EXITED", "cost": 0.0, "runtime": None})
    assert not stopped.up and stopped.uptime_seconds() == 0.0
    assert pod_from({**raw, "status": "PROVISIONING"}).up


def test_pod_life_and_per_second_billing(cloud):
    spec = CreatePod(name="bill", gpu_type_id="NVIDIA GeForce RTX 4090",
                     template_id="runpod-comfyui")

    async def create(c):
        return await c.create(spec)
    pod = run(create, cloud)
    assert pod.status == "PROVISIONING" and pod.cost_per_hr == pytest.approx(0.69)
    advance(cloud, 0.7)

    async def look_now(c):
        return await c.pod(pod.id)
    assert run(look_now, cloud).status == "STARTING"
    advance(cloud, 89.3)

    async def look(c):
        return await c.pod(pod.id), await c.account()
    seen, account = run(look, cloud)
    assert seen.running and seen.exposes(8188)
    assert seen.uptime_seconds() == pytest.approx(89, abs=1)  # RunPod's runtime.uptime
    assert account.billed[pod.id] == pytest.approx(90 * 0.69 / 3600)
    assert account.balance_usd == pytest.approx(100 - 90 * 0.69 / 3600)
    assert account.spend_per_hr == pytest.approx(0.69)

    async def stop(c):
        return await c.act(pod.id, "stop")
    stopped = run(stop, cloud)
    assert stopped.status == "EXITED" and stopped.cost_per_hr == 0.0
    advance(cloud, 1000)  # a stopped pod costs nothing more here

    async def stop_again(c):
        return await c.act(pod.id, "stop")
    with pytest.raises(ProviderError, match="status does not allow") as info:
        run(stop_again, cloud)  # v2: 409, the pod's `actions` say start or terminate
    assert info.value.status == 409 and "allowed: start, terminate" in info.value.message

    async def bills(c):
        return await c.billed()
    assert run(bills, cloud)[pod.id] == pytest.approx(90 * 0.69 / 3600)

    async def terminate(c):
        await c.act(pod.id, "terminate")
        return await c.pods()
    assert run(terminate, cloud) == []


def test_catalog_reads(cloud):
    async def reads(c):
        return await c.gpu_types(), await c.templates(), await c.volumes()
    gpus, templates, volumes = run(reads, cloud)
    by_id = {g.id: g for g in gpus}
    rtx = by_id["NVIDIA GeForce RTX 4090"]
    assert rtx.price("COMMUNITY") == pytest.approx(0.34) and rtx.memory_gb == 24
    assert (rtx.stock, rtx.community_stock) == ("HIGH", "HIGH") and rtx.available("COMMUNITY")
    assert not by_id["NVIDIA H100 80GB HBM3"].available("SECURE")  # NONE in stock
    a100 = by_id["NVIDIA A100 80GB PCIe"]
    assert a100.available("SECURE") and not a100.available("COMMUNITY")
    assert a100.community_price is None  # not offered in the community cloud
    # Own templates, then RunPod's official ones; a serverless template cannot make a pod.
    assert [t.id for t in templates] == ["runpod-torch-v240", "runpod-comfyui"]
    assert templates[1].is_comfyui and templates[1].image == "runpod/comfyui:latest"
    assert volumes[0].id == "sandboxvol01" and volumes[0].data_center == "EU-RO-1"


def test_the_sandbox_refuses_what_v2_refuses(cloud):
    url, auth = f"{cloud.url}/runpod_pods/v2/pods", {"Authorization": "Bearer x"}
    old_shape = httpx.post(url, headers=auth, json={
        "name": "a", "gpuTypeIds": ["NVIDIA GeForce RTX 4090"], "imageName": "x"})
    assert old_shape.status_code == 422
    assert old_shape.headers["content-type"].startswith("application/problem+json")
    problem = old_shape.json()
    assert problem["title"] == "Unprocessable Entity" and problem["status"] == 422
    assert any("gpuTypeIds" in e for e in problem["errors"])
    neither = httpx.post(url, headers=auth, json={"name": "a", "image": "x"})
    assert neither.status_code == 400 and "exactly one of gpu or cpu" in neither.json()["detail"]
    serverless = httpx.post(url, headers=auth, json={
        "name": "a", "gpu": {"id": "NVIDIA RTX A5000"}, "templateId": "my-serverless-worker"})
    assert serverless.status_code == 422
    both = httpx.post(url, headers=auth, json={
        "name": "a", "image": "x", "gpu": {"id": "NVIDIA RTX A5000"},
        "mounts": {"persistent": {"size": 20, "path": "/w"},
                   "network": [{"volumeId": "sandboxvol01", "path": "/v"}]}})
    assert both.status_code == 400
    no_stock = httpx.post(url, headers=auth, json={
        "name": "a", "image": "x", "gpu": {"id": "NVIDIA H100 80GB HBM3"}})
    assert no_stock.status_code == 400 and "no longer any instances" in no_stock.json()["detail"]
    catalog = httpx.get(f"{cloud.url}/runpod_pods/v2/catalog/gpus",
                        params={"include": "AVAILABILITY"}, headers=auth)
    assert catalog.status_code == 400  # availability needs a product
    assert httpx.get(url, headers=auth).json() == {"pods": []}


@pytest.mark.parametrize(("faults", "words"), [
    ({"server_errors": {"count": 1, "provider": "runpod", "status": 500}}, "HTTP 500"),
    ({"malformed_json": {"count": 1, "provider": "runpod"}}, "malformed response"),
])
def test_errors_are_clear(cloud, faults, words):
    httpx.post(f"{cloud.url}/_sandbox/faults", json=faults).raise_for_status()

    async def pods(c):
        return await c.pods()
    with pytest.raises(ProviderError, match=words):
        run(pods, cloud)
    assert run(pods, cloud) == []  # the next read works


def test_no_key_is_a_401_that_says_so(cloud):
    async def pods(c):
        return await c.pods()
    with pytest.raises(ProviderError, match="RUNPOD_API_KEY") as info:
        run(pods, cloud, key=None)
    assert info.value.status == 401
