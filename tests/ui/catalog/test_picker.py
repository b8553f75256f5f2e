"""The one model picker (Providers dock, Compose "Send to", New compare): search, "can do"
filter, favourites and recently used (kept in preferences), names never cut short."""

import pytest
from PySide6.QtCore import Qt

from studio.ui.catalog.tree_model import FAVOURITE, NAME, NODE_ROLE
from tests.ui.conftest import run

pytestmark = pytest.mark.gui

DEV = ("fal", "fal-ai/flux/dev")


def shown_models(picker) -> list[tuple[str, str]]:
    out = []
    proxy = picker.proxy
    for r in range(proxy.rowCount()):
        top = proxy.index(r, 0)
        out += [proxy.index(c, 0, top).data(NODE_ROLE).target for c in range(proxy.rowCount(top))]
    return out


def test_the_three_places_share_one_picker(window):
    from studio.ui.catalog import ModelPicker

    pickers = [window.catalog.picker, window.compose.targets, window.compare.brief_panel.targets]
    assert all(isinstance(p, ModelPicker) for p in pickers)
    assert not pickers[0].model.checkable and pickers[1].model.checkable


def test_search_and_what_a_model_can_do(window, qtbot, studio):
    picker = window.compose.targets
    qtbot.keyClicks(picker.search, "flux dev")
    found = shown_models(picker)
    assert DEV in found and all("flux" in m.lower() for _, m in found)
    picker.search.clear()
    video = picker.capability.findData("video")
    picker.capability.setCurrentIndex(video)
    kinds = {studio.providers[p].models[m].kind.value for p, m in shown_models(picker)}
    assert kinds == {"video"}
    labels = [picker.capability.itemText(i) for i in range(picker.capability.count())]
    assert not any("no models yet" in label for label in labels)  # edit models exist now
    for key, modes in (("inpaint", {"inpaint", "outpaint"}), ("upscale", {"upscale"}),
                       ("remove_background", {"remove_background"})):
        picker.capability.setCurrentIndex(picker.capability.findData(key))
        assert picker.stack.currentWidget() is picker.view
        found = shown_models(picker)
        expected = {(p, m) for p, prov in studio.providers.items()
                    for m, model in prov.models.items() if modes & {x.value for x in model.modes}}
        assert found and set(found) == expected
    picker.capability.setCurrentIndex(0)
    assert picker.stack.currentWidget() is picker.view


def test_keyboard_from_search_to_a_checked_model(window, qtbot):
    compose = window.compose
    picker = compose.targets
    picker.search.setFocus()
    qtbot.keyClicks(picker.search, "schnell")
    qtbot.keyClick(picker.search, Qt.Key.Key_Down)
    assert picker.view.hasFocus()
    node = picker.current_node()
    assert node.model is not None and "schnell" in node.model.id
    qtbot.keyClick(picker.view, Qt.Key.Key_Space)
    assert node.target in picker.checked() and node.target in compose.panels


def test_favourites_are_kept_and_shown_everywhere(window, qtbot, studio):
    dock = window.catalog.picker
    star = dock.index_of(*DEV).siblingAtColumn(FAVOURITE)
    assert star.data() == "☆"
    rect = dock.view.visualRect(star)
    qtbot.mouseClick(dock.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert studio.preferences().favourites == ["fal:fal-ai/flux/dev"]
    for picker in (dock, window.compose.targets, window.compare.brief_panel.targets):
        section = picker.proxy.index(0, 0)
        assert section.data().startswith("★ Favourites (1)")
        assert picker.proxy.index(0, NAME, section).data() == "fal.ai · FLUX.1 [dev]"
    # Checking it in the favourites checks the same model under its provider.
    compose = window.compose.targets
    fav = compose.proxy.index(0, NAME, compose.proxy.index(0, 0))
    compose.proxy.setData(fav, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert compose.index_of(*DEV).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert DEV in window.compose.panels
    compose.favourites_only.setChecked(True)
    assert shown_models(compose) == [DEV]
    dock.view.setCurrentIndex(dock.index_of(*DEV))
    dock.view.setFocus()
    qtbot.keyClick(dock.view, Qt.Key.Key_Asterisk)  # * toggles it back off
    assert studio.preferences().favourites == []
    assert compose.empty.text().startswith("No favourites yet")


def test_models_sent_to_are_recently_used(window, qtbot, studio):
    compose = window.compose
    compose.prompt.setPlainText("a fox")
    compose.targets.set_checked(DEV)
    compose.revalidate()
    run(qtbot, compose._generate())
    assert studio.preferences().recent == ["fal:fal-ai/flux/dev"]
    brief = window.compare.brief_panel.targets
    recent = brief.proxy.index(0, 0)
    assert recent.data() == "Recently used (1)"
    assert brief.proxy.index(0, 0, recent).data(NODE_ROLE).target == DEV


def test_names_are_elided_in_the_middle_with_the_full_name_on_hover(window):
    picker = window.catalog.picker
    assert picker.view.textElideMode() == Qt.TextElideMode.ElideMiddle
    width = picker.view.viewport().width()
    assert picker.view.columnWidth(NAME) >= width * 0.55  # price and ★ take what they need
    index = picker.index_of("fal", "fal-ai/kling-video/v2.1/master/image-to-video")
    tip = index.data(Qt.ItemDataRole.ToolTipRole)
    assert "Kling 2.1 master (image-to-video)" in tip and "Price:" in tip and "Status:" in tip


def test_a_narrow_picker_keeps_names_and_hides_prices(window, qtbot):
    from studio.ui.catalog.tree_model import PRICE

    picker = window.compose.targets
    picker.resize(240, 400)
    assert picker.view.isColumnHidden(PRICE)
    tip = picker.index_of("fal", "fal-ai/flux/dev").data(Qt.ItemDataRole.ToolTipRole)
    assert "Price: $0.025" in tip  # still there, on hover (fal's own price: exact)
    picker.resize(360, 400)
    assert not picker.view.isColumnHidden(PRICE)
