"""Batch from list dialog: rows previewed with their problems (nothing sent), then a live
batch over the sandbox with its progress bar, Cancel all, and the Gallery stacked by batch."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from studio.core.jobs import JobStatus
from studio.ui.batch.dialog import COLUMNS
from tests.conftest import set_faults
from tests.ui.conftest import open_window

pytestmark = pytest.mark.gui

QWEN = ("comfyui", "qwen-image-txt2img")
FLUX = ("fal", "fal-ai/flux/schnell")


@pytest.fixture
def live_window(live_studio, qtbot):
    from studio.ui.session import Session

    session = Session(live_studio)
    yield from open_window(session, qtbot)
    session.detach()


def open_dialog(window, qtbot):
    QTest.keyClick(window, Qt.Key.Key_B,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.batch_dialog is not None
                    and window.batch_dialog.isVisible(), timeout=3000)
    return window.batch_dialog


def test_rows_with_problems_are_shown_and_nothing_can_be_sent(window, qtbot, tmp_path):
    dialog = open_dialog(window, qtbot)
    assert window.findChild(type(window.generate_action), "batchFromList").text() == \
        "Batch from list…"
    sheet = tmp_path / "list.csv"
    sheet.write_text("prompt,seed,steps,flavour\n"
                     "a menu,1,4,\n"
                     ",2,,\n"
                     "a sign,two,,\n"
                     "a kite,3,,mint\n")
    assert dialog.load(str(sheet))
    assert dialog.table.rowCount() == 4
    assert not dialog.send_button.isEnabled()  # no model checked yet
    assert "Check the models" in dialog.summary.text() or "problems" in dialog.summary.text()
    assert dialog.targets.set_checked(QWEN)
    assert dialog.row_problems() == {
        3: "the prompt is empty", 4: "seed 'two' is not a whole number",
        5: "unknown setting 'flavour': none of the models has it"}
    assert "3 of 4 rows have problems" in dialog.summary.text()
    assert not dialog.send_button.isEnabled()
    sheet.write_text("prompt,seed,steps\na menu,1,4\na sign,2,500\n")
    dialog.load(str(sheet))
    assert "steps" in dialog.row_problems()[3]  # 500 is above Qwen-Image's 100
    sheet.write_text("prompt,seed,steps\na menu,1,4\na sign,2,8\n")
    dialog.load(str(sheet))
    assert dialog.row_problems() == {} and dialog.send_button.isEnabled()
    assert "2 rows × 1 model(s) = 2 jobs" in dialog.summary.text()
    assert dialog.table.isColumnHidden(COLUMNS.index("Image"))  # this list has none
    sheet.write_text(f"prompt,image\na menu,{tmp_path / 'frames' / 'menu.png'}\n")
    dialog.load(str(sheet))
    assert not dialog.table.isColumnHidden(COLUMNS.index("Image"))
    image = dialog.table.item(0, COLUMNS.index("Image"))
    assert image.text() == "menu.png"  # the file's name; its path in the tooltip
    assert image.toolTip() == str(tmp_path / "frames" / "menu.png")
    assert "at most 0 input image" in dialog.row_problems()[2]  # a text-to-image model
    assert not dialog.load(str(tmp_path / "missing.txt"))
    assert "cannot be read" in dialog.summary.text() and not dialog.send_button.isEnabled()
    assert window.session.studio.jobs() == []  # nothing was sent


def test_a_batch_runs_with_progress_and_shows_stacked_in_the_gallery(live_window, qtbot,
                                                                     tmp_path, ui_sandbox):
    window = live_window
    studio = window.session.studio
    set_faults(ui_sandbox, run_seconds=0.05)
    dialog = open_dialog(window, qtbot)
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("\n".join(f"a poster number {n}" for n in range(5)))
    assert dialog.load(str(prompts))
    assert dialog.targets.set_checked(QWEN) and dialog.targets.set_checked(FLUX)
    assert dialog.send_button.isEnabled()
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.progress.isVisible() and dialog.progress.maximum() == 10,
                    timeout=5000)
    qtbot.waitUntil(lambda: dialog.progress.value() == 10, timeout=30_000)
    assert dialog.progress.text() == "10 of 10 done"
    assert dialog.progress_label.text() == "10 succeeded"
    assert not dialog.cancel_all.isEnabled()
    batch_id = dialog.batch_sender.batch_id
    assert len(studio.batches.assets(batch_id)) == 10
    qtbot.mouseClick(dialog.gallery_button, Qt.MouseButton.LeftButton)
    assert window.tabs.currentWidget() is window.gallery
    assert window.gallery.group.currentData() == "batch"
    # The gallery shows the batch as one stack of its 10 outputs.
    qtbot.waitUntil(lambda: window.gallery.model.rowCount() == 1, timeout=5000)
    assert sorted(window.gallery.shown_asset_ids()) == sorted(studio.batches.assets(batch_id))


def test_cancel_all_cancels_every_job_of_the_batch(live_window, qtbot, tmp_path, ui_sandbox):
    window = live_window
    studio = window.session.studio
    set_faults(ui_sandbox, run_seconds=5.0)
    dialog = open_dialog(window, qtbot)
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("\n".join(f"slow {n}" for n in range(4)))
    dialog.load(str(prompts))
    assert dialog.targets.set_checked(QWEN)
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.batch_sender is not None and len(dialog.batch_sender.jobs) == 4
                    and not dialog.sending, timeout=5000)
    assert dialog.cancel_all.isEnabled()
    qtbot.mouseClick(dialog.cancel_all, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.progress.value() == 4, timeout=15_000)
    assert dialog.progress_label.text() == "0 succeeded, 4 cancelled"
    assert {studio.job(j.id).status for j in dialog.batch_sender.jobs} == {JobStatus.CANCELLED}
    assert not dialog.cancel_all.isEnabled()
