"""The mask editor: painting, erasing, shapes, invert, clear, feather, undo/redo, the
outpaint canvas, and saving (a mask asset, Compose set up for image + mask)."""

from __future__ import annotations

import numpy as np
import pytest
import shiboken6
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt

from studio.core.masks import Extension
from studio.providers.base import Mode
from studio.ui.mask import MaskEditor
from studio.ui.mask.canvas import Tool
from tests.ui.conftest import add_output, make_png

pytestmark = pytest.mark.gui


@pytest.fixture
def opened(qtbot):
    """Open editors, closed after the test unless saving closed (and deleted) them."""
    made: list[MaskEditor] = []

    def open_(session, asset_id, **kw) -> MaskEditor:
        editor = MaskEditor(session, asset_id, **kw)
        editor.show()
        qtbot.waitExposed(editor)
        made.append(editor)
        return editor

    yield open_
    for editor in made:
        if shiboken6.isValid(editor):
            editor.close()


@pytest.fixture
def editor(session, studio, opened):
    return opened(session, add_output(studio, color=(30, 90, 160)).id)  # 96x64


def stroke(editor, *points, erase=False):
    canvas = editor.canvas
    canvas.press(QPointF(*points[0]), erase)
    for p in points[1:]:
        canvas.drag(QPointF(*p))
    canvas.release(QPointF(*points[-1]))


def test_brush_paints_and_undo_redo_step_through_it(editor):
    editor.brush_size.setValue(20)  # a 10 px radius
    editor.hardness.setValue(100)
    assert editor.layer.coverage() == 0
    stroke(editor, (10, 32), (50, 32), (85, 32))
    mask = editor.layer.array()
    assert mask[32, 48] == 255 and mask[2, 48] == 0  # along the line, not above it
    painted = editor.layer.coverage()
    assert 0.2 < painted < 0.5
    assert editor.undo_button.isEnabled() and not editor.redo_button.isEnabled()
    editor.undo_button.click()
    assert editor.layer.coverage() == 0
    editor.redo_button.click()
    assert editor.layer.coverage() == pytest.approx(painted)


def test_soft_brush_fades_towards_its_edge(editor):
    editor.brush_size.setValue(40)
    editor.hardness.setValue(0)
    stroke(editor, (48, 32))
    mask = editor.layer.array()
    assert mask[32, 48] > 200 and 0 < mask[32, 48 + 15] < mask[32, 48 + 5]


def test_eraser_rectangle_lasso_invert_clear_and_feather(editor):
    layer = editor.layer
    editor.set_tool(Tool.RECTANGLE)
    stroke(editor, (0, 0), (48, 64))  # the left half
    mask = layer.array()
    assert mask[:, :47].min() == 255 and mask[:, 50:].max() == 0
    editor.set_tool(Tool.ERASER)
    editor.brush_size.setValue(10)
    editor.hardness.setValue(100)
    stroke(editor, (20, 10), (20, 50))
    assert layer.array()[30, 20] == 0 and layer.array()[30, 40] == 255
    editor.set_tool(Tool.LASSO)
    stroke(editor, (60, 10), (90, 10), (90, 50), (60, 50))
    assert layer.array()[30, 75] == 255
    stroke(editor, (65, 15), (85, 15), (85, 45), (65, 45), erase=True)  # right button
    assert layer.array()[30, 75] == 0
    before = layer.array()
    editor.invert_button.click()
    assert np.array_equal(layer.array(), 255 - before)
    editor.feather_radius.setValue(3)
    editor.feather_button.click()
    soft = layer.array()
    assert ((soft > 0) & (soft < 255)).any()  # edges now between keep and change
    editor.clear_button.click()
    assert layer.coverage() == 0
    for _ in range(3):  # clear, feather, invert: undone one by one
        editor.undo_button.click()
    assert np.array_equal(layer.array(), before)


