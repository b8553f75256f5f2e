"""Outputs become inputs from every view (context menus, drags, the clipboard), and so do
files, pictures from other apps and https:// URLs dropped or pasted on Compose. Compose
shows them with their roles, reorders and removes them, and marks the models that cannot
take them, with why, on their panels and in the picker."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication

from studio.providers.base import Mode, Role
from studio.ui.widgets import BADGES
from tests.ui.conftest import add_output, make_png

pytestmark = pytest.mark.gui

PHOTON = ("luma", "photon-1")  # 1 input image + up to 3 references in img2img
KLING = ("fal", "fal-ai/kling-video/v2.1/pro/image-to-video")  # start and end frames
CORE = ("stability", "core")  # text only


def _gallery(window, qtbot, n: int):
    window.tabs.setCurrentWidget(window.gallery)
    gallery = window.gallery
    qtbot.waitUntil(lambda: gallery.model.rowCount() == n)
    return gallery


def _action(view, name: str):
    found = [a for a in view.actions() if a.objectName() == name]
    assert found, name
    return found[0]


def _drop(widget, mime: QMimeData) -> bool:
    """What the window system sends when something is dropped on the widget."""
    pos = QPoint(10, 10)
    enter = QDragEnterEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    if not enter.isAccepted():
        return False
    drop = QDropEvent(QPointF(pos), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)
    return drop.isAccepted()


def test_gallery_menu_sends_outputs_to_compose_in_each_role(window, qtbot, studio):
    fox = add_output(studio, prompt="a fox", color=(200, 40, 40), created_at=1000.0)
    sea = add_output(studio, prompt="the sea", color=(20, 80, 200), created_at=2000.0)
    clip = add_output(studio, model="fal-ai/wan-t2v", prompt="waves", video=True,
                      created_at=3000.0)
    gallery = _gallery(window, qtbot, 3)
    compose = window.compose
    compose.targets.set_checked(PHOTON)
    gallery.select_row(gallery.model.row_of(fox.id))
    _action(gallery.view, "iterateUseInput").trigger()
    assert window.tabs.currentWidget() is compose
    window.tabs.setCurrentWidget(gallery)
    gallery.select_row(gallery.model.row_of(sea.id))
    _action(gallery.view, "iterateAddReference").trigger()
    chosen = compose.images.chosen()
    assert [(c.ref, c.role) for c in chosen] == [(f"asset:{fox.id}", Role.INPUT),
                                                  (f"asset:{sea.id}", Role.REFERENCE)]
    assert compose.images.list.item(1).text() == "reference"
    request = compose.build_request(compose.panels[PHOTON])
    assert request.mode is Mode.IMG2IMG
    assert request.input_images == [f"asset:{fox.id}", f"asset:{sea.id}"]
    gallery.select_row(gallery.model.row_of(clip.id))  # a video is no input image
    assert not _action(gallery.view, "iterateStartFrame").isEnabled()
    assert "save a frame" in _action(gallery.view, "iterateStartFrame").toolTip()
    assert _action(gallery.view, "iterateVary").isEnabled()


def test_start_and_end_frames_and_what_a_model_cannot_take(window, qtbot, studio):
    first = add_output(studio, color=(250, 200, 10), created_at=1000.0)
    last = add_output(studio, color=(90, 20, 120), created_at=2000.0)
    gallery = _gallery(window, qtbot, 2)
    compose = window.compose
    for target in (KLING, CORE):
        compose.targets.set_checked(target)
    gallery.select_row(gallery.model.row_of(last.id))
    _action(gallery.view, "iterateEndFrame").trigger()
    gallery.select_row(gallery.model.row_of(first.id))
    _action(gallery.view, "iterateStartFrame").trigger()
    kling, core = compose.panels[KLING], compose.panels[CORE]
    assert compose.build_request(kling).input_images == [f"asset:{first.id}",
                                                         f"asset:{last.id}"]
    assert kling.input_notes.isHidden()
    assert core.input_notes.isVisible()
    assert "takes no start frame in txt2img mode" in core.input_notes.text()
    assert compose.build_request(core).input_images == []
    picker = compose.targets
    index = picker.index_of(*CORE)
    assert "cannot" in (index.data(BADGES) or [])  # a "can't use inputs" pill
    assert "Cannot use the chosen inputs" in index.data(Qt.ItemDataRole.ToolTipRole)
    assert "cannot" not in (picker.index_of(*KLING).data(BADGES) or [])
    compose.images.list.selectAll()
    compose.images.remove_selected()  # removable: the marks go with them
    assert core.input_notes.isHidden() and not compose.targets.model.marks


def test_reorder_roles_and_the_reference_limit(window, qtbot, studio):
    outputs = [add_output(studio, color=(40 * i, 90, 60), created_at=1000.0 + i)
               for i in range(5)]
    compose = window.compose
    compose.targets.set_checked(PHOTON)
    images = compose.images
    images.add([f"asset:{outputs[0].id}"], Role.INPUT)
    images.add([f"asset:{o.id}" for o in outputs[1:]], Role.REFERENCE)
    panel = compose.panels[PHOTON]
    request = compose.build_request(panel)
    assert request.input_images == [f"asset:{o.id}" for o in outputs[:4]]
    assert "Photon takes at most 3 references" in panel.input_notes.text()
    images.move_input(4, -4)  # the last reference first: the keyboard's drag
    assert images.refs()[0] == f"asset:{outputs[4].id}"
    assert compose.build_request(panel).input_images[0] == f"asset:{outputs[0].id}"
    images.set_role(2, Role.INPUT)  # now two input images: Photon takes one
    assert "Photon takes at most 1 input" in panel.input_notes.text()
    strip = images.list
    strip.setCurrentRow(2)
    strip.item(2).setSelected(True)
    mime = strip.mimeData([strip.item(2)])
    drop = QDropEvent(QPointF(strip.visualItemRect(strip.item(0)).center()),
                      Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    moved = images.refs()[2]
    drop.setDropAction(Qt.DropAction.MoveAction)
    strip.dropEvent(_from(drop, strip))  # a drag inside the strip moves, never copies
    assert images.refs()[0] == moved and len(images.refs()) == 5


class _Internal(QDropEvent):
    """A drop whose source is the strip itself (what Qt reports for an internal drag)."""

    def __init__(self, event: QDropEvent, source) -> None:
        super().__init__(event.position(), event.possibleActions(), event.mimeData(),
                         event.buttons(), event.modifiers())
        self._source = source

    def source(self):
        return self._source


def _from(event: QDropEvent, source) -> QDropEvent:
    return _Internal(event, source)


def test_drops_and_pastes_from_views_files_apps_and_urls(window, qtbot, studio, tmp_path):
    fox = add_output(studio, color=(200, 40, 40))
    gallery = _gallery(window, qtbot, 1)
    compose = window.compose
    compose.targets.set_checked(PHOTON)
    images = compose.images
    mime = gallery.model.mimeData([gallery.model.index(0)])  # what a gallery drag carries
    assert _drop(compose, mime)
    assert images.refs() == [f"asset:{fox.id}"]
    images.set_paths([])
    gallery.select_row(0)
    gallery.library.copy_selected()  # Ctrl+C in the gallery
    assert images.paste()
    assert images.refs() == [f"asset:{fox.id}"]
    picture = make_png(tmp_path / "from-disk.png", (10, 200, 10))
    files = QMimeData()
    files.setUrls([QUrl.fromLocalFile(str(picture))])
    assert _drop(compose, files)
    assert images.refs()[-1] == str(picture)
    data = QMimeData()
    pixels = QImage(40, 30, QImage.Format.Format_RGB32)
    pixels.fill(Qt.GlobalColor.magenta)
    data.setImageData(pixels)  # a browser or an image editor drags pixels, not a file
    before = set(studio.asset_ids(mode="import"))
    assert _drop(compose, data)
    imported = set(studio.asset_ids(mode="import")) - before
    assert len(imported) == 1 and images.refs()[-1] == f"asset:{imported.pop()}"
    link = QMimeData()
    link.setUrls([QUrl("https://example.com/photos/cat.png")])
    assert _drop(compose, link)
    assert images.refs()[-1] == "https://example.com/photos/cat.png"
    QGuiApplication.clipboard().setText("https://example.com/dog.webp")
    assert images.paste()
    assert images.add_url("https://example.com/typed.jpg")
    assert images.refs()[-2:] == ["https://example.com/dog.webp",
                                  "https://example.com/typed.jpg"]
    toasts = []
    window.session.toast.connect(lambda level, text: toasts.append(text))
    assert not images.add_url("http://example.com/plain.png")
    assert toasts and "https://" in toasts[-1]
    nothing = QMimeData()
    nothing.setText("no picture here")
    assert not _drop(compose, nothing)


def test_viewer_compare_and_inspector_send_outputs_too(window, qtbot, studio, monkeypatch):
    fox = add_output(studio, color=(200, 40, 40))
    gallery = _gallery(window, qtbot, 1)
    viewer = window.open_viewer(0)
    qtbot.waitExposed(viewer)
    viewer.iterate.update()
    viewer.iterate.uses[Role.REFERENCE].trigger()
    compose = window.compose
    assert [(c.ref, c.role) for c in compose.images.chosen()] == [(f"asset:{fox.id}",
                                                                    Role.REFERENCE)]
    started = []
    monkeypatch.setattr("studio.ui.iterate.drag.QDrag.exec",
                        lambda self, *a: started.append(self.mimeData()) or
                        Qt.DropAction.CopyAction)
    viewer.drag.start()  # the handle's press-and-move
    assert bytes(started[-1].data("application/x-provider-studio-assets")).decode() == fox.id
    viewer.close()
    gallery.select_row(0)
    inspector = window.inspector.inspector
    qtbot.waitUntil(lambda: inspector.pictured is not None)
    compose.images.set_paths([])
    inspector.iterate.uses[Role.INPUT].trigger()
    assert compose.images.refs() == [f"asset:{fox.id}"]
    inspector.drag.start()
    assert started[-1].urls()[0].toLocalFile() == fox.path


def test_compare_cells_drag_and_menu_but_never_a_blind_one(window, qtbot, studio):
    from studio.core.compare.adapt import Brief
    from studio.core.compare.adapt import Target as CompareTarget
    from tests.ui.conftest import run

    group = run(qtbot, studio.compare.create(
        Brief(prompt="a lighthouse"),
        [CompareTarget(provider="fal", model="fal-ai/flux/dev"),
         CompareTarget(provider="stability", model="core")]))
    asset = add_output(studio, color=(120, 120, 20))
    job_id = group.cells[0].job_id
    with studio.store.transaction() as db:  # the first cell's job made this output
        db.execute("UPDATE assets SET job_id=? WHERE id=?", (job_id, asset.id))
    tab = window.compare
    tab.focus_group(group.id)
    qtbot.waitUntil(lambda: tab.cells.rowCount() == 2)
    tab.reload_group()
    row = next(r for r in range(2) if tab.cells.info(r).asset is not None)
    index = tab.cells.index(row)
    assert tab.cells.flags(index) & Qt.ItemFlag.ItemIsDragEnabled
    mime = tab.cells.mimeData([index])
    assert _drop(window.compose, mime)
    assert window.compose.images.refs() == [f"asset:{asset.id}"]
    tab.grid.setCurrentIndex(index)
    menu = tab._cell_menu(tab.grid.visualRect(index).center())
    assert menu is not None and any(a.objectName() == "iterateAddReference"
                                    for a in menu.actions())
    menu.close()
    tab.cells.set_group(tab.group, hidden=True)  # a blind round hides who made what
    assert tab.cells.asset_ids_for([row]) == []
    assert not tab.cells.flags(tab.cells.index(row)) & Qt.ItemFlag.ItemIsDragEnabled


def test_a_new_image_gets_the_role_most_checked_models_take_next(window, qtbot, studio,
                                                                 tmp_path):
    compose = window.compose
    images = compose.images
    picture = str(make_png(tmp_path / "in.png", (10, 200, 10)))
    other = str(make_png(tmp_path / "ref.png", (200, 10, 10)))
    for target in (("fal", "fal-ai/flux/dev"), ("fal", "fal-ai/flux/dev/image-to-image"),
                   ("stability", "ultra")):
        compose.targets.set_checked(target)
    images.add_paths([picture])  # text-only FLUX takes none; the other two: an input
    assert images.chosen()[0].role is Role.INPUT
    compose.targets.clear_checked()
    compose.targets.set_checked(KLING)
    images.set_paths([])
    images.add_paths([picture, other])  # a video model: its frames
    assert [c.role for c in images.chosen()] == [Role.START_FRAME, Role.END_FRAME]


def test_ctrl_v_on_compose_pastes_outputs_but_leaves_text_boxes_alone(window, qtbot, studio):
    from studio.ui.iterate import copy_assets

    fox = add_output(studio, color=(200, 40, 40))
    compose = window.compose
    window.tabs.setCurrentWidget(compose)
    copy_assets(studio, [fox.id])
    compose.targets.view.setFocus()
    qtbot.waitUntil(compose.targets.view.hasFocus)
    qtbot.keyClick(compose.targets.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert compose.images.refs() == [f"asset:{fox.id}"]
    compose.images.set_paths([])
    QGuiApplication.clipboard().setText("just words")
    compose.prompt.setFocus()
    qtbot.waitUntil(compose.prompt.hasFocus)
    qtbot.keyClick(compose.prompt, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert compose.prompt.toPlainText() == "just words" and compose.images.refs() == []
