"""The ComfyUI nodes the sandbox knows: /object_info, prompt validation, what a graph renders.

Validation answers like ComfyUI's: an `error` object plus `node_errors` keyed by node id,
each naming the input (`extra_info.input_name`). Only the node classes below exist.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

CHECKPOINTS = ["sd_xl_base_1.0.safetensors", "juggernautXL_v9.safetensors",
               "flux1-schnell-fp8.safetensors"]
UNETS = ["wan2.1_i2v_480p_14B_fp16.safetensors", "wan2.1_i2v_720p_14B_fp16.safetensors",
         "qwen_image_fp8_e4m3fn.safetensors", "qwen_image_edit_fp8_e4m3fn.safetensors"]
TEXT_ENCODERS = ["umt5_xxl_fp8_e4m3fn_scaled.safetensors", "qwen_2.5_vl_7b_fp8_scaled.safetensors"]
VAES = ["wan_2.1_vae.safetensors", "sdxl_vae.safetensors", "qwen_image_vae.safetensors"]
LORAS = ["Qwen-Image-Lightning-4steps-V1.0.safetensors",
         "Qwen-Image-Lightning-8steps-V1.1.safetensors",
         "Qwen-Image-Edit-Lightning-4steps-V1.0-bf16.safetensors"]
UPSCALE_METHODS = ["nearest-exact", "bilinear", "area", "bicubic", "lanczos"]
SAMPLERS = ["euler", "euler_ancestral", "dpmpp_2m", "dpmpp_2m_sde", "dpmpp_3m_sde", "uni_pc",
            "res_multistep"]
SCHEDULERS = ["normal", "karras", "exponential", "sgm_uniform", "simple", "beta"]
SAMPLER_NODES = {"KSampler": "seed", "KSamplerAdvanced": "noise_seed"}
SEED_MAX = 0xFFFFFFFFFFFFFFFF
UPLOADED_INPUTS = ("LoadImage", "LoadImageMask")  # their `image` is an uploaded file


def _int(default: int, low: int, high: int, step: int = 1) -> list[Any]:
    return ["INT", {"default": default, "min": low, "max": high, "step": step}]


def _float(default: float, low: float, high: float, step: float = 0.01) -> list[Any]:
    return ["FLOAT", {"default": default, "min": low, "max": high, "step": step}]


def _combo(choices: list[str]) -> list[Any]:
    return [choices, {}]


_TEXT = ["STRING", {"multiline": True}]
_PREFIX = ["STRING", {"default": "ComfyUI"}]
_SIZE = _int(1024, 16, 16384, 8)


@dataclass(frozen=True)
class NodeDef:
    required: dict[str, list[Any]]
    outputs: tuple[str, ...] = ()
    category: str = "sandbox"
    output_node: bool = False
    optional: dict[str, list[Any]] = field(default_factory=dict)


NODES: dict[str, NodeDef] = {
    "CheckpointLoaderSimple": NodeDef({"ckpt_name": _combo(CHECKPOINTS)},
                                      ("MODEL", "CLIP", "VAE"), "loaders"),
    "UNETLoader": NodeDef({"unet_name": _combo(UNETS),
                           "weight_dtype": _combo(["default", "fp8_e4m3fn"])},
                          ("MODEL",), "advanced/loaders"),
    "CLIPLoader": NodeDef({"clip_name": _combo(TEXT_ENCODERS),
                           "type": _combo(["stable_diffusion", "wan", "sd3", "qwen_image"])},
                          ("CLIP",), "advanced/loaders",
                          optional={"device": _combo(["default", "cpu"])}),
    "VAELoader": NodeDef({"vae_name": _combo(VAES)}, ("VAE",), "loaders"),
    "LoraLoaderModelOnly": NodeDef({"model": ["MODEL"], "lora_name": _combo(LORAS),
                                    "strength_model": _float(1.0, -100.0, 100.0)},
                                   ("MODEL",), "loaders"),
    "ModelSamplingAuraFlow": NodeDef({"model": ["MODEL"], "shift": _float(1.73, 0.0, 100.0)},
                                     ("MODEL",), "advanced/model"),
    "CFGNorm": NodeDef({"model": ["MODEL"], "strength": _float(1.0, 0.0, 100.0)},
                       ("MODEL",), "advanced/guidance"),
    "TextEncodeQwenImageEdit": NodeDef({"clip": ["CLIP"], "prompt": _TEXT}, ("CONDITIONING",),
                                       "advanced/conditioning",
                                       optional={"vae": ["VAE"], "image": ["IMAGE"]}),
    "ImageScaleToTotalPixels": NodeDef({"image": ["IMAGE"],
                                        "upscale_method": _combo(UPSCALE_METHODS),
                                        "megapixels": _float(1.0, 0.01, 16.0)},
                                       ("IMAGE",), "image/upscaling"),
    "CLIPVisionLoader": NodeDef({"clip_name": _combo(["clip_vision_h.safetensors"])},
                                ("CLIP_VISION",), "loaders"),
    "CLIPVisionEncode": NodeDef({"clip_vision": ["CLIP_VISION"], "image": ["IMAGE"],
                                 "crop": _combo(["center", "none"])},
                                ("CLIP_VISION_OUTPUT",), "conditioning"),
    "CLIPTextEncode": NodeDef({"text": _TEXT, "clip": ["CLIP"]}, ("CONDITIONING",),
                              "conditioning"),
    "EmptyLatentImage": NodeDef({"width": _SIZE, "height": _SIZE,
                                 "batch_size": _int(1, 1, 4096)}, ("LATENT",), "latent"),
    "EmptySD3LatentImage": NodeDef({"width": _SIZE, "height": _SIZE,
                                    "batch_size": _int(1, 1, 4096)}, ("LATENT",), "latent"),
    "KSampler": NodeDef({"model": ["MODEL"], "seed": _int(0, 0, SEED_MAX),
                         "steps": _int(20, 1, 10000), "cfg": _float(8.0, 0.0, 100.0),
                         "sampler_name": _combo(SAMPLERS), "scheduler": _combo(SCHEDULERS),
                         "positive": ["CONDITIONING"], "negative": ["CONDITIONING"],
                         "latent_image": ["LATENT"], "denoise": _float(1.0, 0.0, 1.0)},
                        ("LATENT",), "sampling"),
    "VAEDecode": NodeDef({"samples": ["LATENT"], "vae": ["VAE"]}, ("IMAGE",), "latent"),
    "VAEEncode": NodeDef({"pixels": ["IMAGE"], "vae": ["VAE"]}, ("LATENT",), "latent"),
    "LoadImage": NodeDef({"image": _combo([])}, ("IMAGE", "MASK"), "image"),
    "LoadImageMask": NodeDef({"image": _combo([]),
                              "channel": _combo(["alpha", "red", "green", "blue"])},
                             ("MASK",), "mask"),
    "VAEEncodeForInpaint": NodeDef({"pixels": ["IMAGE"], "vae": ["VAE"], "mask": ["MASK"],
                                    "grow_mask_by": _int(6, 0, 64)},
                                   ("LATENT",), "latent/inpaint"),
    "SaveImage": NodeDef({"images": ["IMAGE"], "filename_prefix": _PREFIX}, (), "image",
                         output_node=True),
    "PreviewImage": NodeDef({"images": ["IMAGE"]}, (), "image", output_node=True),
    "WanImageToVideo": NodeDef({"positive": ["CONDITIONING"], "negative": ["CONDITIONING"],
                                "vae": ["VAE"], "width": _int(832, 16, 16384, 16),
                                "height": _int(480, 16, 16384, 16),
                                "length": _int(81, 1, 16384, 4),
                                "batch_size": _int(1, 1, 4096)},
                               ("CONDITIONING", "CONDITIONING", "LATENT"), "conditioning/video",
                               optional={"clip_vision_output": ["CLIP_VISION_OUTPUT"],
                                         "start_image": ["IMAGE"]}),
    "ModelSamplingSD3": NodeDef({"model": ["MODEL"], "shift": _float(3.0, 0.0, 100.0)},
                                ("MODEL",), "advanced/model"),
    "CreateVideo": NodeDef({"images": ["IMAGE"], "fps": _float(30.0, 1.0, 120.0)},
                           ("VIDEO",), "image/video"),
    "SaveVideo": NodeDef({"video": ["VIDEO"], "filename_prefix": _PREFIX,
                          "format": _combo(["auto", "mp4"]), "codec": _combo(["auto", "h264"])},
                         (), "image/video", output_node=True),
}


VERSION = "0.3.66"
_GB = 1024**3
SYSTEM_STATS = {
    "system": {"os": "posix", "ram_total": 64 * _GB, "ram_free": 48 * _GB,
               "comfyui_version": VERSION, "python_version": "3.12.3",
               "pytorch_version": "2.8.0+cu128", "embedded_python": False,
               "argv": ["main.py", "--listen"]},
    "devices": [{"name": "cuda:0 Sandbox GPU (emulated) : cudaMallocAsync", "type": "cuda",
                 "index": 0, "vram_total": 24 * _GB, "vram_free": 24 * _GB,
                 "torch_vram_total": 0, "torch_vram_free": 0}],
}

# Another client's prompt, queued by the foreign_prompt fault.
FOREIGN_GRAPH = {
    "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": CHECKPOINTS[0]}},
    "2": {"class_type": "CLIPTextEncode", "inputs": {"text": "someone else's prompt",
                                                     "clip": ["1", 1]}},
    "3": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64,
                                                       "batch_size": 1}},
    "4": {"class_type": "KSampler", "inputs": {
        "model": ["1", 0], "seed": 7, "steps": 4, "cfg": 7.0, "sampler_name": "euler",
        "scheduler": "normal", "positive": ["2", 0], "negative": ["2", 0],
        "latent_image": ["3", 0], "denoise": 1.0}},
    "5": {"class_type": "VAEDecode", "inputs": {"samples": ["4", 0], "vae": ["1", 2]}},
    "6": {"class_type": "SaveImage", "inputs": {"images": ["5", 0], "filename_prefix": "other"}},
}


def object_info(uploaded: list[str], class_type: str | None = None) -> dict[str, Any]:
    classes = [class_type] if class_type else list(NODES)
    out = {}
    for name in classes:
        node = NODES.get(name)
        if node is None:
            continue
        required = dict(node.required)
        if name in UPLOADED_INPUTS:
            required["image"] = [sorted(uploaded), {"image_upload": True}]
        out[name] = {
            "input": {"required": required, "optional": node.optional},
            "input_order": {"required": list(required), "optional": list(node.optional)},
            "output": list(node.outputs), "output_is_list": [False] * len(node.outputs),
            "output_name": list(node.outputs), "name": name, "display_name": name,
            "description": "", "python_module": "nodes", "category": node.category,
            "output_node": node.output_node,
        }
    return out


def is_link(value: Any) -> bool:
    return (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)
            and isinstance(value[1], int))


def _prompt_error(kind: str, message: str, details: str = "") -> dict[str, Any]:
    return {"error": {"type": kind, "message": message, "details": details, "extra_info": {}},
            "node_errors": {}}


def validate(graph: Any, uploaded: set[str]) -> tuple[list[str], dict[str, Any] | None]:
    """(output node ids, None) for a runnable graph, else ([], ComfyUI's 400 body)."""
    if not isinstance(graph, dict):
        return [], _prompt_error("invalid_prompt", "Cannot execute because the prompt is not "
                                                   "an object")
    for node_id, node in graph.items():
        class_type = node.get("class_type") if isinstance(node, dict) else None
        if class_type is None:
            return [], _prompt_error("invalid_prompt", "Cannot execute because a node is "
                                     "missing the class_type property.", f"Node ID '#{node_id}'")
        if class_type not in NODES:
            return [], _prompt_error("invalid_prompt", f"Cannot execute because node "
                                     f"{class_type} does not exist.", f"Node ID '#{node_id}'")
    outputs = [nid for nid, node in graph.items() if NODES[node["class_type"]].output_node]
    if not outputs:
        return [], _prompt_error("prompt_no_outputs", "Prompt has no outputs")
    node_errors = {}
    for node_id, node in graph.items():
        errors = _node_errors(graph, node, uploaded)
        if errors:
            node_errors[node_id] = {"errors": errors, "dependent_outputs": outputs,
                                    "class_type": node["class_type"]}
    if node_errors:
        body = _prompt_error("prompt_outputs_failed_validation", "Prompt outputs failed "
                                                                 "validation")
        body["node_errors"] = node_errors
        return [], body
    return outputs, None


def _error(kind: str, message: str, name: str, details: str, value: Any = None,
           config: Any = None) -> dict[str, Any]:
    return {"type": kind, "message": message, "details": details,
            "extra_info": {"input_name": name, "input_config": config, "received_value": value}}


def _node_errors(graph: Mapping[str, Any], node: Mapping[str, Any],
                 uploaded: set[str]) -> list[dict[str, Any]]:
    definition = NODES[node["class_type"]]
    inputs = node.get("inputs") if isinstance(node.get("inputs"), dict) else {}
    errors = []
    specs = {**definition.required, **definition.optional}
    for name, spec in specs.items():
        if name not in inputs:
            if name in definition.required:
                errors.append(_error("required_input_missing", "Required input is missing",
                                     name, name))
            continue
        value, kind = inputs[name], spec[0]
        if is_link(value):
            source = graph.get(value[0])
            types = NODES[source["class_type"]].outputs if isinstance(source, dict) else ()
            if value[1] >= len(types) or (isinstance(kind, str) and types[value[1]] != kind):
                got = types[value[1]] if value[1] < len(types) else "nothing"
                errors.append(_error("return_type_mismatch", "Return type mismatch between "
                                     "linked nodes", name, f"{name}, received_type({got}) "
                                     f"mismatch input_type({kind})", value))
            continue
        problem = _value_problem(node["class_type"], name, spec, value, uploaded)
        if problem:
            kind, message, details = problem
            errors.append(_error(kind, message, name, details, value, spec))
    return errors


def _value_problem(class_type: str, name: str, spec: list[Any], value: Any,
                   uploaded: set[str]) -> tuple[str, str, str] | None:
    kind = spec[0]
    options = spec[1] if len(spec) > 1 and isinstance(spec[1], dict) else {}
    if class_type in UPLOADED_INPUTS and name == "image":
        if value not in uploaded:
            return "custom_validation_failed", "Custom validation failed for node", \
                f"image - Invalid image file: {value}"
        return None
    if isinstance(kind, list):
        if value not in kind:
            return "value_not_in_list", "Value not in list", f"{name}: '{value}' not in {kind}"
        return None
    if kind in ("INT", "FLOAT"):
        number_ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not number_ok or not math.isfinite(value) or (kind == "INT" and value != int(value)):
            return "invalid_input_type", "Failed to convert an input value to a " \
                f"{kind} value", f"{name}, {value}"
        if value < options.get("min", -math.inf):
            return "value_smaller_than_min", f"Value {value} smaller than min of " \
                f"{options['min']}", f"{name}"
        if value > options.get("max", math.inf):
            return "value_bigger_than_max", f"Value {value} bigger than max of " \
                f"{options['max']}", f"{name}"
        return None
    if kind == "STRING" and not isinstance(value, str):
        return "invalid_input_type", "Failed to convert an input value to a STRING value", \
            f"{name}, {value}"
    if kind not in ("INT", "FLOAT", "STRING"):
        return "invalid_input_type", f"{name} must be linked to a {kind} output", name
    return None


# ---- what a valid graph produces ----------------------------------------------------------


@dataclass(frozen=True)
class SavedOutput:
    node_id: str
    kind: str  # image, video or preview
    prefix: str


@dataclass(frozen=True)
class RenderPlan:
    prompt: str
    seed: int
    width: int
    height: int
    batch: int
    frames: int | None  # a video's frame count, None for images
    fps: float
    steps: int
    sampler: str | None
    order: list[str]
    outputs: list[SavedOutput]
    # VAEEncodeForInpaint's (image, mask, mask channel, grow_mask_by) uploads, if any.
    inpaint: tuple[str, str, str, int] | None = None
    # The upload a WanImageToVideo starts from (its start_image's LoadImage), if any.
    start_upload: str | None = None


def plan(graph: Mapping[str, Any], outputs: list[str],
         image_size: Callable[[str], tuple[int, int] | None]) -> RenderPlan:
    nodes = {nid: (n["class_type"], n.get("inputs") or {}) for nid, n in graph.items()}
    sampler = next((nid for nid, (ct, _) in nodes.items() if ct in SAMPLER_NODES), None)
    s_inputs = nodes[sampler][1] if sampler else {}
    seed = s_inputs.get(SAMPLER_NODES.get(nodes[sampler][0], ""), 0) if sampler else 0
    width, height, batch, frames = 512, 512, 1, None
    for class_type, inputs in nodes.values():
        if class_type == "WanImageToVideo":
            width, height, frames = inputs["width"], inputs["height"], inputs["length"]
            break
        if class_type in ("EmptyLatentImage", "EmptySD3LatentImage"):
            width, height, batch = inputs["width"], inputs["height"], inputs["batch_size"]
            break
    else:
        loaded = next((image_size(i["image"]) for ct, i in nodes.values() if ct == "LoadImage"),
                      None)
        width, height = loaded or (width, height)
        scale = next((i for ct, i in nodes.values() if ct == "ImageScaleToTotalPixels"), None)
        if loaded and scale is not None:
            width, height = scaled_to_total(width, height, float(scale["megapixels"]))
    fps = next((float(i["fps"]) for ct, i in nodes.values() if ct == "CreateVideo"), 16.0)
    saved = [SavedOutput(nid, {"SaveImage": "image", "SaveVideo": "video"}.get(
        nodes[nid][0], "preview"), str(nodes[nid][1].get("filename_prefix") or "ComfyUI"))
        for nid in outputs]
    return RenderPlan(_prompt_text(nodes, s_inputs), int(seed), int(width), int(height),
                      int(batch), frames, fps, int(s_inputs.get("steps", 1)), sampler,
                      _topological(nodes), saved, _inpaint(nodes), _start_upload(nodes))


def _start_upload(nodes: Mapping[str, tuple[str, dict[str, Any]]]) -> str | None:
    for class_type, inputs in nodes.values():
        link = inputs.get("start_image") if class_type == "WanImageToVideo" else None
        if isinstance(link, list) and link and str(link[0]) in nodes:
            source = nodes[str(link[0])]
            if source[0] == "LoadImage":
                return str(source[1].get("image"))
    return None


def scaled_to_total(width: int, height: int, megapixels: float) -> tuple[int, int]:
    """ImageScaleToTotalPixels: the same aspect ratio at megapixels * 1024 * 1024 pixels."""
    scale = math.sqrt(megapixels * 1024 * 1024 / max(1, width * height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _inpaint(nodes: Mapping[str, tuple[str, dict[str, Any]]]
             ) -> tuple[str, str, str, int] | None:
    """The uploads an inpaint encode reads: LoadImage -> pixels, LoadImageMask -> mask."""
    for class_type, inputs in nodes.values():
        if class_type != "VAEEncodeForInpaint":
            continue
        pixels, mask = inputs.get("pixels"), inputs.get("mask")
        if not (is_link(pixels) and is_link(mask)):
            return None
        assert pixels is not None and mask is not None  # is_link checked both
        image_node, mask_node = nodes.get(pixels[0]), nodes.get(mask[0])
        if not image_node or not mask_node or image_node[0] != "LoadImage":
            return None
        if mask_node[0] == "LoadImageMask":
            channel = str(mask_node[1].get("channel", "alpha"))
        elif mask_node[0] == "LoadImage" and mask[0] == pixels[0]:
            channel = "alpha"  # LoadImage's own MASK output: 1 - alpha
        else:
            return None
        return (image_node[1]["image"], mask_node[1]["image"], channel,
                int(inputs.get("grow_mask_by", 6)))
    return None


def _prompt_text(nodes: Mapping[str, tuple[str, dict[str, Any]]],
                 sampler_inputs: Mapping[str, Any]) -> str:
    link = sampler_inputs.get("positive")
    for _ in range(6):
        if not is_link(link) or link[0] not in nodes:
            break
        inputs = nodes[link[0]][1]
        for key in ("text", "prompt"):  # CLIPTextEncode, TextEncodeQwenImageEdit
            if isinstance(inputs.get(key), str):
                return str(inputs[key])
        link = inputs.get("positive") or inputs.get("conditioning")
    return next((i["text"] for ct, i in nodes.values() if ct == "CLIPTextEncode"), "")


def _topological(nodes: Mapping[str, tuple[str, dict[str, Any]]]) -> list[str]:
    deps = {nid: {v[0] for v in inputs.values() if is_link(v)} for nid, (_, inputs) in
            nodes.items()}
    order: list[str] = []
    ready = sorted((n for n, d in deps.items() if not d), key=lambda n: (len(n), n))
    while ready:
        current = ready.pop(0)
        order.append(current)
        for nid, d in deps.items():
            if current in d:
                d.discard(current)
                if not d and nid not in order and nid not in ready:
                    ready.append(nid)
    return order + [n for n in nodes if n not in order]  # cycles: appended as they come
