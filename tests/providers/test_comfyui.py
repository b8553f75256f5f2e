"""ComfyUI adapter: the requests it builds, how it reads the server's answers, and whole
Studio jobs over real HTTP and a real websocket against the sandbox."""

import asyncio
import io
import json
import socket

import av
import httpx
import pytest
from PIL import Image

from studio.core.config import set_value
from studio.core.jobs import JobStatus
from studio.core.secrets import SANDBOX_KEY
from studio.core.service import Studio
from studio.providers import registry
from studio.providers.base import InputImage, ProviderContext, RenderRequest
from studio.providers.comfy_answers import describe_rejection, describe_system
from studio.providers.comfyui import ComfyUIProvider, upload_name
from studio.sandbox.recorder import fingerprint
from tests.conftest import sandbox_requests, set_faults

comfy = ComfyUIProvider()
CTX = ProviderContext(base_url="http://127.0.0.1:8188", key=None)
SANDBOX_AUTH = f"Bearer <redacted sha256:{fingerprint(SANDBOX_KEY)}>"


def png_bytes(size=(96, 64)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 90, 200)).save(out, "PNG")
    return out.getvalue()


PNG = InputImage("start.png", "image/png", png_bytes(), "cd" * 32)


def build(model, prompt="a lighthouse", images=(), ctx=CTX, **kw):
    params = kw.pop("params", {})
    request = RenderRequest(provider="comfyui", model=model, prompt=prompt, params=params, **kw)
    return comfy.build(request, comfy.models[model].params.model_validate(params), images, ctx)


def test_txt2img_request_is_one_post_of_the_filled_graph():
    call = build("sdxl-txt2img", seed=7, negative_prompt="fog", params={"steps": 12})
    assert (call.method, call.url) == ("POST", "http://127.0.0.1:8188/prompt")
    assert call.headers == {"Content-Type": "application/json"}  # no token, no header
    graph = comfy.templates["sdxl-txt2img"].apply(
        {**comfy.models["sdxl-txt2img"].params().model_dump(), "steps": 12},
        prompt="a lighthouse", negative="fog", seed=7, images=[])
    assert call.json_body == {"prompt": graph, "client_id": comfy.client_id,
                              "extra_data": {"provider_studio": {"workflow": "sdxl-txt2img",
                                                                 "seed": 7}}}
    assert call.files == ()


def test_token_goes_in_a_bearer_header_and_is_masked_in_records():
    call = build("sdxl-txt2img", ctx=ProviderContext(base_url=CTX.base_url, key="tok-123"))
    assert call.headers["Authorization"] == "Bearer tok-123"
    assert "tok-123" not in json.dumps(call.record())
    assert comfy.download_headers(ProviderContext(CTX.base_url, "tok-123")) == {
        "Authorization": "Bearer tok-123"}


def test_input_image_travels_with_the_call_under_a_content_addressed_name():
    call = build("sdxl-img2img", images=[PNG], seed=1)
    name = upload_name(PNG)
    assert name == "studio-cdcdcdcdcdcdcdcd.png"
    assert call.json_body["prompt"]["10"]["inputs"]["image"] == name
    assert [(f.field, f.filename, f.data) for f in call.files] == [("image", name, PNG.data)]
    assert call.record()["files"] == [{"field": "image", "filename": name,
                                       "media_type": "image/png", "bytes": len(PNG.data)}]


def test_a_random_seed_is_chosen_when_none_is_given():
    seeds = {build("sdxl-txt2img").json_body["extra_data"]["provider_studio"]["seed"]
             for _ in range(5)}
    assert len(seeds) > 1


def test_node_errors_name_the_node_and_the_input():
    body = {"error": {"type": "prompt_outputs_failed_validation",
                      "message": "Prompt outputs failed validation", "details": "",
                      "extra_info": {}},
            "node_errors": {"4": {"class_type": "CheckpointLoaderSimple",
                                  "dependent_outputs": ["9"],
                                  "errors": [{"type": "value_not_in_list",
                                              "message": "Value not in list",
                                              "details": "ckpt_name: 'x' not in ['a']",
                                              "extra_info": {"input_name": "ckpt_name"}}]}}}
    assert describe_rejection(body) == (
        "Prompt outputs failed validation; node 4 (CheckpointLoaderSimple) input ckpt_name: "
        "Value not in list: ckpt_name: 'x' not in ['a']")
    assert describe_rejection({"error": "no prompt", "node_errors": []}) == "no prompt"


