"""Qwen-Image workflows (text-to-image and image edit): the graph each request sends, and
whole jobs over real HTTP against the sandbox's ComfyUI and its RunPod ComfyUI worker."""

import io

from PIL import Image

from studio.core.config import set_value
from studio.core.jobs import JobStatus
from studio.core.service import Studio
from studio.providers.base import InputImage, ProviderContext, RenderRequest
from studio.providers.comfyui import ComfyUIProvider, upload_name
from studio.providers.runpod import RunPodProvider
from studio.sandbox.comfyui_nodes import scaled_to_total
from tests.conftest import sandbox_requests, set_faults

comfy = ComfyUIProvider()
CTX = ProviderContext(base_url="http://127.0.0.1:8188", key=None)
T2I, EDIT = "qwen-image-txt2img", "qwen-image-edit"


def png_bytes(size=(96, 64)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 90, 200)).save(out, "PNG")
    return out.getvalue()


def build(model, prompt="a neon sign that reads OPEN", images=(), **kw):
    params = kw.pop("params", {})
    request = RenderRequest(provider="comfyui", model=model, prompt=prompt, params=params, **kw)
    return comfy.build(request, comfy.models[model].params.model_validate(params), images, CTX)


def classes(graph):
    return sorted(node["class_type"] for node in graph.values())


def test_text_to_image_graph_is_comfyuis_qwen_image_graph_with_the_inputs_filled():
    call = build(T2I, seed=9, negative_prompt="blurry",
                 params={"width": 1664, "height": 928, "steps": 30})
    graph = call.json_body["prompt"]
    assert classes(graph) == sorted([
        "KSampler", "CLIPTextEncode", "CLIPTextEncode", "VAEDecode", "UNETLoader",
        "CLIPLoader", "VAELoader", "EmptySD3LatentImage", "SaveImage",
        "ModelSamplingAuraFlow", "LoraLoaderModelOnly"])
    assert graph["37"]["inputs"] == {"unet_name": "qwen_image_fp8_e4m3fn.safetensors",
                                     "weight_dtype": "default"}
    assert graph["38"]["inputs"] == {"clip_name": "qwen_2.5_vl_7b_fp8_scaled.safetensors",
                                     "type": "qwen_image", "device": "default"}
    assert graph["39"]["inputs"] == {"vae_name": "qwen_image_vae.safetensors"}
    assert graph["6"]["inputs"]["text"] == "a neon sign that reads OPEN"
    assert graph["7"]["inputs"]["text"] == "blurry"
    assert graph["58"]["inputs"] == {"width": 1664, "height": 928, "batch_size": 1}
    sampler = graph["3"]["inputs"]
    assert (sampler["seed"], sampler["steps"], sampler["cfg"]) == (9, 30, 2.5)
    assert sampler["model"] == ["66", 0] and graph["66"]["inputs"]["model"] == ["73", 0]
    assert graph["73"]["inputs"]["strength_model"] == 0.0  # Lightning off by default
    assert call.json_body["extra_data"]["provider_studio"] == {"workflow": T2I, "seed": 9}


def test_edit_graph_conditions_the_instruction_on_the_uploaded_image():
    image = InputImage("room.png", "image/png", png_bytes(), "ab" * 32)
    call = build(EDIT, prompt="paint the walls green", images=[image], seed=4,
                 params={"megapixels": 0.5, "lightning_lora": 1.0, "steps": 4, "cfg": 1.0})
    graph = call.json_body["prompt"]
    name = upload_name(image)
    assert graph["78"] == {"class_type": "LoadImage", "inputs": {"image": name}}
    assert graph["76"]["class_type"] == "TextEncodeQwenImageEdit"
    assert graph["76"]["inputs"] == {"prompt": "paint the walls green", "clip": ["38", 0],
                                     "vae": ["39", 0], "image": ["93", 0]}
    assert graph["77"]["inputs"]["prompt"] == ""  # no negative given: the template's own
    assert graph["93"]["inputs"]["megapixels"] == 0.5
    assert graph["88"]["inputs"] == {"pixels": ["93", 0], "vae": ["39", 0]}
    assert graph["89"]["inputs"]["strength_model"] == 1.0
    assert graph["37"]["inputs"]["unet_name"] == "qwen_image_edit_fp8_e4m3fn.safetensors"
    assert [(f.field, f.filename) for f in call.files] == [("image", name)]


