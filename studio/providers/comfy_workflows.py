"""ComfyUI API-format workflows as templates: shape checks, parameter declarations, forms.

A workflow is data, never code: a JSON object of node id -> {class_type, inputs}, where
each input is a scalar or a link [node_id, output_index]. A template adds which node
inputs are its parameters, so a pydantic params model (the form) can be built from it:

    {"format": "provider-studio.comfyui-template/1", "id": ..., "name": ..., "modes": [...],
     "params": {"steps": {"type": "int", "targets": [["3", "steps"]], "ge": 1, "le": 150},
                "prompt": {"targets": [["6", "text"]]}, ...},
     "workflow": {...API-format graph...}}

The names prompt, negative, seed, image and mask (or "role": one of those) bind to the
request's prompt, negative prompt, seed, input images and mask (a LoadImageMask input);
every other parameter becomes a form field.
A plain API-format graph without a declaration gets its parameters inferred.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, create_model

from studio.providers.base import Capabilities, Mode, ParamsBase
from studio.resources import ROOT as RESOURCES

FORMAT = "provider-studio.comfyui-template/1"
BUNDLED_DIR = RESOURCES / "workflows"
MAX_WORKFLOW_BYTES = 2_000_000
MAX_NODES = 2_000
MAX_DEPTH = 8  # JSON nesting of a whole template document
MAX_TEXT = 100_000
ROLES = ("prompt", "negative", "seed", "image", "mask")
_TYPES: dict[str, tuple[type, ...]] = {"int": (int,), "float": (int, float), "str": (str,),
                                       "bool": (bool,)}
_ROLE_TYPES = {"prompt": "str", "negative": "str", "seed": "int", "image": "str",
               "mask": "str"}
_SPEC_KEYS = {"targets", "role", "type", "default", "ge", "le", "multiple_of", "choices",
              "description"}
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_RESERVED = {"endpoint_id", "input"}
VIDEO_OUTPUTS = {"SaveVideo", "SaveWEBM", "SaveAnimatedWEBP", "SaveAnimatedPNG",
                 "VHS_VideoCombine"}


class WorkflowError(ValueError):
    """A workflow or template that cannot be used, with what to fix."""


# ---- shape ----------------------------------------------------------------------------


def parse_document(text: str | bytes) -> Any:
    """JSON text to data, refusing oversized or deeply nested documents."""
    size = len(text.encode() if isinstance(text, str) else text)
    if size > MAX_WORKFLOW_BYTES:
        raise WorkflowError(f"the workflow is {size / 1e6:.1f} MB; the limit is "
                            f"{MAX_WORKFLOW_BYTES / 1e6:.0f} MB")
    try:
        data = json.loads(text)
    except RecursionError:
        raise WorkflowError(f"the JSON is nested deeper than {MAX_DEPTH} levels") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise WorkflowError(f"the workflow is not valid JSON ({exc})") from None
    _check_depth(data)
    return data


def _check_depth(data: Any) -> None:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise WorkflowError(f"the JSON is nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def is_link(value: Any) -> bool:
    return (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)
            and isinstance(value[1], int) and not isinstance(value[1], bool))


def _is_scalar(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, str | int | bool)


def check_graph(graph: Any) -> dict[str, dict[str, Any]]:
    """The graph itself if it has the API-format shape; WorkflowError naming what is wrong."""
    if isinstance(graph, dict) and isinstance(graph.get("nodes"), list) and "links" in graph:
        raise WorkflowError("this is a UI-format workflow; in ComfyUI use Workflow > Export "
                            "(API) and import that file")
    if not isinstance(graph, dict) or not graph:
        raise WorkflowError("an API-format workflow is a JSON object of node id -> "
                            "{class_type, inputs}")
    if len(graph) > MAX_NODES:
        raise WorkflowError(f"the workflow has {len(graph)} nodes; the limit is {MAX_NODES}")
    for node_id, node in graph.items():
        where = f"node {node_id!r}"
        if not node_id or len(node_id) > 64:
            raise WorkflowError(f"{where}: node ids are 1-64 characters")
        if not isinstance(node, dict):
            raise WorkflowError(f"{where}: must be an object with class_type and inputs")
        extra = set(node) - {"class_type", "inputs", "_meta", "is_changed"}
        if extra:
            raise WorkflowError(f"{where}: unexpected keys {sorted(extra)}")
        class_type = node.get("class_type")
        if not isinstance(class_type, str) or not class_type or len(class_type) > 200:
            raise WorkflowError(f"{where}: class_type must be a node class name")
        inputs = node.get("inputs", {})
        if not isinstance(inputs, dict):
            raise WorkflowError(f"{where} ({class_type}): inputs must be an object")
        for name, value in inputs.items():
            _check_input(graph, f"{where} ({class_type}) input {name!r}", value)
        meta = node.get("_meta", {})
        if not isinstance(meta, dict) or not all(_is_scalar(v) for v in meta.values()):
            raise WorkflowError(f"{where}: _meta must be an object of plain values")
    return graph


def _check_input(graph: Mapping[str, Any], where: str, value: Any) -> None:
    if is_link(value):
        if value[0] not in graph or value[1] < 0:
            raise WorkflowError(f"{where}: links to missing node {value[0]!r}")
        return
    if not _is_scalar(value):
        raise WorkflowError(f"{where}: must be a number, text, true/false or a link "
                            "[node_id, output_index]")
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise WorkflowError(f"{where}: text longer than {MAX_TEXT} characters")


# ---- parameters -----------------------------------------------------------------------


@dataclass(frozen=True)
class ParamSpec:
    """One declared parameter: which node inputs it sets, its type, bounds and default."""

    name: str
    targets: tuple[tuple[str, str], ...]
    role: str | None = None  # prompt, negative, seed, image; None for a form field
    type: str = "str"
    default: Any = None
    ge: float | None = None
    le: float | None = None
    multiple_of: int | None = None
    choices: tuple[Any, ...] = ()
    description: str = ""


def _spec(graph: Mapping[str, Any], name: str, raw: Any) -> ParamSpec:
    where = f"parameter {name!r}"
    if (not isinstance(name, str) or not _NAME.match(name) or name in _RESERVED
            or name.startswith("model_") or hasattr(ParamsBase, name)):
        raise WorkflowError(f"{where}: names are lower-case identifiers, not {sorted(_RESERVED)}"
                            " or a pydantic attribute")
    if not isinstance(raw, dict) or set(raw) - _SPEC_KEYS:
        raise WorkflowError(f"{where}: an object with keys from {sorted(_SPEC_KEYS)}")
    role = raw.get("role", name if name in ROLES else None)
    if role is not None and role not in ROLES:
        raise WorkflowError(f"{where}: role must be one of {ROLES}")
    kind = _ROLE_TYPES[role] if role else raw.get("type", "str")
    if kind not in _TYPES:
        raise WorkflowError(f"{where}: type must be one of {sorted(_TYPES)}")
    targets = raw.get("targets")
    if not isinstance(targets, list) or not targets:
        raise WorkflowError(f"{where}: targets is a list of [node_id, input_name]")
    pairs = []
    for target in targets:
        if not (isinstance(target, list) and len(target) == 2
                and all(isinstance(t, str) for t in target)):
            raise WorkflowError(f"{where}: each target is [node_id, input_name]")
        node = graph.get(target[0])
        inputs = node.get("inputs", {}) if isinstance(node, dict) else None
        if inputs is None or target[1] not in inputs:
            raise WorkflowError(f"{where}: node {target[0]!r} has no input {target[1]!r}")
        if is_link(inputs[target[1]]):
            raise WorkflowError(f"{where}: node {target[0]!r} input {target[1]!r} is a link, "
                                "not a value")
        pairs.append((target[0], target[1]))
    first = graph[pairs[0][0]]["inputs"][pairs[0][1]]
    spec = ParamSpec(
        name=name, targets=tuple(pairs), role=role, type=kind,
        default=raw.get("default", first), ge=raw.get("ge"), le=raw.get("le"),
        multiple_of=raw.get("multiple_of"), choices=tuple(raw.get("choices") or ()),
        description=str(raw.get("description", ""))[:500])
    _check_spec(where, spec)
    return spec


def _fits(spec: ParamSpec, value: Any) -> bool:
    if isinstance(value, bool) and spec.type != "bool":
        return False
    return isinstance(value, _TYPES[spec.type])


def _check_spec(where: str, spec: ParamSpec) -> None:
    for bound in (spec.ge, spec.le):
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int | float)):
            raise WorkflowError(f"{where}: ge and le must be numbers")
    if spec.multiple_of is not None and (not isinstance(spec.multiple_of, int)
                                         or spec.multiple_of < 1):
        raise WorkflowError(f"{where}: multiple_of must be a positive integer")
    if not all(_fits(spec, c) for c in spec.choices):
        raise WorkflowError(f"{where}: every choice must be a {spec.type}")
    if spec.role in ("prompt", "negative", "image", "mask"):
        return  # their values come from the request
    if not _fits(spec, spec.default):
        raise WorkflowError(f"{where}: default {spec.default!r} is not a {spec.type}")
    if spec.choices and spec.default not in spec.choices:
        raise WorkflowError(f"{where}: default {spec.default!r} is not one of the choices")
    low = spec.ge if spec.ge is not None else -math.inf
    high = spec.le if spec.le is not None else math.inf
    if spec.type in ("int", "float") and not low <= spec.default <= high:
        raise WorkflowError(f"{where}: default {spec.default!r} is outside [{spec.ge}, {spec.le}]")


def _annotation(spec: ParamSpec) -> Any:
    if spec.choices:
        return Literal[spec.choices]
    return {"int": int, "float": float, "str": str, "bool": bool}[spec.type]


def build_params_model(
    template: WorkflowTemplate, extra: Mapping[str, tuple[Any, Any]] | None = None
) -> type[ParamsBase]:
    """A pydantic model of the template's form fields (plus `extra` fields), with bounds."""
    fields: dict[str, Any] = {}
    for spec in template.fields:
        limits: dict[str, Any] = {}
        if spec.type in ("int", "float") and not spec.choices:
            limits = {"ge": spec.ge, "le": spec.le, "multiple_of": spec.multiple_of}
        elif spec.type == "str" and not spec.choices:
            limits = {"max_length": 1000}
        fields[spec.name] = (_annotation(spec), Field(spec.default, description=spec.description
                                                      or spec.name, **limits))
    fields.update(extra or {})
    title = "".join(part.capitalize() for part in re.split(r"[^a-zA-Z0-9]+", template.id))
    return create_model(f"{title}Params", __base__=ParamsBase, **fields)


