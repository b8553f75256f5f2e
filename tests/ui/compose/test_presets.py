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