def test_both_are_registered_for_comfyui_servers_and_runpod_workers():
    runpod = RunPodProvider()
    assert {T2I, EDIT} <= set(comfy.models)
    assert {f"comfyui/{T2I}", f"comfyui/{EDIT}"} <= set(runpod.models)
    fields = set(comfy.models[T2I].params.model_fields)
    assert {"steps", "width", "height", "cfg", "lightning_lora"} <= fields
    caps = comfy.models[T2I].capabilities
    assert caps.seed and caps.negative_prompt and not caps.requires_image
    assert comfy.models[EDIT].capabilities.requires_image


async def test_qwen_image_text_to_image_renders_on_the_sandbox_comfyui(home, sandbox):
    set_faults(sandbox, run_seconds=0.3)
    studio = Studio(home, sandbox_url=sandbox.url)
    try:
        assert await studio.catalog.refresh() == {}
        request = RenderRequest(provider="comfyui", model=T2I, prompt="a menu board",
                                negative_prompt="text errors", seed=21,
                                params={"width": 480, "height": 320, "steps": 4})
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        [asset] = studio.store.assets_for_job(job.id)
        with Image.open(asset.path) as image:
            image.load()
            assert (image.format, image.size) == ("PNG", (480, 320))
    finally:
        await studio.aclose()
    [post] = [r for r in sandbox_requests(sandbox, "comfyui")
              if r["method"] == "POST" and r["route"] == "/prompt"]
    assert post["body"]["prompt"]["38"]["inputs"]["type"] == "qwen_image"
    assert post["body"]["prompt"]["3"]["inputs"]["steps"] == 4


async def test_qwen_image_edit_renders_at_the_scaled_input_size(home, sandbox, tmp_path):
    set_faults(sandbox, run_seconds=0.3)
    source = tmp_path / "room.png"
    source.write_bytes(png_bytes((300, 200)))
    studio = Studio(home, sandbox_url=sandbox.url)
    try:
        assert await studio.catalog.refresh() == {}
        request = RenderRequest(provider="comfyui", model=EDIT, mode="img2img",
                                prompt="make it night", input_images=[str(source)],
                                params={"megapixels": 0.25})
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        [asset] = studio.store.assets_for_job(job.id)
        with Image.open(asset.path) as image:
            image.load()
            assert image.size == scaled_to_total(300, 200, 0.25) == (627, 418)
    finally:
        await studio.aclose()


async def test_qwen_image_runs_on_a_runpod_comfyui_worker(home, sandbox):
    set_faults(sandbox, run_seconds=0.3)
    studio = Studio(home, sandbox_url=sandbox.url)
    studio.update_settings(set_value(studio.settings,
                                     "features.enable_public_image_providers", "true"))
    try:
        request = RenderRequest(provider="runpod", model=f"comfyui/{T2I}", prompt="a poster",
                                seed=3, params={"endpoint_id": "ep-q", "width": 256,
                                                "height": 384})
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        [asset] = studio.store.assets_for_job(job.id)
        with Image.open(asset.path) as image:
            assert image.size == (256, 384)
    finally:
        await studio.aclose()
    post = next(r for r in sandbox_requests(sandbox, "runpod") if r["method"] == "POST")
    assert post["body"]["input"]["workflow"]["37"]["inputs"]["unet_name"] == (
        "qwen_image_fp8_e4m3fn.safetensors")
