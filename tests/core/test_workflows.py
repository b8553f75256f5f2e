"""Imported ComfyUI workflows: validated before anything is saved, saved under the config
folder, models of ComfyUI and RunPod at once and after a restart, and a live job."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from studio.core.jobs import JobStatus
from studio.core.service import Studio
from studio.core.workflows import FORMAT, WorkflowImportError
from studio.providers import registry
from studio.providers.base import RenderRequest
from studio.providers.comfy_workflows import MAX_WORKFLOW_BYTES, bundled_templates
from studio.resources import ROOT as RESOURCES

FLUX = next(t for t in bundled_templates() if t.id == "flux-schnell-txt2img")


def graph() -> dict:
    """The bundled Flux graph as a user would export it from ComfyUI (API format)."""
    return json.loads(json.dumps(dict(FLUX.graph)))


def write(tmp_path: Path, name: str, data: object) -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def saved_files(studio: Studio) -> list[Path]:
    folder = studio.paths.workflows_dir
    return sorted(folder.iterdir()) if folder.exists() else []


def model_ids(studio: Studio, provider: str) -> set[str]:
    return {m.id for m in studio.catalog.entry(provider).models}


@pytest.fixture
def studio(home):
    s = Studio(home, env={})
    yield s
    s.store.close()


def test_a_valid_workflow_is_saved_and_becomes_a_model_of_comfyui_and_runpod(studio, tmp_path):
    source = write(tmp_path, "night_city.json", graph())
    imported = studio.import_workflow(source, "Night City")
    assert imported.id == "imported/night-city" and imported.modes == ("txt2img",)
    assert imported.models == (("comfyui", "imported/night-city"),
                               ("runpod", "comfyui/imported/night-city"))
    saved = json.loads((studio.paths.workflows_dir / "night-city.json").read_text())
    assert saved["format"] == FORMAT and saved["name"] == "Night City"
    assert saved["document"] == graph() and saved["source_file"] == "night_city.json"
    assert "imported/night-city" in model_ids(studio, "comfyui")
    assert "comfyui/imported/night-city" in model_ids(studio, "runpod")
    entry = next(m for m in studio.catalog.entry("comfyui").models
                 if m.id == "imported/night-city")
    assert entry.name == "Night City" and entry.metadata == {"workflow": "imported"}
    # Its form is inferred from the graph: size and steps are fields, the prompt is not.
    params = studio.providers["comfyui"].models["imported/night-city"].params
    assert {"width", "height", "steps"} <= set(params.model_fields)
    assert "prompt" not in params.model_fields
    # Other studios and the process-wide registry never see it.
    assert "imported/night-city" not in registry()["comfyui"].models


def test_the_name_defaults_to_the_file_name_and_a_second_import_needs_replace(studio, tmp_path):
    source = write(tmp_path, "Portrait v2.json", graph())
    assert studio.import_workflow(source).id == "imported/portrait-v2"
    with pytest.raises(WorkflowImportError, match="already imported"):
        studio.import_workflow(source)
    changed = graph()
    changed["9"]["inputs"]["filename_prefix"] = "v3"
    studio.import_workflow(json.dumps(changed), "Portrait v2", replace=True)
    saved = json.loads((studio.paths.workflows_dir / "portrait-v2.json").read_text())
    assert saved["document"]["9"]["inputs"]["filename_prefix"] == "v3"
    assert saved["source_file"] is None  # imported from text, not a file


def test_a_template_document_cannot_take_over_a_bundled_model(studio):
    bundled = json.loads((RESOURCES / "workflows" / "sdxl_txt2img.json").read_text())
    bundled["workflow"]["9"]["inputs"]["filename_prefix"] = "mine"
    imported = studio.import_workflow(json.dumps(bundled), "My SDXL")
    assert imported.id == "imported/my-sdxl"
    comfy = studio.providers["comfyui"]
    assert comfy.templates["sdxl-txt2img"].graph["9"]["inputs"]["filename_prefix"] != "mine"
    assert comfy.templates["imported/my-sdxl"].graph["9"]["inputs"]["filename_prefix"] == "mine"
    assert "checkpoint" in comfy.models["imported/my-sdxl"].params.model_fields


def deep(levels: int) -> object:
    value: object = 1
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize(("document", "message"), [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "API-format workflow is a JSON object"),
    ({"nodes": [], "links": []}, "UI-format workflow"),
    ({"1": {"class_type": "KSampler", "inputs": {"seed": {"$eval": "x"}}}},
     "must be a number, text, true/false or a link"),
    ({"1": {"class_type": "KSampler", "inputs": {"model": ["9", 0]}}},
     "links to missing node '9'"),
    ({"1": {"class_type": "SaveImage", "inputs": {"x": deep(12)}}}, "nested deeper"),
    ({"1": {"class_type": "SaveImage", "inputs": {"filename_prefix": "x"}}}, "no prompt found"),
    ({"format": "provider-studio.comfyui-template/1", "workflow": dict(FLUX.graph),
      "params": {"prompt": {"targets": [["6", "text"]]},
                 "steps": {"type": "tensor", "targets": [["17", "steps"]]}}},
     "type must be one of"),
])
def test_an_invalid_workflow_is_refused_with_a_reason_and_nothing_is_saved(
        studio, tmp_path, document, message):
    source = write(tmp_path, "bad.json", document)
    before = set(studio.providers["comfyui"].models)
    with pytest.raises(WorkflowImportError, match=message):
        studio.import_workflow(source, "Bad")
    assert saved_files(studio) == []
    assert set(studio.providers["comfyui"].models) == before


def test_oversized_files_bad_names_and_missing_files_are_refused(studio, tmp_path):
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (MAX_WORKFLOW_BYTES + 1))
    with pytest.raises(WorkflowImportError, match="the limit is 2 MB"):
        studio.import_workflow(big, "Big")
    with pytest.raises(WorkflowImportError, match="cannot be read"):
        studio.import_workflow(tmp_path / "nowhere.json", "Gone")
    with pytest.raises(WorkflowImportError, match="is a folder"):
        studio.import_workflow(tmp_path, "Folder")
    with pytest.raises(WorkflowImportError, match="letter or digit"):
        studio.import_workflow(json.dumps(graph()), "☃☃")
    with pytest.raises(WorkflowImportError, match="the limit is 80"):
        studio.import_workflow(json.dumps(graph()), "x" * 81)
    assert saved_files(studio) == []


def test_a_new_studio_on_the_same_home_lists_the_workflow(home, tmp_path):
    first = Studio(home, env={})
    first.import_workflow(write(tmp_path, "a.json", graph()), "Harbour at Dawn")
    first.store.close()
    second = Studio(home, env={})
    try:
        assert second.warnings == []
        assert [w.name for w in second.workflows.imported()] == ["Harbour at Dawn"]
        assert "imported/harbour-at-dawn" in model_ids(second, "comfyui")
        assert "comfyui/imported/harbour-at-dawn" in model_ids(second, "runpod")
    finally:
        second.store.close()


def test_a_corrupt_or_invalid_file_in_the_folder_is_a_warning_not_a_crash(home):
    folder = home.workflows_dir
    folder.mkdir(parents=True)
    (folder / "broken.json").write_text('{"format": "provider-studio.imported-workflow/1", ')
    (folder / "evil.json").write_text(json.dumps(
        {"format": FORMAT, "name": "Evil", "document": {"1": {"class_type": "X",
                                                              "inputs": {"a": {"b": 1}}}}}))
    (folder / "hand-made.json").write_text(json.dumps(graph()))  # a plain export, copied in
    studio = Studio(home, env={})
    try:
        assert len(studio.warnings) == 2
        broken, evil = sorted(studio.warnings)
        assert broken.startswith("Imported workflow broken.json was skipped:")
        assert "evil.json was skipped" in evil and "must be a number" in evil
        assert "imported/hand-made" in model_ids(studio, "comfyui")
        assert [w.name for w in studio.workflows.imported()] == ["hand-made"]
    finally:
        studio.store.close()


async def test_an_imported_workflow_runs_a_live_comfyui_job(home, sandbox, tmp_path):
    studio = Studio(home, sandbox_url=sandbox.url)
    try:
        imported = studio.import_workflow(write(tmp_path, "heron.json", graph()), "Heron")
        assert await studio.catalog.refresh() == {}
        request = RenderRequest(provider="comfyui", model=imported.id, prompt="a heron",
                                seed=5, params={"width": 256, "height": 128})
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        assert job.seed == 5
        [asset] = studio.store.assets_for_job(job.id)
        with Image.open(asset.path) as image:
            assert image.size == (256, 128)
        assert job.prepared["body"]["extra_data"]["provider_studio"]["workflow"] == imported.id
    finally:
        await studio.aclose()


def test_studio_cli_imports_lists_and_refuses_with_exit_2(home, tmp_path, capsys, no_keyring):
    from studio.cli import main

    good = write(tmp_path, "Dune Sea.json", graph())
    assert main(["workflows", "import", str(good), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == "imported/dune-sea"
    bad = write(tmp_path, "bad.json", {"1": {"class_type": "X", "inputs": {"a": [1, 2, 3]}}})
    assert main(["workflows", "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"studio-cli: {bad}: not imported: node '1' (X) input 'a'")
    assert main(["workflows", "list", "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["name"] == "Dune Sea"
    assert ["runpod", "comfyui/imported/dune-sea"] in listed["models"]
    assert main(["providers", "--json"]) == 0
    comfy = next(p for p in json.loads(capsys.readouterr().out) if p["id"] == "comfyui")
    assert "imported/dune-sea" in {m["id"] for m in comfy["models"]}
