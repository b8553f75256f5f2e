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
)
from studio.sandbox import SandboxConfig, SandboxServer


@pytest.fixture(scope="module")
def pod_sandbox():
    with SandboxServer(SandboxConfig(frozen_clock=0.0, queue_seconds=0.05,
                                     run_seconds=0.2)) as server:
        yield server


@pytest.fixture
def cloud(pod_sandbox):
    httpx.post(f"{pod_sandbox.url}/_sandbox/reset").raise_for_status()
    yield pod_sandbox
    httpx.delete(f"{pod_sandbox.url}/_sandbox/faults")


def advance(server, seconds: float) -> None:
    httpx.post(f"{server.url}/_sandbox/clock", json={"advance": seconds}).raise_for_status()


def run(coro_fn, server, key="rpa-test"):
    async def go():
        async with httpx.AsyncClient() as http:
            return await coro_fn(PodsClient(http, PodsEndpoints.sandbox(server.url), key))
    return asyncio.run(go())


def test_builders_are_the_documented_requests():
    ends = PodsEndpoints()
    call = create_call(ends, "k", CreatePod(gpu_type_id="NVIDIA GeForce RTX 4090",
                                            template_id="tpl", network_volume_id="vol"))
    assert (call.method, call.url) == ("POST", "https://rest.runpod.io/v1/pods")
    assert call.json_body["gpuTypeIds"] == ["NVIDIA GeForce RTX 4090"]
    assert call.json_body["templateId"] == "tpl" and call.json_body["networkVolumeId"] == "vol"
    assert call.json_body["ports"] == ["8188/http"] and call.headers["Authorization"] == "Bearer k"
    stop = action_call(ends, "k", "abc123", "stop")
    assert (stop.method, stop.url) == ("POST", "https://rest.runpod.io/v1/pods/abc123/stop")
    gone = action_call(ends, "k", "abc123", "terminate")
    assert (gone.method, gone.url) == ("DELETE", "https://rest.runpod.io/v1/pods/abc123")
    assert ends.proxy_url("abc123") == "https://abc123-8188.proxy.runpod.net"
    with pytest.raises(ValueError):
        ends.proxy_url("../etc")
    with pytest.raises(ValueError, match="template id or an image"):
        CreatePod(gpu_type_id="x")


def test_pod_life_and_per_second_billing(cloud):
    spec = CreatePod(name="bill", gpu_type_id="NVIDIA GeForce RTX 4090",
                     template_id="runpod-comfyui")

    async def create(c):
        return await c.create(spec)
    pod = run(create, cloud)
    assert pod.status == "CREATED" and pod.cost_per_hr == pytest.approx(0.69)
    advance(cloud, 90)

    async def look(c):
        return await c.pod(pod.id), await c.account()
    seen, account = run(look, cloud)
    assert seen.running and seen.exposes(8188)
    assert account.billed[pod.id] == pytest.approx(90 * 0.69 / 3600)
    assert account.balance_usd == pytest.approx(100 - 90 * 0.69 / 3600)
    assert account.spend_per_hr == pytest.approx(0.69)

    async def stop(c):
        return await c.act(pod.id, "stop")
    assert run(stop, cloud).status == "EXITED"
    advance(cloud, 1000)  # a stopped pod costs nothing more here

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
    assert by_id["NVIDIA GeForce RTX 4090"].price("COMMUNITY") == pytest.approx(0.34)
    assert not by_id["NVIDIA H100 80GB HBM3"].available("SECURE")  # no stock
    assert not by_id["NVIDIA A100 80GB PCIe"].available("COMMUNITY")
    assert any(t.is_comfyui for t in templates) and volumes[0].id == "sandboxvol01"


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
