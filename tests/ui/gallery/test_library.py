"""The gallery as a library: boards by drag and drop, Delete to a Trash that can be undone
or emptied (files included), stacks by fan-out, sorting by rating and cost, dragging out
as files and copying the picture."""

import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from studio.ui.gallery.boards import BOARD, TRASH
from studio.ui.gallery.model import ASSET_IDS_MIME, ID_ROLE, STACK_ROLE
from tests.ui.conftest import add_output

pytestmark = pytest.mark.gui


@pytest.fixture
def outputs(studio):
    now = time.time()
    made = [add_output(studio, prompt=f"picture {i}", created_at=now - 30 + i,
                       color=(40 * i, 90, 160)) for i in range(4)]
    for asset in made[1:3]:  # two of them came from one fan-out
        studio.store.update_job(asset.job_id, compare_group="fan1")
    return made  # oldest first


def gallery(window, qtbot, n=4):
    window.tabs.setCurrentWidget(window.gallery)
    qtbot.waitUntil(lambda: window.gallery.model.rowCount() == n)
    return window.gallery


def ids(g) -> list[str]:
    return g.model.ids()


def test_boards_by_drag_and_drop(window, qtbot, studio, outputs):
    g = gallery(window, qtbot)
    g.boards.create_board("Coast")
    board = studio.library.boards()[0]
    assert g.boards.place() == (BOARD, board.id)  # the new board is open, empty
    assert g.stack.currentWidget() is g.empty and "drag outputs" in g.empty.text()
    g.show_place()
    rows = [ids(g).index(outputs[0].id), ids(g).index(outputs[3].id)]
    mime = g.model.mimeData([g.model.index(r) for r in rows])
    # Out to the file manager: the files themselves; onto a board: the ids.
    assert {Path(u.toLocalFile()) for u in mime.urls()} == {Path(outputs[0].path),
                                                             Path(outputs[3].path)}
    target = g.boards.model.index(g.boards.model.row_of(BOARD, board.id))
    assert g.boards.model.canDropMimeData(mime, Qt.DropAction.CopyAction, -1, -1, target)
    all_row = g.boards.model.index(0)
    assert not g.boards.model.canDropMimeData(mime, Qt.DropAction.CopyAction, -1, -1, all_row)
    assert g.boards.model.dropMimeData(mime, Qt.DropAction.CopyAction, -1, -1, target)
    assert any("Added 2 outputs to “Coast”" in t for t in window.toasts.visible_texts())
    row = g.boards.model.row_of(BOARD, board.id)
    qtbot.waitUntil(lambda: g.boards.model.index(row).data() == "Coast (2)")
    g.show_place(BOARD, board.id)
    qtbot.waitUntil(lambda: set(ids(g)) == {outputs[0].id, outputs[3].id})
    g.select_row(0)
    g.library.unboard_action.trigger()
    qtbot.waitUntil(lambda: len(ids(g)) == 1)


def test_delete_moves_to_the_trash_undo_restore_and_empty(window, qtbot, studio, outputs):
    g = gallery(window, qtbot)
    g.view.setFocus()
    g.select_row(ids(g).index(outputs[0].id))
    qtbot.keyClick(g.view, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: len(ids(g)) == 3)
    assert Path(outputs[0].path).exists()  # hidden, not deleted
    qtbot.keyClick(g.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(ids(g)) == 4)
    g.select_row(ids(g).index(outputs[0].id))
    qtbot.keyClick(g.view, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: len(ids(g)) == 3)
    g.show_place(TRASH)
    qtbot.waitUntil(lambda: ids(g) == [outputs[0].id])
    assert g.restore_button.isVisible() and g.empty_trash_button.isEnabled()
    assert not g.library.trash_action.isVisible() and g.library.restore_action.isVisible()
    box = g.library.ask_empty_trash()
    assert "Delete 1 output and its files" in box.text()
    delete = next(b for b in box.buttons()
                  if box.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole)
    delete.click()
    qtbot.waitUntil(lambda: ids(g) == [])
    assert not Path(outputs[0].path).exists() and studio.store.get_asset(outputs[0].id) is None
    assert g.empty.text().startswith("The Trash is empty")
    g.show_place()
    qtbot.waitUntil(lambda: len(ids(g)) == 3)


def test_stacks_by_fan_out_open_to_their_outputs(window, qtbot, outputs):
    g = gallery(window, qtbot)
    g.group.setCurrentIndex(g.group.findData("fanout"))
    qtbot.waitUntil(lambda: g.model.rowCount() == 3)
    assert g.count.text() == "3 stacks"
    stacks = [g.model.index(r).data(STACK_ROLE) for r in range(3)]
    fan = next(r for r, s in enumerate(stacks) if s.count == 2)
    assert stacks[fan].key == "fan1"
    g.view.grab()  # the "2 outputs" badge paints
    g.select_row(fan)
    assert set(g.selected_asset_ids()) == {outputs[1].id, outputs[2].id}
    g.view.setFocus()
    qtbot.keyClick(g.view, Qt.Key.Key_Return)  # a stack opens to its outputs
    qtbot.waitUntil(lambda: set(ids(g)) == {outputs[1].id, outputs[2].id})
    assert g.back_button.isVisible() and "2 outputs" in g.stack_label.text()
    g.back_button.click()
    qtbot.waitUntil(lambda: g.model.rowCount() == 3)


def test_sort_by_rating_and_cost(window, qtbot, studio, outputs):
    g = gallery(window, qtbot)
    studio.store.set_rating(outputs[1].id, 5)
    studio.store.set_rating(outputs[2].id, 3)
    studio.store.update_job(outputs[3].job_id, estimate={"usd": 0.5})
    g.sort.setCurrentIndex(g.sort.findData("rating"))
    qtbot.waitUntil(lambda: ids(g)[:2] == [outputs[1].id, outputs[2].id])
    g.sort.setCurrentIndex(g.sort.findData("cost_high"))
    qtbot.waitUntil(lambda: ids(g)[0] == outputs[3].id)
    # Export offers exactly what is shown, in that order.
    dialog = window.open_export()
    choice = dialog.source.itemData(dialog.source.count() - 1)
    assert list(choice.source.asset_ids) == ids(g)
    dialog.reject()


def test_copy_puts_the_picture_and_its_file_on_the_clipboard(window, qtbot, outputs):
    g = gallery(window, qtbot)
    g.view.setFocus()
    g.select_row(0)
    qtbot.keyClick(g.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    clipboard = QGuiApplication.clipboard()
    asset_id = g.model.index(0).data(ID_ROLE)
    path = next(a.path for a in outputs if a.id == asset_id)
    qtbot.waitUntil(lambda: not clipboard.image().isNull(), timeout=5000)
    assert clipboard.image().width() == 96
    assert [Path(u.toLocalFile()) for u in clipboard.mimeData().urls()] == [Path(path)]
    assert bytes(g.model.mimeData([g.model.index(0)]).data(ASSET_IDS_MIME)).decode() == \
        asset_id
