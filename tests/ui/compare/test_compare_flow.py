"""Compose -> Compare: a fan-out is a compare group shown at once; the grid fits its cells
to the space (2-up to 9-up), opens a cell in the Viewer, goes full screen, and votes from
the keyboard."""

import pytest
from PySide6.QtCore import Qt

from studio.core.compare.adapt import Brief, Target
from studio.ui.session import Session
from tests.ui.conftest import open_window, run

pytestmark = pytest.mark.gui

FOUR = [Target.parse(t) for t in ("fal:fal-ai/flux/schnell", "fal:fal-ai/flux/dev",
                                  "stability:core", "fal:fal-ai/flux-pro/v1.1")]


@pytest.fixture
def live_window(live_studio, qtbot):
    session = Session(live_studio)
    gen = open_window(session, qtbot)
    window = next(gen)
    yield window
    next(gen, None)
    session.detach()


def four_up(qtbot, window) -> str:
    tab = window.compare
    group = run(qtbot, tab.groups.create(Brief(prompt="a lighthouse at dusk", seed=3), FOUR))
    window.tabs.setCurrentWidget(tab)
    tab.focus_group(group.id)
    qtbot.waitUntil(lambda: len(tab.votable()) == 4, timeout=20_000)
    qtbot.waitUntil(lambda: len(tab.vote_bar.buttons) == 4, timeout=3000)
    return group.id


def test_a_compose_fan_out_is_a_compare_group_at_once(window, qtbot, studio):
    compose = window.compose
    compose.prompt.setPlainText("a paper boat")
    compose.seed.setText("9")
    for target in (("fal", "fal-ai/flux/dev"), ("luma", "photon-1")):
        compose.targets.set_checked(target)
    compose.revalidate()
    job_ids = run(qtbot, compose._generate())
    jobs = [studio.store.get_job(j) for j in job_ids]
    group_id = jobs[0].compare_group
    assert group_id and {j.compare_group for j in jobs} == {group_id}
    tab = window.compare
    assert tab.group is not None and tab.group.id == group_id  # shown, before any click
    assert tab.group_model.row_of(group_id) == 0
    assert [c.target.label for c in tab.group.cells] == ["fal:fal-ai/flux/dev",
                                                         "luma:photon-1"]
    assert any("compare group" in t for t in window.toasts.visible_texts())
    # Export, opened from Compare, offers that group first.
    window.tabs.setCurrentWidget(tab)
    dialog = window.open_export()
    first = dialog.source.itemData(0)
    assert first.source.group == group_id and "shown in Compare" in first.label
    dialog.reject()


def test_the_grid_fits_four_cells_at_1440x900_and_scales_from_2_to_9_up(live_window, qtbot):
    window = live_window
    window.resize(1440, 900)
    four_up(qtbot, window)
    tab = window.compare
    qtbot.waitUntil(lambda: tab.grid.visible_rows() == [0, 1, 2, 3], timeout=3000)
    fitted = tab.grid.gridSize()
    tab.per_screen.setCurrentIndex(tab.per_screen.findData(2))
    qtbot.waitUntil(lambda: tab.grid.gridSize() != fitted)
    assert tab.grid.gridSize().width() * tab.grid.gridSize().height() > \
        fitted.width() * fitted.height()  # two at a time: bigger cells, the rest scroll
    assert len(tab.grid.visible_rows()) == 2
    tab.per_screen.setCurrentIndex(tab.per_screen.findData(9))  # room for nine: smaller
    qtbot.waitUntil(lambda: tab.grid.gridSize().height() < fitted.height())
    assert tab.grid.gridSize().width() <= fitted.width()
    assert tab.grid.visible_rows() == [0, 1, 2, 3]


def test_a_cell_opens_in_the_viewer_and_the_viewer_walks_the_group(live_window, qtbot):
    window = live_window
    four_up(qtbot, window)
    tab = window.compare
    tab.grid.setCurrentIndex(tab.cells.index(1))
    tab.grid.setFocus()
    qtbot.keyClick(tab.grid, Qt.Key.Key_Return)
    viewer = window.viewer
    qtbot.waitUntil(lambda: viewer is not None and viewer.isVisible())
    assert viewer.title.text().startswith("B · fal.ai · FLUX.1 [dev]")
    assert viewer.position.text() == "2 / 4"
    viewer.step(1)
    assert viewer.title.text().startswith("C · Stability AI")
    viewer.close()
    # Blind: the viewer keeps the names hidden too.
    tab.blind_box.setChecked(True)
    index = tab.cells.index(0)
    tab.grid.doubleClicked.emit(index)
    assert "names hidden" in window.viewer.title.text()
    window.viewer.close()


def test_full_screen_and_back(live_window, qtbot):
    window = live_window
    four_up(qtbot, window)
    tab = window.compare
    tab.grid.setFocus()
    qtbot.keyClick(tab.grid, Qt.Key.Key_F11)
    assert tab.full_screen and window.isFullScreen()
    assert not window.queue.isVisible() and not window.catalog.isVisible()
    assert not window.menuBar().isVisible() and not tab.left.isVisible()
    assert tab.vote_bar.isVisible() and tab.grid.isVisible()
    qtbot.keyClick(tab.grid, Qt.Key.Key_Escape)
    assert not tab.full_screen and not window.isFullScreen()
    assert window.queue.isVisible() and window.catalog.isVisible()
    assert window.menuBar().isVisible() and tab.left.isVisible()


def test_votes_and_ratings_from_the_keyboard(live_window, qtbot):
    window = live_window
    group_id = four_up(qtbot, window)
    tab = window.compare
    tab.grid.setCurrentIndex(tab.cells.index(2))
    tab.grid.setFocus()
    qtbot.keyClick(tab.grid, Qt.Key.Key_4)
    assert tab.vote_bar.save_button.isEnabled()
    qtbot.keyClick(tab.grid, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    [rating] = tab.votes.for_group(group_id)
    assert rating.ratings == {tab.cells.info(2).job.id: 4}
    qtbot.keyClick(tab.grid, Qt.Key.Key_B)
    votes = tab.votes.for_group(group_id)
    assert votes[-1].winner == tab.cells.info(1).job.id
    assert "B won" in tab.result.text()
    qtbot.keyClick(tab.grid, Qt.Key.Key_Equal)
    assert tab.votes.for_group(group_id)[-1].outcome.value == "tie"
