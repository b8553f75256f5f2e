"""ComfyUI workflow templates: the bundled ones, declared and inferred parameters, and the
shape checks that keep an imported workflow data, never code."""

import copy
import json

import pytest
from pydantic import ValidationError

from studio.providers.base import Mode
from studio.providers.comfy_workflows import (
    FORMAT,
    MAX_WORKFLOW_BYTES,
    WorkflowError,
    build_params_model,
    bundled_templates,
    parse_document,
    template_from_document,
)

TEMPLATES = {t.id: t for t in bundled_templates()}
SDXL = TEMPLATES["sdxl-txt2img"]


def test_bundled_templates_cover_image_and_video_modes():
    assert {t.id: t.modes for t in TEMPLATES.values()} == {
        "sdxl-txt2img": (Mode.TXT2IMG,), "sdxl-img2img": (Mode.IMG2IMG,),
        "flux-schnell-txt2img": (Mode.TXT2IMG,), "wan21-img2video": (Mode.IMG2VIDEO,),
        "sdxl-inpaint": (Mode.INPAINT, Mode.OUTPAINT),
        "qwen-image-txt2img": (Mode.TXT2IMG,), "qwen-image-edit": (Mode.IMG2IMG,)}
    for template in TEMPLATES.values():
        assert template.role("prompt"), template.id
        assert build_params_model(template)().checkpoint  # every one names its model file
    wan = TEMPLATES["wan21-img2video"].capabilities()
    assert (wan.requires_image, wan.max_reference_images, wan.negative_prompt) == (True, 1, True)
    assert TEMPLATES["flux-schnell-txt2img"].capabilities().negative_prompt is False


def test_params_model_has_the_declared_bounds_defaults_and_choices():
    Params = build_params_model(SDXL)
    assert Params().model_dump() == {
        "steps": 25, "cfg": 7.0, "width": 1024, "height": 1024, "sampler_name": "dpmpp_2m",
        "scheduler": "karras", "checkpoint": "sd_xl_base_1.0.safetensors"}
    assert Params.model_fields["steps"].description == "Sampling steps"
    for bad in ({"steps": 0}, {"steps": 151}, {"cfg": 31}, {"width": 1001},
                {"sampler_name": "magic"}, {"unknown": 1}, {"prompt": "x"}):
        with pytest.raises(ValidationError):
            Params.model_validate(bad)


def test_apply_writes_values_into_their_node_inputs_and_keeps_the_template_intact():
    before = copy.deepcopy(dict(SDXL.graph))
    graph = SDXL.apply({"steps": 12, "width": 512}, prompt="a fox", negative=None, seed=9,
                       images=[])
    assert graph["6"]["inputs"]["text"] == "a fox"
    assert graph["7"]["inputs"]["text"] == "blurry, low quality, watermark"  # kept
    assert (graph["3"]["inputs"]["seed"], graph["3"]["inputs"]["steps"]) == (9, 12)
    assert graph["5"]["inputs"]["width"] == 512
    assert dict(SDXL.graph) == before


def plain_graph():
    return copy.deepcopy(dict(TEMPLATES["sdxl-img2img"].graph))


def test_a_plain_api_graph_gets_its_parameters_inferred():
    template = template_from_document(plain_graph(), default_id="imported/mine",
                                      source="imported")
    roles = {p.name: (p.role, p.targets) for p in template.params if p.role}
    assert roles == {"seed": ("seed", (("3", "seed"),)), "prompt": ("prompt", (("6", "text"),)),
                     "negative": ("negative", (("7", "text"),)),
                     "image": ("image", (("10", "image"),))}
    assert template.modes == (Mode.IMG2IMG,)
    Params = build_params_model(template)
    assert Params().model_dump() == {"steps": 30, "cfg": 6.5, "denoise": 0.6,
                                     "checkpoint": "sd_xl_base_1.0.safetensors"}
    with pytest.raises(ValidationError):
        Params(denoise=1.5)


def test_inference_follows_conditioning_through_other_nodes():
    template = template_from_document(dict(TEMPLATES["wan21-img2video"].graph),
                                      default_id="w", source="imported")
    found = {p.name: p.targets for p in template.params}
    assert found["prompt"] == (("6", "text"),) and found["negative"] == (("7", "text"),)
    assert found["length"] == (("50", "length"),)
    assert template.modes == (Mode.IMG2VIDEO,)