def test_system_stats_become_a_one_line_description():
    stats = {"system": {"comfyui_version": "0.3.66"}, "devices": [
        {"name": "cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync", "vram_total": 25757220864}]}
    assert describe_system(stats) == "ComfyUI 0.3.66, NVIDIA GeForce RTX 4090 24 GB"
    assert describe_system({"system": {}, "devices": []}) == (
        "ComfyUI (version unknown), no GPU reported")


# ---- whole jobs against the sandbox -------------------------------------------------------


def png_file(tmp_path, size=(96, 64)):
    path = tmp_path / "start.png"
    path.write_bytes(png_bytes(size))
    return path


async def live(home, sandbox) -> Studio:
    studio = Studio(home, sandbox_url=sandbox.url)
    assert await studio.catalog.refresh() == {}
    return studio


async def wait_for(studio, job_id, check, timeout=8.0):
    for _ in range(int(timeout / 0.02)):
        job = studio.store.get_job(job_id)
        if check(job):
            return job
        await asyncio.sleep(0.02)
    raise AssertionError(f"not reached; job is {job.status} {job.message!r}")


def comfy_requests(sandbox, method=None, route=None):
    return [r for r in sandbox_requests(sandbox, "comfyui")
            if (method is None or r["method"] == method)
            and (route is None or r["route"].startswith(route))]


async def test_self_hosted_server_is_live_when_it_answers(home, sandbox):
    studio = Studio(home, sandbox_url=sandbox.url)
    try:
        entry = studio.catalog.entry("comfyui")  # nobody has asked the server yet
        assert (entry.status, entry.server) == ("dry-run", "unchecked")
        assert "not checked yet" in entry.reason
        await studio.catalog.refresh()
        entry = studio.catalog.entry("comfyui")
        assert (entry.status, entry.server) == ("live", "answers")
        assert entry.reason.endswith("(the server answers)")
        assert entry.outside_status == "live"
        assert studio.catalog.health_detail("comfyui") == (
            "ComfyUI 0.3.66, Sandbox GPU (emulated) 24 GB")
        choices = await comfy.input_choices(await studio.http(), studio.context("comfyui"),
                                            "sdxl-txt2img")
        assert "sd_xl_base_1.0.safetensors" in choices
    finally:
        await studio.aclose()


