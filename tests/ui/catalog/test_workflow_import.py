"""File > Import ComfyUI workflow…: a good file becomes a model in Compose at once; a bad
one shows why in the dialog and nothing is saved."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from studio.providers.comfy_workflows import bundled_templates
from studio.ui.catalog.workflow_import import WorkflowImportDialog

pytestmark = pytest.mark.gui

FLUX = next(t for t in bundled_templates() if t.id == "flux-schnell-txt2img")


def open_dialog(window, qtbot) -> WorkflowImportDialog:
    window.import_workflow_action.trigger()
    dialog = window.findChild(WorkflowImportDialog)
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def targets(window) -> set[tuple[str, str]]:
    """Every model Compose's picker lists under its provider."""
    root = window.compose.targets.model.root
    return {node.target for top in root.children if top.entry is not None
            for node in top.children}


def test_the_file_menu_has_the_import_action(window):
    file_menu = window.menuBar().actions()[0].menu()
    assert window.import_workflow_action in file_menu.actions()
    assert window.import_workflow_action.text() == "Import ComfyUI workflow…"


def test_importing_a_file_shows_the_new_model_in_compose(window, qtbot, studio, tmp_path):
    source = tmp_path / "Misty Harbour.json"
    source.write_text(json.dumps(dict(FLUX.graph)))
    assert ("comfyui", "imported/misty-harbour") not in targets(window)
    dialog = open_dialog(window, qtbot)
    assert not dialog.import_button.isEnabled()  # no file yet
    dialog.path.setText(str(source))
    assert dialog.name.text() == "Misty Harbour"  # the file name, until the user types one
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert ("comfyui", "imported/misty-harbour") in targets(window)
    assert ("runpod", "comfyui/imported/misty-harbour") in targets(window)
    assert (studio.paths.workflows_dir / "misty-harbour.json").is_file()
    # Checking it opens its panel with the form inferred from the graph.
    assert window.compose.targets.set_checked(("comfyui", "imported/misty-harbour"))
    panel = window.compose.panels[("comfyui", "imported/misty-harbour")]
    assert {"width", "height", "steps"} <= set(panel.form.fields)
    assert ("Imported “Misty Harbour”: now a model of ComfyUI and "
            "RunPod Serverless") in (
        window.toasts.visible_texts())


def test_a_typed_name_is_kept_when_the_file_changes(window, qtbot, tmp_path):
    dialog = open_dialog(window, qtbot)
    qtbot.keyClicks(dialog.name, "Night Market")
    dialog.path.setText(str(tmp_path / "workflow_api.json"))
    assert dialog.name.text() == "Night Market"


def test_a_bad_file_shows_the_reason_and_saves_nothing(window, qtbot, studio, tmp_path):
    source = tmp_path / "ui_export.json"
    source.write_text(json.dumps({"nodes": [], "links": [], "version": 0.4}))
    before = targets(window)
    dialog = open_dialog(window, qtbot)
    dialog.path.setText(str(source))
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()  # stays open so the user can pick another file
    assert dialog.error.isVisible()
    assert dialog.error.text().startswith("Not imported: this is a UI-format workflow")
    assert "Export (API)" in dialog.error.text()
    assert targets(window) == before
    folder = studio.paths.workflows_dir
    assert not folder.exists() or not any(folder.iterdir())
    dialog.path.setText(str(tmp_path / "other.json"))
    assert not dialog.error.isVisible()  # a new choice clears the old error
    dialog.reject()


def test_browse_opens_a_non_modal_file_dialog(window, qtbot, tmp_path):
    source = tmp_path / "picked.json"
    source.write_text(json.dumps(dict(FLUX.graph)))
    dialog = open_dialog(window, qtbot)
    files = dialog.browse()
    qtbot.waitUntil(files.isVisible)
    files.fileSelected.emit(str(source))  # what choosing a file in it does
    assert dialog.path.text() == str(source) and dialog.name.text() == "picked"
    files.reject()
    dialog.reject()