def test_outpaint_extends_the_canvas_with_the_new_area_masked(editor):
    panel = editor.outpaint
    panel.spins["right"].setValue(32)
    assert editor.layer.rect().width() == 128 and editor.layer.rect().height() == 64
    mask = editor.layer.array()
    assert mask[:, 96:].min() == 255 and mask[:, :96].max() == 0
    panel.aspect.setCurrentText("16:9")
    panel.apply_button.click()  # 96x64 to 16:9 centred: 114 wide
    assert editor.layer.extension == Extension(left=9, right=9)
    assert editor.layer.rect().width() == 114
    editor.undo_button.click()  # the canvas steps merge into one undo
    assert editor.layer.extension.empty and panel.extension().empty
    assert editor.layer.rect().width() == 96


def test_saving_stores_the_mask_and_sets_up_an_inpaint(editor, session, studio, qtbot):
    editor.brush_size.setValue(20)
    stroke(editor, (20, 20), (70, 40))
    with qtbot.waitSignal(editor.saved, timeout=10_000) as got:
        editor.save_button.click()
    request = got.args[0]
    assert request.mode is Mode.INPAINT and request.image == f"asset:{editor.asset.id}"
    mask = studio.asset(request.mask.removeprefix("asset:"))
    assert mask is not None and (mask.width, mask.height) == (96, 64)
    with Image.open(mask.path) as saved:
        assert saved.mode == "L" and saved.getpixel((45, 30)) == 255
        assert saved.getpixel((2, 62)) == 0
    lineage = studio.lineage(mask.id)
    assert [e.node.asset_id for e in lineage.parents] == [editor.asset.id]


def test_saving_an_outpaint_makes_the_canvas_and_its_mask(session, studio, qtbot, tmp_path,
                                                           opened):
    image = studio.import_image(make_png(tmp_path / "wide.png", (200, 120, 40), (64, 48)))
    editor = opened(session, image.id, outpaint=True)
    editor.outpaint.spins["up"].setValue(16)
    with qtbot.waitSignal(editor.saved, timeout=10_000) as got:
        editor.save()
    request = got.args[0]
    assert request.mode is Mode.OUTPAINT
    assert request.source == f"asset:{image.id}" and request.extension == Extension(up=16)
    canvas = studio.asset(request.image.removeprefix("asset:"))
    assert (canvas.width, canvas.height) == (64, 64)
    mask = studio.asset(request.mask.removeprefix("asset:"))
    with Image.open(mask.path) as saved:
        assert saved.getpixel((30, 5)) == 255 and saved.getpixel((30, 40)) == 0


def test_an_empty_mask_is_not_saved(editor, session, qtbot):
    with qtbot.assertNotEmitted(editor.saved, wait=100):
        editor.save()
    assert not editor.saving


def test_a_2048_px_canvas_paints_a_stroke_without_a_whole_image_repaint(session, studio,
                                                                        tmp_path, opened):
    big = studio.import_image(make_png(tmp_path / "big.png", (90, 90, 90), (2048, 2048)))
    editor = opened(session, big.id)
    changed = []
    editor.layer.changed.connect(changed.append)
    editor.hardness.setValue(50)
    stroke(editor, (100, 100), (300, 120), (600, 200))
    assert changed and max(r.width() * r.height() for r in changed) < 2048 * 2048 / 8
    assert editor.layer.array()[110, 200] > 0
    assert editor.canvas.overlay.flags() & editor.canvas.overlay.GraphicsItemFlag.\
        ItemUsesExtendedStyleOption  # the overlay repaints only what was exposed


