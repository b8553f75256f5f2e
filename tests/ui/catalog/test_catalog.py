import pytest
from PySide6.QtCore import Qt

from studio.core.paths import StudioPaths
from studio.core.service import Studio
from studio.ui.catalog.tree_model import PRICE
from studio.ui.session import Session
from studio.ui.widgets.badges import BADGES
from tests.ui.conftest import open_window

pytestmark = pytest.mark.gui


def test_catalog_lists_providers_models_and_links(window, studio):
    picker = window.catalog.picker
    providers = [picker.proxy.index(r, 0) for r in range(picker.proxy.rowCount())]
    assert len(providers) == len(studio.providers)  # no favourites or recents yet
    fal = picker.index_of("fal")
    assert fal.data(BADGES) == ["missing-credentials"]
    names = [picker.proxy.index(r, 0, fal).data() for r in range(picker.proxy.rowCount(fal))]
    assert "FLUX.1 [dev]" in names and len(names) == len(studio.providers["fal"].models)
    dev = picker.index_of("fal", "fal-ai/flux/dev")
    assert dev.siblingAtColumn(PRICE).data() == "$0.025"  # fal's own price: exact
    # The price names its source and the date it was read.
    assert "Source: https://fal.ai/models/fal-ai/flux-1/dev/playground, checked 20" in (
        dev.siblingAtColumn(PRICE).data(Qt.ItemDataRole.ToolTipRole))
    assert "txt2img" in dev.data(Qt.ItemDataRole.ToolTipRole)
    assert "FAL_KEY" in fal.data(Qt.ItemDataRole.ToolTipRole)  # the reason is on hover
    picker.view.setCurrentIndex(fal)
    details = window.catalog.details.text()
    assert "https://fal.ai/pricing" in details and "Docs" in details and "missing key" in details
    picker.view.setCurrentIndex(dev)
    assert "Modes: txt2img" in window.catalog.details.text()


def test_refresh_runs_in_the_background(live_studio, qtbot):
    session = Session(live_studio)
    gen = open_window(session, qtbot)
    window = next(gen)
    try:
        picker = window.catalog.picker
        assert picker.index_of("fal").data(BADGES) == ["live", "sandbox"]
        assert picker.index_of("runway").siblingAtColumn(PRICE).data() == ""  # not asked yet
        qtbot.keyClick(window, Qt.Key.Key_F5)
        # The handler returned at once: the window keeps painting while the check runs.
        assert session.refreshing and not window.catalog.refresh_action.isEnabled()
        assert window.catalog.busy.text() == "Checking servers and quotas…"
        qtbot.waitUntil(lambda: not session.refreshing, timeout=10_000)
        assert window.catalog.refresh_action.isEnabled() and window.catalog.busy.text() == ""
        assert "credits" in picker.index_of("runway").siblingAtColumn(PRICE).data()
    finally:
        next(gen, None)
        session.detach()


def test_a_corrupt_settings_file_is_reported_once(tmp_path, ui_keyring, loop, qtbot):
    paths = StudioPaths.resolve(tmp_path / "home").ensure()
    paths.config_file.write_text("{not json")
    studio = Studio(paths, env={})
    session = Session(studio)
    gen = open_window(session, qtbot)
    window = next(gen)
    try:
        window.show_startup_messages()
        texts = window.toasts.visible_texts()
        assert len(texts) == 1 and "studio.json.bad" in texts[0]
    finally:
        next(gen, None)
        session.detach()
        studio.store.close()
