"""Presets: shipped ones load (and fit their model's form), the user's save, export and
import back; example prompts come with the shipped files."""

import json

import pytest

from studio.core.presets import PresetError, PresetLibrary, unknown_params
from studio.providers.comfyui import ComfyUIProvider
from studio.providers.runpod import RunPodProvider

QWEN = ("comfyui", "qwen-image-txt2img")
EDIT = ("comfyui", "qwen-image-edit")


def test_qwen_image_ships_a_lightning_and_a_quality_preset_for_comfyui_and_runpod(tmp_path):
    library = PresetLibrary(tmp_path / "presets.json")
    assert library.warnings == []
    assert library.names(*QWEN) == ["Lightning 4-step", "Quality"]
    assert library.names("runpod", "comfyui/qwen-image-txt2img") == ["Lightning 4-step",
                                                                     "Quality"]
    assert library.names(*EDIT) == ["Lightning 4-step", "Quality"]
    lightning = library.get(*QWEN, "lightning 4-step")  # names match case-insensitively
    assert lightning is not None
    assert (lightning["steps"], lightning["cfg"], lightning["lightning_lora"]) == (4, 1.0, 1.0)
    quality = library.get(*QWEN, "Quality")
    assert quality["steps"] >= 30 and quality["lightning_lora"] == 0
    assert library.is_shipped(*QWEN, "Quality")
    assert len(library.examples(*QWEN)) >= 5 and library.examples(*EDIT)


def test_every_shipped_preset_fits_its_models_form(tmp_path):
    library = PresetLibrary(tmp_path / "presets.json")
    providers = {"comfyui": ComfyUIProvider(), "runpod": RunPodProvider()}
    shipped = [p for p in library.all() if p.source == "shipped"]
    assert len(shipped) >= 8
    for preset in shipped:
        model = providers[preset.provider].models[preset.model]
        assert unknown_params(preset.params, model.params.model_fields) == []
        values = model.params.model_validate({**preset.params, **(
            {"endpoint_id": "ep"} if preset.provider == "runpod" else {})})
        assert values.model_dump()["steps"] == preset.params["steps"]


def test_user_presets_save_export_and_import_round_trip(tmp_path):
    library = PresetLibrary(tmp_path / "presets.json")
    library.save(*QWEN, "  Poster   look ", {"steps": 12, "cfg": 3.5, "width": 928})
    library.save("fal", "fal-ai/flux/dev", "Crisp", {"num_inference_steps": 40})
    assert library.names(*QWEN) == ["Lightning 4-step", "Quality", "Poster look"]
    assert not library.is_shipped(*QWEN, "Poster look")
    # A user preset with a shipped name is used instead of the shipped one.
    library.save(*QWEN, "Quality", {"steps": 60})
    assert library.get(*QWEN, "Quality") == {"steps": 60}
    assert library.names(*QWEN) == ["Lightning 4-step", "Poster look", "Quality"]
    out = tmp_path / "out.json"
    assert library.export_to(out) == 3  # the user's own
    document = json.loads(out.read_text())
    assert document["format"] == "provider-studio.presets/1"
    assert {(p["provider"], p["name"]) for p in document["presets"]} == {
        ("comfyui", "Poster look"), ("comfyui", "Quality"), ("fal", "Crisp")}
    assert library.export_to(tmp_path / "qwen.json", [QWEN], shipped=True) == 3  # + Lightning

    other = PresetLibrary(tmp_path / "elsewhere.json")
    result = other.import_document(out)
    assert len(result.added) == 3 and result.replaced == [] and result.skipped == []
    assert other.get(*QWEN, "Poster look") == {"steps": 12, "cfg": 3.5, "width": 928}
    assert other.get("fal", "fal-ai/flux/dev", "Crisp") == {"num_inference_steps": 40}
    again = other.import_document(out, replace=False)
    assert again.added == [] and len(again.skipped) == 3
    assert other.delete(*QWEN, "Poster look") and not other.delete(*QWEN, "Lightning 4-step")


@pytest.mark.parametrize("text, message", [
    ("{not json", "not valid JSON"),
    ('{"format": "other"}', "not a presets file"),
    ('{"format": "provider-studio.presets/1", "presets": [{"name": "", "params": {}, '
     '"provider": "a", "model": "b"}]}', "needs a name"),
    ('{"format": "provider-studio.presets/1", "presets": [{"name": "x", "params": [1]}]}',
     "params must be an object"),
    ('{"format": "provider-studio.presets/1", "presets": [{"name": "x", "params": {}}]}',
     "names no provider and model"),
])
def test_a_bad_presets_file_is_refused_whole_and_changes_nothing(tmp_path, text, message):
    library = PresetLibrary(tmp_path / "presets.json")
    library.save(*QWEN, "Mine", {"steps": 8})
    before = (tmp_path / "presets.json").read_bytes()
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(PresetError, match=message):
        library.import_document(path)
    assert (tmp_path / "presets.json").read_bytes() == before


def test_a_damaged_shipped_file_is_a_warning_not_a_crash(tmp_path):
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    (shipped / "bad.json").write_text("[1, 2")
    (shipped / "good.json").write_text(json.dumps({
        "format": "provider-studio.presets/1", "models": ["x:y"],
        "presets": [{"name": "Fast", "params": {"steps": 2}}], "examples": ["a cat"]}))
    library = PresetLibrary(tmp_path / "presets.json", shipped)
    assert library.names("x", "y") == ["Fast"] and library.examples("x", "y") == ["a cat"]
    assert len(library.warnings) == 1 and "bad.json" in library.warnings[0]
