"""The export dialog: name preview, a background export with progress, and Cancel."""

import json
import threading
import time

import pytest
from PySide6.QtCore import Qt

from studio.core.export import copies as core_export
from studio.ui.export.dialog import ExportDialog
from tests.ui.conftest import add_output

pytestmark = pytest.mark.gui


@pytest.fixture
def outputs(studio):
    now = time.time()
    return [add_output(studio, prompt=f"fox {i}", color=(40 * i, 90, 90), created_at=now - i)
            for i in range(3)]


def open_dialog(window, qtbot, select_all=True) -> ExportDialog:
    window.tabs.setCurrentWidget(window.gallery)
    qtbot.waitUntil(lambda: window.gallery.model.rowCount() == 3)
    if select_all:
        window.gallery.view.selectAll()
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    dialog = window.findChild(ExportDialog)
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_ctrl_e_opens_with_a_preview_that_follows_the_template(window, qtbot, outputs,
                                                                tmp_path):
    assert window.export_action in window.gallery.view.actions()  # right-click: Export…
    dialog = open_dialog(window, qtbot)
    assert dialog.source.currentText() == "Selected outputs (3)"
    dialog.destination.setText(str(tmp_path / "out"))
    dialog.template.setText("{provider}_{prompt}_{index}")
    expected = ["fal_fox-0_001.png", "fal_fox-1_002.png", "fal_fox-2_003.png"]
    qtbot.waitUntil(lambda: dialog.preview.stringList() == expected)
    assert "3 files" in dialog.summary.text() and dialog.start_button.isEnabled()
    dialog.template.setText("{provider}_{colour}")
    qtbot.waitUntil(lambda: "unknown field {colour}" in dialog.error.text())
    assert dialog.preview.stringList() == [] and not dialog.start_button.isEnabled()


def test_export_runs_with_progress_and_writes_the_previewed_names(window, qtbot, outputs,
                                                                   tmp_path):
    dialog = open_dialog(window, qtbot)
    dest = tmp_path / "out"
    dialog.destination.setText(str(dest))
    dialog.sign.setChecked(True)
    qtbot.waitUntil(lambda: dialog.plan is not None and dialog.plan.destination == dest)
    names = dialog.preview.stringList()
    with qtbot.waitSignal(dialog.finishedExport, timeout=10_000) as done:
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert done.args == ["ok"]
    assert dialog.bar.value() == dialog.bar.maximum() == 3
    assert dialog.status.text() == f"Exported 3 files to {dest}"
    manifest = json.loads((dest / "manifest.json").read_text())
    assert [f["file"] for f in manifest["files"]] == names
    assert {f["content_credentials"] for f in manifest["files"]} == {"signed"}
    # The names just written are taken now: the preview moves on.
    qtbot.waitUntil(lambda: dialog.preview.stringList() != names)
    assert window.session.studio.settings.export_dir == str(dest)  # next time starts here


def test_own_certificate_needs_both_paths(window, qtbot, outputs, tmp_path):
    dialog = open_dialog(window, qtbot)
    dest = tmp_path / "out"
    dialog.destination.setText(str(dest))
    dialog.sign.setChecked(True)
    dialog.certificate.setCurrentIndex(1)
    assert dialog.chain.isVisibleTo(dialog) and dialog.key.isVisibleTo(dialog)
    dialog.chain.setText(str(tmp_path / "chain.pem"))
    qtbot.waitUntil(lambda: dialog.plan is not None and dialog.plan.destination == dest)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert "both your certificate chain" in dialog.status.text()
    assert not dialog.running and not dest.exists()


def test_cancel_mid_export_leaves_nothing(window, qtbot, outputs, tmp_path, monkeypatch):
    gate = threading.Event()
    write_one = core_export._write_one

    def slow_write(item, *args):
        out = write_one(item, *args)
        gate.wait(5)  # hold the worker after the first file until Cancel is pressed
        return out

    monkeypatch.setattr(core_export, "_write_one", slow_write)
    dialog = open_dialog(window, qtbot)
    dest = tmp_path / "out"
    dialog.destination.setText(str(dest))
    qtbot.waitUntil(lambda: dialog.plan is not None and dialog.plan.destination == dest)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert dialog.cancel_button.text() == "Cancel" and dialog.running
    with qtbot.waitSignal(dialog.finishedExport, timeout=10_000) as done:
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
        gate.set()
    assert done.args == ["cancelled"]
    assert dialog.status.text() == "Cancelled. Nothing was written."
    assert not dest.exists()
    assert dialog.cancel_button.text() == "Close"
