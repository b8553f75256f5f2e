"""studio-cli presets list/export/import and generate --preset."""

import json

from studio.cli import main

QWEN = "comfyui:qwen-image-txt2img"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_presets_list_json_for_one_model(home, capsys):
    code, out, err = run(capsys, "presets", "list", "--model", QWEN, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert [(p["name"], p["source"]) for p in data] == [("Lightning 4-step", "shipped"),
                                                         ("Quality", "shipped")]
    assert data[0]["params"]["steps"] == 4 and data[0]["provider"] == "comfyui"
    code, out, _ = run(capsys, "presets", "list", "--json")
    assert {p["model"] for p in json.loads(out)} >= {"qwen-image-txt2img", "qwen-image-edit",
                                                     "comfyui/qwen-image-txt2img"}
    code, _, err = run(capsys, "presets", "list", "--model", "qwen")
    assert code == 2 and "PROVIDER:MODEL" in err


def test_export_import_round_trip_and_a_bad_file(home, capsys, tmp_path):
    shared = tmp_path / "shared.json"
    shared.write_text(json.dumps({"format": "provider-studio.presets/1", "presets": [
        {"provider": "comfyui", "model": "qwen-image-txt2img", "name": "Wide",
         "params": {"width": 1664, "height": 928}}]}))
    code, out, err = run(capsys, "presets", "import", str(shared), "--json")
    assert code == 0, err and json.loads(out)["added"][0]["name"] == "Wide"
    out_file = tmp_path / "mine.json"
    code, out, _ = run(capsys, "presets", "export", str(out_file), "--json")
    assert json.loads(out)["presets"] == 1
    assert json.loads(out_file.read_text())["presets"][0]["params"] == {"width": 1664,
                                                                        "height": 928}
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    code, out, err = run(capsys, "presets", "import", str(bad))
    assert code == 2 and "not valid JSON" in err


def test_generate_with_a_preset_and_a_param_over_it(home, capsys):
    # RunPod is a dry-run here (its flag is off): the exact request is recorded.
    code, out, err = run(capsys, "generate", "--provider", "runpod", "--model",
                         "comfyui/qwen-image-txt2img", "--prompt", "a sign", "--seed", "3",
                         "--preset", "Lightning 4-step", "--param", "cfg=1.5",
                         "--param", "endpoint_id=ep-1", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["status"] == "dry_run"
    graph = data["request"]["body"]["input"]["workflow"]
    sampler = graph["3"]["inputs"]
    assert (sampler["steps"], sampler["cfg"]) == (4, 1.5)
    assert graph["73"]["inputs"]["strength_model"] == 1.0
    code, _, err = run(capsys, "generate", "--provider", "comfyui", "--model",
                       "qwen-image-txt2img", "--prompt", "x", "--preset", "Turbo")
    assert code == 2 and "Lightning 4-step" in err
