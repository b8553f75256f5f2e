"""The sandbox's RunPod Serverless: status progression, the ComfyUI worker's base64
output, custom-worker URLs, cancel, health, endpoint scoping and failures."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest
from sandbox_helpers import advance, freeze, image_size

from studio.sandbox import SandboxServer

WORKFLOW = {
    "4": {"class_type": "CheckpointLoaderSimple",
          "inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"}},
    "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 72, "height": 40,
                                                       "batch_size": 1}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a kite", "clip": ["4", 1]}},
    "3": {"class_type": "KSampler", "inputs": {
        "seed": 1, "steps": 4, "cfg": 7.0, "sampler_name": "euler", "scheduler": "normal",
        "denoise": 1.0, "model": ["4", 0], "positive": ["6", 0], "negative": ["6", 0],
        "latent_image": ["5", 0]}},
    "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
    "9": {"class_type": "SaveImage", "inputs": {"images": ["8", 0], "filename_prefix": "x"}},
}


@pytest.fixture
def runpod(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": "Bearer rp_test"}
    with httpx.Client(base_url=f"{sandbox.url}/runpod", headers=headers, timeout=10) as client:
        yield client


def test_status_goes_from_queue_to_completed_with_base64_images(
        admin: httpx.Client, runpod: httpx.Client) -> None:
    freeze(admin)
    job = runpod.post("/ep1/run", json={"input": {"workflow": WORKFLOW}}).json()
    assert job["status"] == "IN_QUEUE"
    seen = [runpod.get(f"/ep1/status/{job['id']}").json()]
    advance(admin, 0.15)
    seen.append(runpod.get(f"/ep1/status/{job['id']}").json())
    advance(admin, 0.3)
    seen.append(runpod.get(f"/ep1/status/{job['id']}").json())
    assert [s["status"] for s in seen] == ["IN_QUEUE", "IN_PROGRESS", "COMPLETED"]
    assert seen[1]["output"].endswith("%")
    done = seen[-1]
    assert (done["executionTime"], done["delayTime"]) == (200, 100)
    [image] = done["output"]["images"]
    assert image["type"] == "base64"
    assert image_size(base64.b64decode(image["data"])) == ("PNG", 72, 40)


def test_custom_worker_answers_a_url_on_the_bare_endpoint(
        sandbox: SandboxServer, runpod: httpx.Client) -> None:
    job = runpod.post("/run", json={"input": {"prompt": "p", "width": 30, "height": 20}}).json()
    from sandbox_helpers import poll_until
    done = poll_until(lambda: runpod.get(f"/status/{job['id']}").json(),
                      lambda s: s["status"] == "COMPLETED")[-1]
    url = done["output"]["image_url"]
    assert url.startswith(f"{sandbox.url}/files/")
    assert image_size(httpx.get(url).content) == ("PNG", 30, 20)
    assert runpod.get(f"/other/status/{job['id']}").status_code == 404  # another endpoint


def test_cancel_health_auth_and_failures(admin: httpx.Client, runpod: httpx.Client,
                                         sandbox: SandboxServer) -> None:
    freeze(admin)
    job = runpod.post("/ep2/run", json={"input": {}}).json()
    health = runpod.get("/ep2/health").json()
    assert health["jobs"]["inQueue"] == 1 and health["workers"]["idle"] == 1
    assert runpod.post(f"/ep2/cancel/{job['id']}").json() == {"id": job["id"],
                                                              "status": "CANCELLED"}
    assert runpod.post("/ep2/cancel/nope").status_code == 404
    assert httpx.post(f"{sandbox.url}/runpod/ep2/run", json={"input": {}}).status_code == 401
    assert runpod.post("/ep2/run", json={"nope": 1}).status_code == 400
    bad = {**WORKFLOW, "4": {"class_type": "CheckpointLoaderSimple",
                             "inputs": {"ckpt_name": "x"}}}
    failed = runpod.post("/ep2/run", json={"input": {"workflow": bad}}).json()
    admin.post("/faults", json={"fail_next": {"provider": "runpod", "code": "TIMED_OUT"}})
    timed = runpod.post("/ep2/run", json={"input": {}}).json()
    advance(admin, 1)
    failed = runpod.get(f"/ep2/status/{failed['id']}").json()
    assert failed["status"] == "FAILED" and "value_not_in_list" in failed["error"]
    assert runpod.get(f"/ep2/status/{timed['id']}").json()["status"] == "TIMED_OUT"