async def test_a_server_that_does_not_answer_makes_it_dry_run(home, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again below: nothing listens there
    studio = Studio(home, env={})
    try:
        url = f"http://127.0.0.1:{port}"
        studio.update_settings(set_value(studio.settings, "base_urls.comfyui", url))
        errors = await studio.catalog.refresh_health()
        assert "could not connect" in errors["comfyui"]
        entry = studio.catalog.entry("comfyui")
        assert entry.status == "dry-run" and "does not answer" in entry.reason
        job = await studio.submit(RenderRequest(provider="comfyui", model="sdxl-txt2img",
                                                prompt="x"))
        assert job.status is JobStatus.DRY_RUN
        assert job.prepared["url"] == f"{url}/prompt"
    finally:
        await studio.aclose()


async def test_text_to_image_job_end_to_end(home, sandbox):
    studio = await live(home, sandbox)
    client_id = studio.providers["comfyui"].client_id  # this Studio's own instance
    try:
        request = RenderRequest(provider="comfyui", model="sdxl-txt2img", prompt="a red fox",
                                seed=11, params={"width": 320, "height": 256})
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        assert job.seed == 11
        [asset] = studio.store.assets_for_job(job.id)
        with Image.open(asset.path) as image:
            image.load()
            assert (image.format, image.size) == ("PNG", (320, 256))
    finally:
        await studio.aclose()
    [ws] = comfy_requests(sandbox, route="/ws")
    assert client_id != registry()["comfyui"].client_id  # no instance is shared
    assert ws["query"] == {"clientId": client_id}
    assert ws["headers"]["authorization"] == SANDBOX_AUTH and ws["status"] == 101
    [post] = comfy_requests(sandbox, "POST", "/prompt")
    assert post["body"]["client_id"] == client_id
    assert post["body"]["prompt"]["6"]["inputs"]["text"] == "a red fox"
    assert post["body"]["prompt"]["3"]["inputs"]["seed"] == 11
    history = comfy_requests(sandbox, "GET", f"/history/{job.remote_id}")
    assert 1 <= len(history) <= 2  # progress came from the socket, the result from history
    [view] = comfy_requests(sandbox, "GET", "/view")
    assert view["query"]["type"] == "output" and view["headers"]["authorization"] == SANDBOX_AUTH


async def test_image_to_image_uploads_the_input_then_points_the_graph_at_it(
        home, sandbox, tmp_path):
    studio = await live(home, sandbox)
    try:
        request = RenderRequest(provider="comfyui", model="sdxl-img2img", prompt="as a mosaic",
                                input_images=[str(png_file(tmp_path, (128, 96)))])
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        [asset] = studio.store.assets_for_job(job.id)
        assert (asset.width, asset.height) == (128, 96)  # img2img keeps the input's size
    finally:
        await studio.aclose()
    upload, post = comfy_requests(sandbox, "POST")[:2]
    assert upload["route"] == "/upload/image"
    [part] = upload["body"]["files"]
    assert upload["body"]["fields"] == {"type": "input", "overwrite": "true"}
    assert part["filename"].startswith("studio-") and part["content_type"] == "image/png"
    assert post["route"] == "/prompt"
    assert post["body"]["prompt"]["10"]["inputs"]["image"] == part["filename"]


async def test_image_to_video_job_saves_a_real_mp4(home, sandbox, tmp_path):
    studio = await live(home, sandbox)
    try:
        request = RenderRequest(provider="comfyui", model="wan21-img2video", prompt="waves roll",
                                input_images=[str(png_file(tmp_path))],
                                params={"width": 320, "height": 256, "length": 17, "fps": 8})
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        [asset] = studio.store.assets_for_job(job.id)
        with av.open(asset.path) as container:
            frames = list(container.decode(video=0))
        assert (frames[0].width, frames[0].height, len(frames)) == (320, 256, 17)
    finally:
        await studio.aclose()


async def test_dropped_websocket_falls_back_to_history(home, sandbox):
    set_faults(sandbox, run_seconds=1.2, ws_drop={"provider": "comfyui", "after": 1})
    studio = await live(home, sandbox)
    try:
        request = RenderRequest(provider="comfyui", model="sdxl-txt2img", prompt="storm",
                                params={"width": 256, "height": 256})
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        assert len(studio.store.assets_for_job(job.id)) == 1
    finally:
        await studio.aclose()
    assert len(comfy_requests(sandbox, route="/ws")) == 1  # no reconnect within the cooldown
    history = comfy_requests(sandbox, "GET", f"/history/{job.remote_id}")
    assert len(history) >= 3  # polled while the socket was down, then the result


@pytest.mark.parametrize("legacy", [False, True])
async def test_cancel_deletes_our_queued_prompt_and_never_interrupts_another(home, sandbox,
                                                                            legacy):
    """An older server's /interrupt would stop the other client's prompt whatever the body
    says: cancel reads /queue first and only deletes ours from it."""
    set_faults(sandbox, foreign_prompt={"provider": "comfyui", "seconds": 1.0})
    httpx.post(f"{sandbox.url}/_sandbox/comfyui", json={"legacy_interrupt": legacy})
    studio = await live(home, sandbox)
    try:
        request = RenderRequest(provider="comfyui", model="sdxl-txt2img", prompt="mine",
                                params={"width": 256, "height": 256})
        job = await studio.submit(request)
        seen = await wait_for(studio, job.id, lambda j: j.queue_position == 1)
        assert seen.message == "1 prompt(s) ahead on the server"
        foreign = httpx.get(f"{sandbox.url}/comfyui/queue").json()["queue_running"][0][1]
        job = await studio.cancel(job.id)
        assert job.status is JobStatus.CANCELLED
    finally:
        await studio.aclose()
        httpx.post(f"{sandbox.url}/_sandbox/comfyui", json={"legacy_interrupt": False})
    assert [r["body"] for r in comfy_requests(sandbox, "POST", "/queue")] == [
        {"delete": [job.remote_id]}]
    assert comfy_requests(sandbox, "POST", "/interrupt") == []
    assert [r["path"] for r in comfy_requests(sandbox, "GET", "/queue")][-1:] == [
        "/comfyui/queue"]  # looked before acting
    for _ in range(150):
        entry = httpx.get(f"{sandbox.url}/comfyui/history/{foreign}").json().get(foreign)
        if entry:
            break
        await asyncio.sleep(0.02)
    assert entry["status"]["status_str"] == "success"  # the other client's prompt finished
    assert httpx.get(f"{sandbox.url}/comfyui/history/{job.remote_id}").json() == {}


async def test_cancel_interrupts_our_running_prompt(home, sandbox):
    set_faults(sandbox, run_seconds=3)
    studio = await live(home, sandbox)
    try:
        request = RenderRequest(provider="comfyui", model="sdxl-txt2img", prompt="mine",
                                params={"width": 256, "height": 256})
        job = await studio.submit(request)
        await wait_for(studio, job.id, lambda j: (j.progress or 0) > 0)
        job = await studio.cancel(job.id)
        assert job.status is JobStatus.CANCELLED
    finally:
        await studio.aclose()
    assert [r["body"] for r in comfy_requests(sandbox, "POST", "/interrupt")] == [
        {"prompt_id": job.remote_id}]
    for _ in range(100):
        entry = httpx.get(f"{sandbox.url}/comfyui/history/{job.remote_id}").json()
        if entry:
            break
        await asyncio.sleep(0.02)
    events = [m[0] for m in entry[job.remote_id]["status"]["messages"]]
    assert events[-1] == "execution_interrupted"


async def test_node_errors_fail_the_job_naming_node_and_input(home, sandbox):
    studio = await live(home, sandbox)
    try:
        request = RenderRequest(provider="comfyui", model="sdxl-txt2img", prompt="x",
                                params={"checkpoint": "missing.safetensors"})
        job = await studio.wait((await studio.submit(request)).id)
    finally:
        await studio.aclose()
    assert job.status is JobStatus.FAILED and job.error_code == "invalid_prompt"
    assert "node 4 (CheckpointLoaderSimple) input ckpt_name: Value not in list" in job.error
    assert "'missing.safetensors' not in" in job.error
    assert len(comfy_requests(sandbox, "POST", "/prompt")) == 1  # a 400 is not retried


async def test_an_execution_error_names_the_failing_node(home, sandbox):
    set_faults(sandbox, fail_next={"provider": "comfyui", "message": "CUDA out of memory"})
    studio = await live(home, sandbox)
    try:
        request = RenderRequest(provider="comfyui", model="sdxl-txt2img", prompt="x",
                                params={"width": 256, "height": 256})
        job = await studio.wait((await studio.submit(request)).id)
    finally:
        await studio.aclose()
    assert job.status is JobStatus.FAILED
    assert job.error == ("ComfyUI: node 3 (KSampler) failed: torch.OutOfMemoryError: CUDA out "
                         "of memory")


async def test_imported_workflow_runs_as_a_model(home, sandbox):
    graph = dict(comfy.templates["flux-schnell-txt2img"].graph)
    provider = ComfyUIProvider(templates=[])
    model = provider.import_workflow(json.dumps(graph), name="My Flux")
    assert model.id == "imported/my-flux" and model.metadata == {"workflow": "imported"}
    studio = Studio(home, sandbox_url=sandbox.url, providers={"comfyui": provider})
    try:
        request = RenderRequest(provider="comfyui", model=model.id, prompt="a heron",
                                params={"width": 256, "height": 128})
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        [asset] = studio.store.assets_for_job(job.id)
        assert (asset.width, asset.height) == (256, 128)
    finally:
        await studio.aclose()
