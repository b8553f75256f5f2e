"""'Make a chain from this…' from the Gallery: the dialog starts a chain from the chosen
output, shows each link's status and the overall progress, and ends with the film (live
over the sandbox) or every link recorded (dry-run)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from studio.ui.sequences.chain_dialog import ChainDialog
from studio.ui.session import Session
from tests.ui.conftest import add_output, enable_flags, open_window

pytestmark = pytest.mark.gui


def _open_dialog(window, qtbot) -> ChainDialog:
    window.tabs.setCurrentWidget(window.gallery)
    gallery = window.gallery
    qtbot.waitUntil(lambda: gallery.model.rowCount() == 1)
    gallery.view.setCurrentIndex(gallery.model.index(0, 0))
    [action] = [a for a in gallery.view.actions() if a.objectName() == "sequencesMakeChain"]
    action.trigger()
    qtbot.waitUntil(lambda: any(isinstance(w, ChainDialog)
                                for w in QApplication.topLevelWidgets()))
    return next(w for w in QApplication.topLevelWidgets() if isinstance(w, ChainDialog))


def _choose(dialog: ChainDialog, provider: str, model: str) -> None:
    index = next(i for i in range(dialog.models.count())
                 if dialog.models.itemData(i) == (provider, model))
    dialog.models.setCurrentIndex(index)


def test_a_dry_run_chain_from_the_gallery_lists_every_link(studio, qtbot):
    add_output(studio)
    session = Session(studio)
    window = next(open_window(session, qtbot))
    dialog = _open_dialog(window, qtbot)
    _choose(dialog, "runway", "gen4_turbo")
    dialog.prompts.setPlainText("waves")
    dialog.links.setValue(3)
    dialog.start_button.click()
    qtbot.waitUntil(lambda: dialog.status.text() == "Dry-run recorded", timeout=20_000)
    rows = [dialog.rows.item(i).text() for i in range(dialog.rows.count())]
    assert rows == ["Link 1/3: dry-run", "Link 2/3: dry-run", "Link 3/3: dry-run"]
    assert not dialog.cancel_button.isEnabled()
    dialog.close()
    window.close()
    session.detach()


def test_a_live_chain_ends_with_the_film_in_the_gallery(live_studio, qtbot):
    enable_flags(live_studio, video=True)
    add_output(live_studio)
    session = Session(live_studio)
    window = next(open_window(session, qtbot))
    dialog = _open_dialog(window, qtbot)
    _choose(dialog, "runway", "gen4_turbo")
    dialog.prompts.setPlainText("waves\nstorm")
    dialog.start_button.click()
    qtbot.waitUntil(lambda: dialog.status.text() == "Done", timeout=60_000)
    rows = [dialog.rows.item(i).text() for i in range(dialog.rows.count())]
    assert rows == ["Link 1/2: succeeded", "Link 2/2: succeeded",
                    "Film stitched: it is in the Gallery"]
    assert dialog.overall.value() == 100
    qtbot.waitUntil(lambda: window.gallery.model.rowCount() >= 4)  # image, clips, film
    dialog.close()
    window.close()
    session.detach()