# ---- templates ------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkflowTemplate:
    """A ComfyUI workflow and the parameters the studio may fill in."""
    id: str
    name: str
    modes: tuple[Mode, ...]
    graph: Mapping[str, Any]
    params: tuple[ParamSpec, ...]
    description: str = ""
    source: str = "bundled"

    @property
    def fields(self) -> list[ParamSpec]:
        return [p for p in self.params if p.role is None]

    def role(self, role: str) -> list[ParamSpec]:
        return [p for p in self.params if p.role == role]

    def capabilities(self) -> Capabilities:
        images = len(self.role("image"))
        mask = bool(self.role("mask"))
        return Capabilities(seed=bool(self.role("seed")),
                            negative_prompt=bool(self.role("negative")),
                            max_reference_images=images, requires_image=images > 0,
                            mask=mask, mask_required=mask)

    def apply(
        self,
        values: Mapping[str, Any],
        *,
        prompt: str,
        negative: str | None,
        seed: int | None,
        images: Sequence[str],
        mask: str | None = None,
    ) -> dict[str, Any]:
        """A copy of the graph with the parameters written into their node inputs."""
        graph = copy.deepcopy(dict(self.graph))
        image_names = iter(images)
        for spec in self.params:
            value: Any
            if spec.role == "prompt":
                value = prompt
            elif spec.role == "negative":
                value = negative
            elif spec.role == "seed":
                value = seed
            elif spec.role == "image":
                value = next(image_names, None)
            elif spec.role == "mask":
                value = mask
            else:
                value = values.get(spec.name)
            if value is None:
                continue  # keep the template's own value
            for node_id, input_name in spec.targets:
                graph[node_id]["inputs"][input_name] = value
        return graph