def test_the_mouse_paints_zooms_and_pans(editor, qtbot):
    from PySide6.QtTest import QTest

    canvas = editor.canvas
    editor.brush_size.setValue(16)
    centre = canvas.mapFromScene(QPointF(48, 32))
    QTest.mousePress(canvas.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    QTest.mouseMove(canvas.viewport(), centre + QPoint(20, 0))
    QTest.mouseRelease(canvas.viewport(), Qt.MouseButton.LeftButton, pos=centre + QPoint(20, 0))
    assert editor.layer.array()[32, 48] > 0
    assert editor.layer.undo.count() == 1
    zoom = canvas.zoom()
    canvas.zoom_by(2.0)
    assert canvas.zoom() == pytest.approx(zoom * 2) and not canvas.fitted
    editor.fit_button.click()
    assert canvas.fitted


def test_a_picture_that_cannot_be_read_gives_a_clear_error(window, qtbot, studio):
    asset = add_output(studio, color=(10, 10, 10))
    with open(asset.path, "wb") as broken:
        broken.write(b"not a png at all")
    toasts = []
    window.session.toast.connect(lambda level, text: toasts.append((level, text)))
    gallery = window.gallery
    window.tabs.setCurrentWidget(gallery)
    qtbot.waitUntil(lambda: gallery.model.rowCount() == 1)
    gallery.select_row(0)
    assert gallery.iterate.paint_mask() is None
    assert toasts and toasts[-1][0] == "error" and "could not be read" in toasts[-1][1]


def test_a_saved_mask_reopens_with_its_pixels_and_saves_a_new_child_mask(
        editor, session, studio, qtbot):
    from studio.ui.iterate.actions import AssetActions

    editor.brush_size.setValue(20)
    editor.hardness.setValue(100)
    stroke(editor, (10, 20), (40, 20))
    with qtbot.waitSignal(editor.saved, timeout=10_000) as got:
        editor.save_button.click()
    first_id = got.args[0].mask.removeprefix("asset:")
    first = studio.asset(first_id)
    with Image.open(first.path) as saved:
        saved_pixels = np.asarray(saved.convert("L"))

    actions = AssetActions(session, editor_parent(qtbot), lambda: [first_id])
    actions.update()
    assert actions.edit_mask_action.isEnabled()
    reopened = actions.edit_mask()
    assert reopened is not None
    qtbot.waitExposed(reopened)
    try:
        assert reopened.asset.id == editor_image(studio, first_id)  # the image underneath
        assert np.array_equal(reopened.layer.array(), saved_pixels)
        assert not reopened.undo_button.isEnabled()  # the loaded mask is the start, not an edit
        reopened.brush_size.setValue(20)
        reopened.hardness.setValue(100)
        stroke(reopened, (60, 50), (85, 50))
        with qtbot.waitSignal(reopened.saved, timeout=10_000) as got:
            reopened.save_button.click()
    finally:
        if shiboken6.isValid(reopened):
            reopened.close()
    request = got.args[0]
    assert request.mode is Mode.INPAINT
    second = studio.asset(request.mask.removeprefix("asset:"))
    assert second.id != first_id and second.sha256 != first.sha256
    with Image.open(second.path) as saved:
        pixels = np.asarray(saved.convert("L"))
    assert pixels[50, 72] == 255 and saved_pixels[50, 72] == 0  # the new stroke
    assert pixels[20, 25] == 255  # the old one kept
    parents = {(e.node.asset_id, e.role.value) for e in studio.lineage(second.id).parents}
    assert parents == {(request.image.removeprefix("asset:"), "source"), (first_id, "mask")}
    assert second.provenance["operation"]["edited_from"] == first_id


def editor_image(studio, mask_id):
    source = studio.mask_source(mask_id)
    return source.id if source is not None else None


def test_a_mask_of_another_size_is_scaled_into_the_editor_with_a_note(session, studio, qtbot,
                                                                      tmp_path, opened):
    image = studio.import_image(make_png(tmp_path / "pic.png", (90, 90, 90), (64, 48)))
    half = np.zeros((24, 32), np.uint8)
    half[:, :16] = 255  # the left half
    png = tmp_path / "half.png"
    Image.fromarray(half, "L").save(png)
    # a mask file of another size with no image under it (as the CLI stores a mask file
    # given without an image asset): it cannot be reopened on its own ...
    small = studio.iteration._store_mask(None, png.read_bytes())
    assert studio.mask_source(small.id) is None  # no image under it: cannot be reopened
    from studio.ui.mask import open_mask_editor
    assert open_mask_editor(session, small.id, editor_parent(qtbot), lambda s: None) is None

    # ... but opened over a picture it is scaled to the picture's size, with a note
    edited = opened(session, image.id, mask=small.id)
    assert "scaled" in edited.status.text() and "32×24" in edited.status.text()
    array = edited.layer.array()
    assert array.shape == (48, 64) and array[24, 5] == 255 and array[24, 60] == 0


def editor_parent(qtbot):
    from PySide6.QtWidgets import QWidget

    widget = QWidget()
    qtbot.addWidget(widget)
    return widget