def test_embedded_declaration_round_trip():
    doc = {"format": FORMAT, "id": "mine", "name": "Mine", "modes": ["txt2img"],
           "params": {"prompt": {"targets": [["6", "text"]]},
                      "size": {"type": "int", "targets": [["5", "width"], ["5", "height"]],
                               "ge": 64, "le": 2048, "default": 768}},
           "workflow": dict(SDXL.graph)}
    template = template_from_document(json.loads(json.dumps(doc)), default_id="x",
                                      source="imported")
    graph = template.apply(build_params_model(template)().model_dump(), prompt="p",
                           negative=None, seed=None, images=[])
    assert (graph["5"]["inputs"]["width"], graph["5"]["inputs"]["height"]) == (768, 768)
    assert graph["3"]["inputs"]["seed"] == 42  # no seed parameter: the template's own


def broken(change):
    graph = plain_graph()
    change(graph)
    return graph


@pytest.mark.parametrize(("data", "words"), [
    ([], "JSON object of node id"),
    ({}, "JSON object of node id"),
    ({"nodes": [], "links": []}, "UI-format workflow"),
    ({"1": "KSampler"}, "node '1': must be an object"),
    ({"1": {"inputs": {}}}, "class_type must be a node class name"),
    ({"1": {"class_type": "X", "inputs": [], }}, "inputs must be an object"),
    ({"1": {"class_type": "X", "inputs": {}, "code": "import os"}}, "unexpected keys"),
    (broken(lambda g: g["3"]["inputs"].update(model=["99", 0])), "links to missing node '99'"),
    (broken(lambda g: g["3"]["inputs"].update(seed={"eval": "1+1"})),
     "node '3' (KSampler) input 'seed': must be a number, text"),
    (broken(lambda g: g["3"]["inputs"].update(seed=[1, 2, 3])), "must be a number, text"),
    (broken(lambda g: g["6"]["inputs"].update(text="x" * 100_001)), "longer than"),
    (broken(lambda g: g["6"]["inputs"].update(text=0) or g["3"]["inputs"].pop("positive")),
     "no prompt found"),
])
def test_imported_workflows_with_a_bad_shape_are_rejected(data, words):
    with pytest.raises(WorkflowError, match=None) as info:
        template_from_document(data, default_id="bad", source="imported")
    assert words in str(info.value)


@pytest.mark.parametrize(("params", "words"), [
    ({"steps": {"type": "int", "targets": [["3", "nope"]]}}, "node '3' has no input 'nope'"),
    ({"steps": {"type": "int", "targets": [["3", "model"]]}}, "is a link, not a value"),
    ({"steps": {"type": "int", "targets": [["3", "steps"]], "le": 10}}, "outside"),
    ({"steps": {"type": "code", "targets": [["3", "steps"]]}}, "type must be one of"),
    ({"Steps!": {"type": "int", "targets": [["3", "steps"]]}}, "lower-case identifiers"),
    ({"model_config": {"type": "int", "targets": [["3", "steps"]]}}, "lower-case"),
    ({"steps": {"type": "int", "targets": [["3", "steps"]], "exec": "x"}}, "an object with"),
])
def test_bad_declarations_are_rejected(params, words):
    doc = {"format": FORMAT, "params": params, "workflow": dict(SDXL.graph)}
    with pytest.raises(WorkflowError) as info:
        template_from_document(doc, default_id="bad", source="imported")
    assert words in str(info.value)


def test_size_and_depth_caps_apply_before_anything_is_read():
    with pytest.raises(WorkflowError, match="the limit is 2 MB"):
        parse_document(b" " * (MAX_WORKFLOW_BYTES + 1))
    with pytest.raises(WorkflowError, match="nested deeper than 8"):
        parse_document("[" * 9 + "]" * 9)
    with pytest.raises(WorkflowError, match="nested deeper"):
        parse_document("[" * 100_000 + "]" * 100_000)
    with pytest.raises(WorkflowError, match="not valid JSON"):
        parse_document("{'1': 2}")