def template_from_document(
    data: Any, *, default_id: str, source: str, name: str | None = None
) -> WorkflowTemplate:
    """A template from an embedded declaration, or from a plain graph (params inferred)."""
    if isinstance(data, dict) and data.get("format") == FORMAT:
        graph = check_graph(data.get("workflow"))
        declared = data.get("params")
        if not isinstance(declared, dict):
            raise WorkflowError("params must be an object of name -> declaration")
        params = tuple(_spec(graph, key, raw) for key, raw in declared.items())
        for role in ("prompt", "negative", "seed", "mask"):
            if sum(p.role == role for p in params) > 1:
                raise WorkflowError(f"only one parameter may have the role {role!r}")
        modes = _modes(data.get("modes"), graph, params)
        template_id = str(data.get("id") or default_id)
        return WorkflowTemplate(template_id, str(name or data.get("name") or template_id),
                                modes, graph, params, str(data.get("description", "")), source)
    graph = check_graph(data)
    params = infer_params(graph)
    return WorkflowTemplate(default_id, name or default_id, _modes(None, graph, params), graph,
                            params, "API-format workflow with inferred parameters", source)


def _modes(raw: Any, graph: Mapping[str, Any], params: Sequence[ParamSpec]) -> tuple[Mode, ...]:
    if raw is None:
        video = any(n["class_type"] in VIDEO_OUTPUTS for n in graph.values())
        image = any(p.role == "image" for p in params)
        return ({(False, False): Mode.TXT2IMG, (False, True): Mode.IMG2IMG,
                 (True, False): Mode.TXT2VIDEO, (True, True): Mode.IMG2VIDEO}[(video, image)],)
    try:
        modes = tuple(Mode(m) for m in raw)
    except (TypeError, ValueError):
        raise WorkflowError(f"modes must be a list from {[m.value for m in Mode]}") from None
    if not modes or len({m.kind for m in modes}) != 1:
        raise WorkflowError("modes must be a non-empty list of one kind (image or video)")
    return modes


