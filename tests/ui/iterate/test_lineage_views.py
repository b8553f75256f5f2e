"""Lineage in the Inspector (parents and children, a click selects them) and the
Gallery's "Show lineage…" window."""

from __future__ import annotations

import pytest

from studio.providers.base import Mode, RenderRequest
from studio.ui.iterate.lineage_view import JOB_ID
from tests.ui.conftest import add_output, run

pytestmark = pytest.mark.gui


def _family(studio, qtbot):
    """A source image, an upscale of it (a dry-run) and a painted mask over it."""
    import io

    from PIL import Image

    source = add_output(studio, prompt="a harbour", color=(10, 120, 200))
    upscale = run(qtbot, studio.submit(RenderRequest(
        provider="stability", model="upscale-fast", mode=Mode.UPSCALE,
        input_images=[f"asset:{source.id}"])))
    out = io.BytesIO()
    Image.new("L", (96, 64), 255).save(out, "PNG")
    mask = studio.save_mask(source.id, out.getvalue())
    return source, upscale, mask


def test_the_inspector_shows_parents_and_children_and_selects_them(window, qtbot, studio):
    source, upscale, mask = _family(studio, qtbot)
    gallery = window.gallery
    window.tabs.setCurrentWidget(gallery)
    qtbot.waitUntil(lambda: gallery.model.row_of(source.id) >= 0)
    gallery.select_row(gallery.model.row_of(source.id))
    inspector = window.inspector.inspector
    tree = inspector.lineage
    qtbot.waitUntil(lambda: tree.count() == 2)
    assert inspector.lineage_heading.isVisibleTo(inspector)
    heads = [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]
    assert heads == ["Used by (2)"]
    children = tree.topLevelItem(0)
    texts = [children.child(i).text(0) for i in range(children.childCount())]
    assert any(t.startswith("input · ") and "upscale (dry-run, no output)" in t
               for t in texts)  # a dry-run made nothing yet: the job stands for it
    assert any(t.startswith("source · painted mask") for t in texts)
    [mask_row] = tree.items_for(mask.id)
    tree.itemClicked.emit(mask_row, 0)  # a click selects that output
    qtbot.waitUntil(lambda: inspector.asset is not None and inspector.asset.id == mask.id)
    assert [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())] == [
        "Made from (1)"]
    [back] = tree.items_for(source.id)
    tree.itemClicked.emit(back, 0)
    qtbot.waitUntil(lambda: inspector.asset.id == source.id)
    assert gallery.view.currentIndex().row() == gallery.model.row_of(source.id)
    children = tree.topLevelItem(0)
    [job_row] = [children.child(i) for i in range(children.childCount())
                 if children.child(i).data(0, JOB_ID) == upscale.id]
    with qtbot.waitSignal(window.session.jobSelected) as chosen:
        tree.itemClicked.emit(job_row, 0)
    assert chosen.args == [upscale.id]


def test_gallery_show_lineage_opens_the_tree(window, qtbot, studio):
    source, _upscale, mask = _family(studio, qtbot)
    gallery = window.gallery
    window.tabs.setCurrentWidget(gallery)
    qtbot.waitUntil(lambda: gallery.model.row_of(source.id) >= 0)
    gallery.select_row(gallery.model.row_of(source.id))
    lineage = next(a for a in gallery.view.actions() if a.objectName() == "iterateLineage")
    assert lineage.isEnabled()
    lineage.trigger()
    dialog = gallery.iterate.dialog
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible())
    assert dialog.tree.count() == 2 and dialog.tree.items_for(mask.id)
    assert dialog.note.isHidden()
    dialog.close()
    lonely = add_output(studio, prompt="alone", color=(1, 2, 3))
    qtbot.waitUntil(lambda: gallery.model.row_of(lonely.id) >= 0)
    gallery.select_row(gallery.model.row_of(lonely.id))
    alone = gallery.iterate.show_lineage()
    assert alone.tree.count() == 0 and alone.note.isVisibleTo(alone)
    alone.close()
