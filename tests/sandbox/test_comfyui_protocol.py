"""The sandbox's ComfyUI: /prompt validation, the websocket message sequence, /history,
/view, the queue with delete and interrupt, and the ws_drop / foreign_prompt faults."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image
from sandbox_helpers import image_size, poll_until
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from studio.sandbox import SandboxServer


@pytest.fixture
def comfy(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{sandbox.url}/comfyui", timeout=10) as client:
        yield client


def graph(width=64, height=48, steps=4, prompt="a test card", **changes):
    nodes = {
        "4": {"class_type": "CheckpointLoaderSimple",
              "inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"}},
        "5": {"class_type": "EmptyLatentImage",
              "inputs": {"width": width, "height": height, "batch_size": 1}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": prompt, "clip": ["4", 1]}},
        "3": {"class_type": "KSampler", "inputs": {
            "seed": 5, "steps": steps, "cfg": 7.0, "sampler_name": "euler",
            "scheduler": "normal", "denoise": 1.0, "model": ["4", 0], "positive": ["6", 0],
            "negative": ["6", 0], "latent_image": ["5", 0]}},
        "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
        "9": {"class_type": "SaveImage", "inputs": {"images": ["8", 0],
                                                    "filename_prefix": "test"}},
    }
    for node_id, inputs in changes.items():
        nodes[node_id.lstrip("n")]["inputs"].update(inputs)
    return nodes


def ws_url(sandbox: SandboxServer, client_id: str) -> str:
    return f"{sandbox.url.replace('http', 'ws')}/comfyui/ws?clientId={client_id}"


def read_until_done(ws, prompt_id: str) -> list[dict]:
    messages = []
    while True:
        message = json.loads(ws.recv(timeout=5))
        messages.append(message)
        data = message["data"]
        if message["type"] == "executing" and data.get("prompt_id") == prompt_id \
                and data["node"] is None:
            return messages


def test_system_stats_and_object_info(comfy: httpx.Client) -> None:
    stats = comfy.get("/system_stats").json()
    assert stats["system"]["comfyui_version"] == "0.3.66"
    assert stats["devices"][0]["vram_total"] == 24 * 1024**3
    info = comfy.get("/object_info/CheckpointLoaderSimple").json()
    assert info["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0][0] == (
        "sd_xl_base_1.0.safetensors")
    assert info["CheckpointLoaderSimple"]["output"] == ["MODEL", "CLIP", "VAE"]
    assert "SaveVideo" in comfy.get("/object_info").json()


def test_a_prompt_streams_its_progress_then_lands_in_history(
        sandbox: SandboxServer, comfy: httpx.Client) -> None:
    with connect(ws_url(sandbox, "me")) as ws:
        first = json.loads(ws.recv(timeout=5))
        assert first == {"type": "status", "data": {
            "status": {"exec_info": {"queue_remaining": 0}}, "sid": "me"}}
        answer = comfy.post("/prompt", json={"prompt": graph(), "client_id": "me",
                                             "extra_data": {"k": 1}}).json()
        prompt_id = answer["prompt_id"]
        assert answer["node_errors"] == {}
        messages = [m for m in read_until_done(ws, prompt_id) if m["type"] != "status"]
    kinds = [m["type"] for m in messages]
    assert kinds[:2] == ["execution_start", "execution_cached"]
    assert kinds[-2:] == ["execution_success", "executing"]
    progress = [m["data"]["value"] for m in messages if m["type"] == "progress"]
    assert progress == [1, 2, 3, 4]
    [executed] = [m["data"] for m in messages if m["type"] == "executed"]
    assert executed["node"] == "9"
    [saved] = executed["output"]["images"]
    entry = comfy.get(f"/history/{prompt_id}").json()[prompt_id]
    assert entry["status"]["status_str"] == "success" and entry["status"]["completed"]
    assert entry["outputs"] == {"9": executed["output"]}
    assert entry["prompt"][1] == prompt_id and entry["prompt"][3] == {"k": 1}
    view = comfy.get("/view", params=saved)
    assert image_size(view.content) == ("PNG", 64, 48)
    assert comfy.get(f"/history/{'nope'}").json() == {}


def test_uploaded_images_feed_load_image(comfy: httpx.Client) -> None:
    data = io.BytesIO()
    Image.new("RGB", (40, 30)).save(data, "PNG")
    uploaded = comfy.post("/upload/image", files={"image": ("in.png", data.getvalue())},
                          data={"overwrite": "true"}).json()
    assert uploaded == {"name": "in.png", "subfolder": "", "type": "input"}
    again = comfy.post("/upload/image", files={"image": ("in.png", data.getvalue())}).json()
    assert again["name"] == "in (1).png"  # no overwrite: a new name
    options = comfy.get("/object_info/LoadImage").json()["LoadImage"]["input"]["required"]
    assert sorted(options["image"][0]) == ["in (1).png", "in.png"]
    img2img = graph()
    img2img["10"] = {"class_type": "LoadImage", "inputs": {"image": "in.png"}}
    img2img["11"] = {"class_type": "VAEEncode", "inputs": {"pixels": ["10", 0],
                                                           "vae": ["4", 2]}}
    img2img["3"]["inputs"]["latent_image"] = ["11", 0]
    del img2img["5"]
    prompt_id = comfy.post("/prompt", json={"prompt": img2img}).json()["prompt_id"]
    entry = poll_until(lambda: comfy.get(f"/history/{prompt_id}").json(), bool)[-1][prompt_id]
    saved = entry["outputs"]["9"]["images"][0]
    assert image_size(comfy.get("/view", params=saved).content) == ("PNG", 40, 30)


@pytest.mark.parametrize(("prompt", "kind", "node", "error"), [
    (graph(n4={"ckpt_name": "x.safetensors"}), "prompt_outputs_failed_validation", "4",
     ("value_not_in_list", "ckpt_name")),
    (graph(n3={"steps": 0}), "prompt_outputs_failed_validation", "3",
     ("value_smaller_than_min", "steps")),
    (graph(n3={"positive": ["5", 0]}), "prompt_outputs_failed_validation", "3",
     ("return_type_mismatch", "positive")),
    ({**graph(), "1": {"class_type": "EvalPython", "inputs": {}}}, "invalid_prompt", None, None),
    ({k: v for k, v in graph().items() if k != "9"}, "prompt_no_outputs", None, None),
])
def test_invalid_prompts_get_comfyui_style_400s(comfy, prompt, kind, node, error) -> None:
    answer = comfy.post("/prompt", json={"prompt": prompt})
    assert answer.status_code == 400
    body = answer.json()
    assert body["error"]["type"] == kind
    if node:
        [found] = body["node_errors"][node]["errors"]
        assert (found["type"], found["extra_info"]["input_name"]) == error
        assert body["node_errors"][node]["dependent_outputs"] == ["9"]
    assert comfy.post("/prompt", json={}).json()["error"]["type"] == "no_prompt"


def test_queue_delete_and_targeted_interrupt(admin: httpx.Client, comfy: httpx.Client) -> None:
    admin.post("/faults", json={"run_seconds": 2}).raise_for_status()
    first = comfy.post("/prompt", json={"prompt": graph()}).json()["prompt_id"]
    second = comfy.post("/prompt", json={"prompt": graph()}).json()["prompt_id"]
    queue = poll_until(lambda: comfy.get("/queue").json(), lambda q: q["queue_running"])[-1]
    assert [i[1] for i in queue["queue_running"]] == [first]
    assert [i[1] for i in queue["queue_pending"]] == [second]
    assert comfy.get("/prompt").json() == {"exec_info": {"queue_remaining": 2}}
    comfy.post("/queue", json={"delete": [second]}).raise_for_status()
    comfy.post("/interrupt", json={"prompt_id": second}).raise_for_status()  # not running
    assert comfy.get("/queue").json()["queue_running"][0][1] == first
    comfy.post("/interrupt", json={"prompt_id": first}).raise_for_status()
    entry = poll_until(lambda: comfy.get(f"/history/{first}").json(), bool)[-1][first]
    assert entry["status"]["status_str"] == "error" and entry["outputs"] == {}
    assert entry["status"]["messages"][-1][0] == "execution_interrupted"
    assert comfy.get(f"/history/{second}").json() == {}


def test_ws_drop_closes_the_socket_mid_run(
        sandbox: SandboxServer, admin: httpx.Client, comfy: httpx.Client) -> None:
    admin.post("/faults", json={"ws_drop": {"provider": "comfyui", "after": 2}}).raise_for_status()
    with connect(ws_url(sandbox, "dropme")) as ws:
        ws.recv(timeout=5)
        prompt_id = comfy.post("/prompt", json={"prompt": graph(),
                                                "client_id": "dropme"}).json()["prompt_id"]
        seen = []
        with pytest.raises(ConnectionClosed):
            while True:
                seen.append(json.loads(ws.recv(timeout=5))["type"])
    assert seen.count("progress") == 2
    entry = poll_until(lambda: comfy.get(f"/history/{prompt_id}").json(), bool)[-1]
    assert entry[prompt_id]["status"]["status_str"] == "success"


def test_foreign_prompt_runs_ahead_and_reset_clears_the_queue(
        admin: httpx.Client, comfy: httpx.Client) -> None:
    admin.post("/faults", json={"foreign_prompt": {"provider": "comfyui", "seconds": 5}})
    mine = comfy.post("/prompt", json={"prompt": graph()}).json()["prompt_id"]
    queue = poll_until(lambda: comfy.get("/queue").json(), lambda q: q["queue_running"])[-1]
    assert [i[1] for i in queue["queue_pending"]] == [mine]
    assert queue["queue_running"][0][2]["2"]["inputs"]["text"] == "someone else's prompt"
    assert admin.post("/reset").status_code == 204
    assert comfy.get("/queue").json()["queue_pending"] == []
    assert comfy.get("/history").json() == {}


def test_a_legacy_server_interrupts_whatever_runs(admin: httpx.Client,
                                                   comfy: httpx.Client) -> None:
    """What older ComfyUI servers do with POST /interrupt {"prompt_id"}: ignore the body."""
    admin.post("/faults", json={"run_seconds": 2}).raise_for_status()
    assert admin.post("/comfyui", json={"legacy_interrupt": True}).json() == {
        "legacy_interrupt": True}
    try:
        first = comfy.post("/prompt", json={"prompt": graph()}).json()["prompt_id"]
        second = comfy.post("/prompt", json={"prompt": graph()}).json()["prompt_id"]
        poll_until(lambda: comfy.get("/queue").json(),
                   lambda q: [i[1] for i in q["queue_running"]] == [first])
        # Asked to stop the pending prompt, it stops the running one.
        comfy.post("/interrupt", json={"prompt_id": second}).raise_for_status()
        entry = poll_until(lambda: comfy.get(f"/history/{first}").json(), bool)[-1][first]
        assert entry["status"]["messages"][-1][0] == "execution_interrupted"
    finally:
        admin.post("/comfyui", json={"legacy_interrupt": False}).raise_for_status()
    assert admin.get("/comfyui").json() == {"legacy_interrupt": False}
    assert admin.post("/comfyui", json={"legacy_interrupt": "yes"}).status_code == 400