def load_template(path: Path, *, source: str = "bundled") -> WorkflowTemplate:
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise WorkflowError(f"{path.name}: cannot be read ({exc.strerror})") from None
    try:
        return template_from_document(parse_document(text), default_id=path.stem, source=source)
    except WorkflowError as exc:
        raise WorkflowError(f"{path.name}: {exc}") from None


def bundled_templates(folder: Path = BUNDLED_DIR) -> list[WorkflowTemplate]:
    """The templates shipped in `folder`, read once per process: ComfyUI and RunPod both
    offer them, and a template is never changed (`apply` writes into a copy)."""
    return list(_read_bundled(folder))


@functools.cache
def _read_bundled(folder: Path) -> tuple[WorkflowTemplate, ...]:
    return tuple(load_template(p) for p in sorted(folder.glob("*.json")))


# ---- inference for plain graphs -------------------------------------------------------

_SAMPLERS = {"KSampler": "seed", "KSamplerAdvanced": "noise_seed"}
_LATENTS = {"EmptyLatentImage", "EmptySD3LatentImage", "EmptyHunyuanLatentVideo",
            "WanImageToVideo", "EmptyMochiLatentVideo", "EmptyLTXVLatentVideo"}
_LOADERS = {"CheckpointLoaderSimple": "ckpt_name", "UNETLoader": "unet_name"}
_NUMBERS = {"steps": ("int", 1, 10_000, None), "cfg": ("float", 0, 100, None),
            "denoise": ("float", 0, 1, None), "width": ("int", 16, 16_384, 8),
            "height": ("int", 16, 16_384, 8), "length": ("int", 1, 10_000, None),
            "batch_size": ("int", 1, 64, None)}


def infer_params(graph: Mapping[str, Any]) -> tuple[ParamSpec, ...]:
    """Parameters of a plain API graph: samplers, text prompts, latent size, loaders, images."""
    found: dict[str, ParamSpec] = {}

    def add(name: str, node_id: str, input_name: str, **kw: Any) -> None:
        value = graph[node_id]["inputs"].get(input_name)
        if value is None or is_link(value):
            return
        key = name if name not in found else f"{name}_{node_id}"
        if kw.get("role") and any(p.role == kw["role"] for p in found.values()):
            if kw["role"] != "image":
                return
            key = f"image_{node_id}"
        spec = ParamSpec(name=key, targets=((node_id, input_name),), default=value, **kw)
        if spec.role or _fits(spec, value):
            found[key] = spec

    for node_id in sorted(graph, key=lambda n: (len(n), n)):
        node = graph[node_id]
        class_type, inputs = node["class_type"], node.get("inputs", {})
        if class_type in _SAMPLERS:
            add("seed", node_id, _SAMPLERS[class_type], role="seed", type="int")
            for role, link in (("prompt", "positive"), ("negative", "negative")):
                text_node = _text_source(graph, inputs.get(link), link)
                if text_node:
                    add(role, text_node, "text", role=role)
        if class_type in _SAMPLERS or class_type in _LATENTS:
            for field_name, (kind, low, high, step) in _NUMBERS.items():
                if field_name in inputs:
                    add(field_name, node_id, field_name, type=kind, ge=low, le=high,
                        multiple_of=step)
        if class_type in _LOADERS:
            add("checkpoint", node_id, _LOADERS[class_type],
                description="Model file on the server (choices from /object_info)")
        if class_type == "LoadImage":
            add("image", node_id, "image", role="image")
        if class_type == "LoadImageMask":
            add("mask", node_id, "image", role="mask")
    if not any(p.role == "prompt" for p in found.values()):
        raise WorkflowError("no prompt found: no CLIPTextEncode text feeds a sampler's positive "
                            "input; import it with a parameter declaration instead")
    return tuple(found.values())


def _text_source(graph: Mapping[str, Any], link: Any, side: str) -> str | None:
    """Follow conditioning links back to the node with a literal `text` input."""
    for _ in range(6):
        if not is_link(link):
            return None
        node = graph[link[0]]
        inputs = node.get("inputs", {})
        if isinstance(inputs.get("text"), str):
            return link[0]
        link = inputs.get(side) or inputs.get("conditioning")
    return None
