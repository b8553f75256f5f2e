"""The Compare tab: one cell per target, blind voting, pair layouts, the scoreboard and
"Send to Compare" from Compose."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from studio.core.compare.adapt import Brief, Target
from studio.core.compare.groups import CompareGroups
from studio.core.jobs import JobStatus
from studio.ui.compare.view import CompareTab
from studio.ui.session import Session
from studio.ui.widgets.thumb_loader import ImageLoader
from tests.ui.conftest import run

LIVE = [Target.parse("fal:fal-ai/flux/schnell"), Target.parse("stability:core")]


def captions(tab: CompareTab) -> list[str]:
    model = tab.cells
    return [model.data(model.index(r)) for r in range(model.rowCount())]


def select_group(qtbot, tab: CompareTab, group_id: str) -> None:
    qtbot.waitUntil(lambda: tab.group_model.row_of(group_id) >= 0, timeout=3000)
    tab.show_group(group_id)


@pytest.fixture
def live_tab(live_studio, qtbot, tmp_path):
    session = Session(live_studio)
    tab = CompareTab(session, ImageLoader(tmp_path / "thumbs"))
    qtbot.addWidget(tab)
    tab.resize(1300, 900)
    tab.show()
    qtbot.waitExposed(tab)
    yield tab
    tab.pair.stop()
    session.detach()


def live_group(qtbot, tab: CompareTab) -> str:
    group = run(qtbot, tab.groups.create(Brief(prompt="a red fox in snow", seed=5,
                                               aspect="16:9"), LIVE))
    select_group(qtbot, tab, group.id)
    qtbot.waitUntil(lambda: len(tab.votable()) == 2, timeout=15_000)
    qtbot.waitUntil(lambda: len(tab.vote_bar.buttons) == 2, timeout=3000)
    return group.id


def test_compare_tab_shows_one_cell_per_target(window, qtbot, studio):
    targets = [Target.parse(t) for t in ("fal:fal-ai/flux/dev", "stability:ultra",
                                         "luma:ray-2")]
    group = run(qtbot, CompareGroups(studio).create(
        Brief(prompt="a lighthouse at dusk", seed=42, aspect="4:5", duration=7), targets))
    qtbot.keySequence(window, QKeySequence("Ctrl+3"))
    tab = window.compare
    assert window.tabs.currentWidget() is tab
    select_group(qtbot, tab, group.id)
    assert tab.cells.rowCount() == 3
    assert [c.split(" · ")[0] for c in captions(tab)] == ["A", "B", "C"]
    assert "Stability" in captions(tab)[1] and "Ray" in captions(tab)[2]
    ray = tab.cells.info(2)
    assert ray.cell.seed_honoured is False and ray.job.status is JobStatus.DRY_RUN
    tip = tab.cells.data(tab.cells.index(2), Qt.ItemDataRole.ToolTipRole)
    assert "seed ignored" in tip and "7 s clamped to 5 s" in tip
    assert tab.brief_line.text().startswith("seed 42 · aspect 4:5 · 7 s")
    assert tab.vote_bar.buttons == {} and not tab.vote_bar.tie_button.isEnabled()
    assert "dry-runs have none" in tab.vote_bar.hint.text()
    assert not tab.layout_buttons.button(2).isEnabled()  # wipe needs two outputs


def test_blind_mode_hides_names_until_the_vote(live_tab, qtbot):
    tab = live_tab
    group_id = live_group(qtbot, tab)
    titles = {c.split(" · ", 1)[1] for c in captions(tab)}
    assert any(t.startswith("Stability") for t in titles)
    tab.blind_box.setChecked(True)
    assert captions(tab) == ["A", "B"]
    order = [tab.cells.info(r).job.id for r in range(2)]
    tip = tab.cells.data(tab.cells.index(0), Qt.ItemDataRole.ToolTipRole)
    assert tip == "Names are hidden until you vote."
    tab.set_layout(2)  # wipe: captions stay neutral too
    assert {m.caption for m in tab.pair.media} == {"A", "B"}
    tab.set_layout(0)
    tab.blind_box.setChecked(False)
    tab.blind_box.setChecked(True)  # the same unrevealed round: same shuffle
    assert [tab.cells.info(r).job.id for r in range(2)] == order

    tab.vote_bar.buttons["B"].click()
    [vote] = tab.votes.for_group(group_id)
    assert vote.blind and vote.winner == order[1] and list(vote.shown) == order
    names = captions(tab)  # revealed, in the order the vote was made in
    assert [n[:4] for n in names] == ["A · ", "B · "]
    assert {n.split(" · ", 1)[1] for n in names} == titles
    winner_title = names[1].split(" · ", 1)[1]
    assert "B won" in tab.result.text() and f"B = {winner_title}" in tab.result.text()
    qtbot.waitUntil(lambda: tab.scoreboard.model.rowCount() == 2, timeout=3000)
    winner_target = vote.targets[vote.winner]
    assert tab.scoreboard.model.rows[0].target == winner_target


def test_ratings_from_the_number_keys_and_the_wipe(live_tab, qtbot):
    tab = live_tab
    group_id = live_group(qtbot, tab)
    tab.grid.setFocus()
    tab.grid.setCurrentIndex(tab.cells.index(1))
    qtbot.keyClick(tab.grid, Qt.Key.Key_4)
    assert tab.cells.info(1).pending == 4
    assert tab.vote_bar.save_button.isEnabled()
    tab.vote_bar.save_button.click()
    [vote] = tab.votes.for_group(group_id)
    rated = tab.cells.info(1).job.id
    assert vote.outcome is None and vote.ratings == {rated: 4}
    [asset] = tab.studio.store.assets_for_job(rated)
    assert asset.rating == 4

    tab.set_layout(2)
    assert tab.body.currentWidget() is tab.pair
    paths = {tab.cells.info(r).asset.path for r in range(2)}
    assert {m.path for m in tab.pair.media} == paths
    tab.pair.slider.setValue(250)
    assert tab.pair.clip.rect().left() == pytest.approx(tab.pair.frame().width() * 0.25)


def test_send_to_compare_from_compose(window, qtbot, studio):
    compose = window.compose
    compose.prompt.setPlainText("a paper boat on a rainy street")
    compose.seed.setText("9")
    compose.targets.set_checked(("fal", "fal-ai/flux/dev"))
    compose.targets.set_checked(("luma", "photon-1"))
    compose.panels[("fal", "fal-ai/flux/dev")].form.fields["num_images"].set_value(2)
    compose.compare_button.click()
    tab = window.compare
    assert window.tabs.currentWidget() is tab
    brief = tab.brief_panel
    assert tab.inner.currentWidget() is brief
    assert brief.prompt.toPlainText() == "a paper boat on a rainy street"
    assert brief.chosen()[0].params == {"num_images": 2}
    brief.aspect.setCurrentText("9:16")
    assert brief.preview() and brief.start_button.isEnabled()
    preview = brief.plan_view
    notes = [preview.topLevelItem(0).child(i).text(0)
             for i in range(preview.topLevelItem(0).childCount())]
    assert any("9:16" in n for n in notes) and any("num_images=2" in n for n in notes)
    brief.start_button.click()
    qtbot.waitUntil(lambda: tab.group is not None and tab.cells.rowCount() == 2, timeout=5000)
    assert tab.inner.currentIndex() == 0
    flux = studio.store.get_job(tab.group.cells[0].job_id)
    assert flux.request["params"]["num_images"] == 2
    assert flux.request["params"]["image_size"] == "portrait_16_9"
    assert flux.request["seed"] == 9
