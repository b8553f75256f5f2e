"""A saved mask sets Compose up: image + mask for models that fill a mask; for outpaint,
the extended canvas + mask for those, and the original picture with its own left/right/
up/down fields for Stability and Firefly. Sent, the job's parents are the image and the
mask."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF

from studio.core.jobs import JobStatus
from studio.providers.base import Mode, Role
from tests.ui.conftest import add_output

pytestmark = pytest.mark.gui

FILL = ("fal", "fal-ai/flux-pro/v1/fill")
STABILITY_INPAINT = ("stability", "inpaint")
STABILITY_OUTPAINT = ("stability", "outpaint")
ULTRA = ("stability", "ultra")


def _open_editor(window, qtbot, asset_id: str, outpaint: bool = False):
    gallery = window.gallery
    window.tabs.setCurrentWidget(gallery)
    qtbot.waitUntil(lambda: gallery.model.row_of(asset_id) >= 0)
    gallery.select_row(gallery.model.row_of(asset_id))
    editor = gallery.iterate.paint_mask(outpaint)
    qtbot.waitExposed(editor)
    return editor


def test_an_inpaint_mask_sets_up_compose_and_the_job_records_both_parents(window, qtbot,
                                                                          studio):
    fox = add_output(studio, prompt="a red fox", color=(200, 40, 40))
    editor = _open_editor(window, qtbot, fox.id)
    editor.brush_size.setValue(24)
    editor.canvas.press(QPointF(30, 30))
    editor.canvas.drag(QPointF(60, 34))
    editor.canvas.release(QPointF(60, 34))
    editor.save()
    compose = window.compose
    qtbot.waitUntil(lambda: compose.images.mask_ref is not None, timeout=10_000)
    assert window.tabs.currentWidget() is compose
    images = compose.images
    assert images.mode() is Mode.INPAINT and images.mask_chip.isVisible()
    assert [(c.ref, c.role) for c in images.chosen()] == [(f"asset:{fox.id}", Role.INPUT)]
    for target in (FILL, STABILITY_INPAINT, ULTRA):
        compose.targets.set_checked(target)
    qtbot.keyClicks(compose.prompt, "a red boat")
    compose.revalidate()
    request = compose.build_request(compose.panels[FILL])
    assert (request.mode, request.input_images, request.mask) == (
        Mode.INPAINT, [f"asset:{fox.id}"], images.mask_ref)
    ultra = compose.panels[ULTRA]
    assert "Stable Image Ultra has no inpaint mode" in ultra.input_notes.text()
    compose.targets.set_checked(ULTRA, False)
    compose.revalidate()
    assert compose.generate_button.isEnabled(), compose.reason.text()
    compose.generate()
    qtbot.waitUntil(lambda: studio.store.count_jobs() == 4, timeout=10_000)  # + mask + 2
    jobs = [j for j in studio.jobs(limit=2)]
    assert {j.model for j in jobs} == {FILL[1], STABILITY_INPAINT[1]}
    mask_id = images.mask_ref.removeprefix("asset:")
    for job in jobs:
        assert job.status is JobStatus.DRY_RUN and job.mode == "inpaint"
        parents = {(p.asset_id, p.role) for p in studio.lineage_records.parents(job.id)}
        assert parents == {(fox.id, Role.INPUT), (mask_id, Role.MASK)}


def test_an_outpaint_sends_each_model_what_it_takes(window, qtbot, studio):
    sea = add_output(studio, prompt="the sea", color=(20, 80, 200))  # 96x64
    editor = _open_editor(window, qtbot, sea.id, outpaint=True)
    editor.outpaint.spins["left"].setValue(32)
    editor.outpaint.spins["down"].setValue(16)
    editor.save()
    compose = window.compose
    qtbot.waitUntil(lambda: compose.images.mask_ref is not None, timeout=10_000)
    images = compose.images
    assert images.mode() is Mode.OUTPAINT
    canvas_id = images.refs()[0].removeprefix("asset:")
    canvas = studio.asset(canvas_id)
    assert (canvas.width, canvas.height) == (128, 80)
    for target in (FILL, STABILITY_OUTPAINT):
        compose.targets.set_checked(target)
    fill = compose.build_request(compose.panels[FILL])
    assert (fill.input_images, fill.mask) == ([f"asset:{canvas_id}"], images.mask_ref)
    own = compose.build_request(compose.panels[STABILITY_OUTPAINT])
    assert own.input_images == [f"asset:{sea.id}"] and own.mask is None
    assert {k: own.params[k] for k in ("left", "right", "up", "down")} == {
        "left": 32, "right": 0, "up": 0, "down": 16}
    assert compose.panels[STABILITY_OUTPAINT].input_notes.isHidden()
    images.set_mask(None)  # removing the mask ends the outpaint set-up
    assert images.outpaint is None and not images.mask_chip.isVisible()


def test_compose_mask_chip_edits_the_mask_into_a_new_one_with_lineage(window, qtbot, studio):
    import numpy as np
    import shiboken6
    from PIL import Image
    from PySide6.QtCore import QPoint

    fox = add_output(studio, prompt="a red fox", color=(200, 40, 40))
    editor = _open_editor(window, qtbot, fox.id)
    editor.brush_size.setValue(16)
    editor.canvas.press(QPointF(20, 20))
    editor.canvas.release(QPointF(20, 20))
    editor.save()
    images = window.compose.images
    qtbot.waitUntil(lambda: images.mask_ref is not None, timeout=10_000)
    old_ref = images.mask_ref
    menu = images._mask_menu(QPoint(2, 2))
    assert images.edit_mask_action.isEnabled()
    menu.close()
    images.edit_mask_action.trigger()
    reopened = window.compose.mask_editor
    assert reopened is not None and reopened.asset.id == fox.id
    qtbot.waitExposed(reopened)
    with Image.open(studio.asset(old_ref.removeprefix("asset:")).path) as saved:
        assert np.array_equal(reopened.layer.array(), np.asarray(saved.convert("L")))
    reopened.canvas.press(QPointF(70, 45))
    reopened.canvas.release(QPointF(70, 45))
    reopened.save()
    qtbot.waitUntil(lambda: images.mask_ref != old_ref, timeout=10_000)
    assert not shiboken6.isValid(reopened) or not reopened.isVisible()
    assert [(c.ref, c.role) for c in images.chosen()] == [(f"asset:{fox.id}", Role.INPUT)]
    assert images.mode() is Mode.INPAINT
    new_id = images.mask_ref.removeprefix("asset:")
    parents = {(e.node.asset_id, e.role) for e in studio.lineage(new_id).parents}
    assert parents == {(fox.id, Role.SOURCE), (old_ref.removeprefix("asset:"), Role.MASK)}


def test_the_gallery_lists_masks_under_their_mode_and_edits_one(window, qtbot, studio):
    fox = add_output(studio, prompt="a red fox", color=(200, 40, 40))
    editor = _open_editor(window, qtbot, fox.id)
    editor.canvas.press(QPointF(20, 20))
    editor.canvas.release(QPointF(20, 20))
    editor.save()
    qtbot.waitUntil(lambda: window.compose.images.mask_ref is not None, timeout=10_000)
    mask_id = window.compose.images.mask_ref.removeprefix("asset:")
    gallery = window.gallery
    window.tabs.setCurrentWidget(gallery)
    assert gallery.model.row_of(mask_id) < 0  # hidden among the outputs
    gallery.mode.setCurrentIndex(gallery.mode.findData("mask"))
    qtbot.waitUntil(lambda: gallery.model.row_of(mask_id) >= 0, timeout=10_000)
    gallery.select_row(gallery.model.row_of(mask_id))
    gallery.iterate.update()
    assert gallery.iterate.edit_mask_action.isEnabled()
    reopened = gallery.iterate.edit_mask()
    qtbot.waitExposed(reopened)
    assert reopened.asset.id == fox.id and reopened.edited.id == mask_id
    assert reopened.layer.coverage() > 0
    reopened.close()
    gallery.mode.setCurrentIndex(0)
    qtbot.waitUntil(lambda: gallery.model.row_of(fox.id) >= 0, timeout=10_000)
    gallery.select_row(gallery.model.row_of(fox.id))
    gallery.iterate.update()
    assert not gallery.iterate.edit_mask_action.isEnabled()  # an output is not a mask
