import pytest

from studio.ui.compose.presets import PresetStore, PromptHistory

pytestmark = pytest.mark.gui


def test_prompt_history_keeps_50_distinct_newest_first(tmp_path):
    history = PromptHistory(tmp_path / "prompt_history.json")
    for i in range(60):
        history.add(f"prompt {i}")
    history.add("prompt 55")  # a repeat moves to the top instead of duplicating
    history.add("   ")
    items = history.items()
    assert len(items) == 50
    assert items[0] == "prompt 55" and items[1] == "prompt 59"
    assert items.count("prompt 55") == 1


def test_presets_per_model_survive_a_damaged_file(tmp_path):
    store = PresetStore(tmp_path / "presets.json")
    store.save("fal", "fal-ai/flux/dev", "Crisp", {"num_inference_steps": 40})
    store.save("fal", "fal-ai/flux/schnell", "Fast", {"num_inference_steps": 2})
    assert store.names("fal", "fal-ai/flux/dev") == ["Crisp"]
    assert store.get("fal", "fal-ai/flux/dev", "Crisp") == {"num_inference_steps": 40}
    assert store.delete("fal", "fal-ai/flux/dev", "Crisp")
    assert store.names("fal", "fal-ai/flux/dev") == []
    with pytest.raises(ValueError):
        store.save("fal", "fal-ai/flux/dev", "  ", {})
    (tmp_path / "presets.json").write_text("{broken")
    assert store.names("fal", "fal-ai/flux/schnell") == []  # empty, not a crash
    (tmp_path / "prompt_history.json").write_text('{"not": "a list"}')
    assert PromptHistory(tmp_path / "prompt_history.json").items() == []


QWEN = ("comfyui", "qwen-image-txt2img")


def test_a_shipped_preset_fills_the_form_and_cannot_be_deleted(window, qtbot):
    compose = window.compose
    assert compose.targets.set_checked(QWEN)
    panel = compose.panels[QWEN]
    labels = [panel.preset_box.itemText(i) for i in range(panel.preset_box.count())]
    assert labels == ["(none)", "Lightning 4-step (shipped)", "Quality (shipped)"]
    panel.preset_box.setCurrentIndex(1)
    panel.preset_box.activated.emit(1)  # what choosing it in the list does
    values = panel.values()
    assert (values["steps"], values["cfg"], values["lightning_lora"]) == (4, 1.0, 1.0)
    assert not panel.delete_preset_action.isEnabled()
    assert panel.apply_preset("Quality")
    assert panel.values()["steps"] == 50 and panel.values()["lightning_lora"] == 0.0
    assert panel.preset_box.currentData() == "Quality"


def test_save_export_and_import_presets_from_the_panel(window, qtbot, tmp_path):
    compose = window.compose
    assert compose.targets.set_checked(QWEN)
    panel = compose.panels[QWEN]
    panel.form.set_values({"steps": 9, "width": 928})
    panel.save_preset("Nine steps")
    assert panel.preset_box.currentData() == "Nine steps"
    assert panel.delete_preset_action.isEnabled()
    out = tmp_path / "qwen presets.json"
    assert panel.export_presets(str(out)) == 3
    assert panel.presets.delete(*QWEN, "Nine steps")
    panel.reload_presets()
    assert "Nine steps" not in panel.presets.names(*QWEN)
    panel.import_presets(str(out))
    assert panel.presets.get(*QWEN, "Nine steps")["steps"] == 9
    assert panel.apply_preset("Nine steps") and panel.values()["width"] == 928
    qtbot.waitUntil(lambda: any("Imported" in t for t in window.toasts.visible_texts()))


def test_example_prompts_appear_for_qwen_image_and_fill_the_prompt(window, qtbot):
    compose = window.compose
    assert compose.examples.isHidden()  # nothing checked has examples
    assert compose.targets.set_checked(QWEN)
    compose.examples.refresh()
    assert not compose.examples.isHidden()
    compose.examples.rebuild()
    actions = compose.examples.menu_.actions()
    assert len(actions) >= 5
    actions[1].trigger()
    assert "menu" in compose.prompt.toPlainText()
