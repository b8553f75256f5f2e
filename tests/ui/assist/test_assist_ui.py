"""The assistant and quality in the window: Enhance beside the prompt (the change shown,
one click to undo), Analyze image from the Gallery, the Inspector's quality section, the
Gallery's quality sort and filter, Compare cells, the scoreboard, and Settings."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from studio.core.config import set_value
from studio.core.jobs import new_job_id
from studio.ui.assist import QUALITY_FILTERS
from studio.ui.assist.run_dialog import AssistRunDialog
from studio.ui.gallery.model import QUALITY_ROLE
from tests.core.metrics_media import blurred, save_png, scene
from tests.core.quality_helpers import add_output as core_output
from tests.ui.conftest import add_output, open_window

pytestmark = pytest.mark.gui


def assistant_on(studio) -> None:
    studio.update_settings(set_value(studio.settings, "features.enable_assistant", "true"))


@pytest.fixture
def live_window(live_studio, qtbot):
    from studio.ui.session import Session

    session = Session(live_studio)
    yield from open_window(session, qtbot)
    session.detach()


def detailed_output(studio, rgb) -> str:
    """An output whose file is a detailed scene (the shared helper writes flat colour), its
    hash the file's own (thumbnails are cached by hash across tests)."""
    folder = studio.paths.assets_dir / new_job_id()
    folder.mkdir(parents=True)
    return core_output(studio, save_png(folder / "00.png", rgb)).id


def test_enhance_replaces_the_prompt_shows_the_change_and_undoes(live_window, qtbot):
    assistant_on(live_window.session.studio)
    compose = live_window.compose
    compose.targets.set_checked(("fal", "fal-ai/flux/dev"))
    compose.prompt.setPlainText("a red fox in snow")
    qtbot.mouseClick(compose.enhance, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: compose.prompt.toPlainText() != "a red fox in snow", timeout=10_000)
    new = compose.prompt.toPlainText()
    assert new.startswith("a red fox in snow, ")
    bar = compose.enhance_bar
    assert bar.isVisible() and bar.undo_button.isVisible()
    assert "<u " in bar.text.text() and ", " in bar.text.text()  # the inserted words
    bar.undo_button.click()
    assert compose.prompt.toPlainText() == "a red fox in snow" and not bar.isVisible()
    compose.prompt.undo()  # each replacement is one step of the document's own undo
    assert compose.prompt.toPlainText() == new
    compose.prompt.undo()
    assert compose.prompt.toPlainText() == "a red fox in snow"


def test_enhance_without_the_flag_is_a_dry_run_and_changes_nothing(live_window, qtbot):
    compose = live_window.compose
    compose.prompt.setPlainText("a lighthouse")
    compose.enhance.enhance()
    bar = compose.enhance_bar
    qtbot.waitUntil(bar.isVisible, timeout=10_000)
    assert "Dry-run: nothing was sent" in bar.text.text()
    assert "enable_assistant" in bar.text.text()
    assert '"url"' in bar.text.toolTip()  # the exact request, on hover
    assert compose.prompt.toPlainText() == "a lighthouse" and not bar.undo_button.isVisible()


def test_adapt_per_model_offers_one_prompt_per_checked_model(live_window, qtbot):
    assistant_on(live_window.session.studio)
    compose = live_window.compose
    compose.targets.set_checked(("fal", "fal-ai/flux/dev"))
    compose.targets.set_checked(("stability", "core"))
    compose.prompt.setPlainText("a red fox in snow")
    dialog = compose.enhance.adapt()
    qtbot.waitUntil(lambda: dialog.run is not None, timeout=10_000)
    view = dialog.body.widget()
    assert len(view.use_buttons) == 2
    view.use_buttons[1].click()
    assert compose.prompt.toPlainText() == dialog.run.result["prompts"][1]["prompt"]
    dialog.close()


def test_analyze_image_from_the_gallery_offers_motion_prompts_to_compose(live_window, qtbot):
    studio = live_window.session.studio
    assistant_on(studio)
    asset = add_output(studio, color=(220, 20, 30))
    gallery = live_window.gallery
    live_window.tabs.setCurrentWidget(gallery)
    qtbot.waitUntil(lambda: gallery.model.rowCount() == 1)
    gallery.select_row(0)
    assert live_window.analyze_action in gallery.view.actions()
    live_window.analyze_action.trigger()
    dialog = live_window.findChild(AssistRunDialog)
    qtbot.waitUntil(lambda: dialog.run is not None, timeout=10_000)
    view = dialog.body.widget()
    assert view.objectName() == "analysisView" and view.use_buttons
    with qtbot.waitSignal(live_window.session.useRequest) as used:
        view.use_buttons[0].click()
    assert used.args[0]["input_images"] == [asset.path]
    assert used.args[0]["prompt"] == dialog.run.result["motion_prompts"][0]
    assert live_window.compose.prompt.toPlainText() == used.args[0]["prompt"]
    dialog.close()


def test_the_inspector_shows_quality_and_the_models_opinion_apart(live_window, qtbot):
    studio = live_window.session.studio
    assistant_on(studio)
    asset_id = detailed_output(studio, scene(seed=3))
    panel = live_window.inspector.inspector.quality
    live_window.session.assetSelected.emit(asset_id)
    assert panel.isVisibleTo(live_window.inspector) and "Not measured yet" in panel.score.text()
    panel.measure_button.click()
    qtbot.waitUntil(lambda: "/ 100" in panel.score.text(), timeout=20_000)
    record = studio.quality(asset_id)
    assert f"{record.quality_score:.1f} / 100" in panel.score.text()
    assert "sharpness" in panel.details.text()
    panel.judge_button.click()
    qtbot.waitUntil(lambda: "opinion" in panel.opinion.text(), timeout=10_000)
    assert f"{studio.opinion(asset_id).score}/100" in panel.opinion.text()
    assert f"{record.quality_score:.1f} / 100" in panel.score.text()  # untouched by it


def test_the_gallery_sorts_by_quality_and_filters_a_minimum(window, qtbot, studio):
    rgb = scene(seed=5)
    soft = detailed_output(studio, blurred(rgb, 6))
    sharp = detailed_output(studio, rgb)
    gallery = window.gallery
    window.tabs.setCurrentWidget(gallery)
    qtbot.waitUntil(lambda: gallery.model.rowCount() == 2)
    gallery.sort.setCurrentIndex(gallery.sort.findData("quality"))
    assert gallery.model.ids() == [sharp, soft]  # neither measured: newest first
    assert gallery.model.data(gallery.model.index(0), QUALITY_ROLE) == (False, None)
    scores = {a: studio.measure_asset(a).quality_score for a in (soft, sharp)}
    qtbot.waitUntil(lambda: gallery.model.data(gallery.model.index(0), QUALITY_ROLE)[0])
    assert scores[sharp] > scores[soft]
    gallery.sort.setCurrentIndex(gallery.sort.findData("oldest"))  # soft first
    gallery.sort.setCurrentIndex(gallery.sort.findData("quality"))
    assert gallery.model.ids() == [sharp, soft]
    cut = next(v for _, v in QUALITY_FILTERS if v is not None and scores[soft] < v
               <= scores[sharp])
    gallery.quality.setCurrentIndex(gallery.quality.findData(cut))
    assert gallery.model.ids() == [sharp] and gallery.count.text() == "1 item"
    gallery.view.grab()  # the delegate paints the score badge without errors


def test_settings_turn_the_assistant_on_and_keep_its_key_in_the_keyring(window, qtbot, studio,
                                                                       ui_keyring):
    dialog = window.open_settings()
    tab = dialog.assistant
    tab.enabled.setChecked(True)
    tab.form.set_values({"model": "gpt-4o", "auth_scheme": "Key"})
    tab.measure.setChecked(False)
    tab.key.setText("assistant-key-1234567890")
    tab.save_key.click()
    assert "Saved to the keyring" in tab.key_state.text()
    assert "assistant-key" not in tab.key_state.text() and tab.key.text() == ""
    dialog.save()
    settings = studio.settings
    assert settings.features.enable_assistant and settings.assistant.model == "gpt-4o"
    assert settings.assistant.auth_scheme == "Key"
    assert settings.metrics.measure_new_outputs is False
    assert studio.assist.access.key().present
    assert "assistant-key-1234567890" not in (studio.paths.config_file.read_text())


def test_compare_cells_and_the_scoreboard_show_quality(live_studio, qtbot, tmp_path):
    from studio.core.compare.adapt import Brief, Target
    from studio.ui.compare.scoreboard import COLUMNS
    from studio.ui.compare.view import CompareTab
    from studio.ui.session import Session
    from studio.ui.widgets.thumb_loader import ImageLoader
    from tests.ui.conftest import run

    session = Session(live_studio)
    tab = CompareTab(session, ImageLoader(tmp_path / "thumbs"))
    qtbot.addWidget(tab)
    tab.show()
    try:
        group = run(qtbot, tab.groups.create(Brief(prompt="a red fox in snow", seed=5),
                                             [Target.parse("fal:fal-ai/flux/schnell"),
                                              Target.parse("stability:core")]))
        qtbot.waitUntil(lambda: tab.group_model.row_of(group.id) >= 0, timeout=3000)
        tab.show_group(group.id)
        qtbot.waitUntil(lambda: all(tab.cells.info(r).quality is not None for r in range(2)),
                        timeout=20_000)  # measured in the background, shown when stored
        scores = {tab.cells.info(r).job.id: tab.cells.info(r).quality for r in range(2)}
        for job_id, score in scores.items():
            [asset] = live_studio.job_assets(job_id)
            assert live_studio.quality(asset.id).quality_score == score
        tab.grab()  # the delegate paints the badge without errors
        qtbot.waitUntil(lambda: len(tab.vote_bar.buttons) == 2, timeout=3000)
        tab.vote_bar.buttons["A"].click()
        qtbot.waitUntil(lambda: tab.scoreboard.model.rowCount() == 2, timeout=3000)
        column = COLUMNS.index("Median quality")
        model = tab.scoreboard.model
        shown = {model.rows[r].target: model.data(model.index(r, column))
                 for r in range(2)}
        expected = {f"{tab.cells.info(r).job.provider}:{tab.cells.info(r).job.model}":
                    f"{tab.cells.info(r).quality:.0f}" for r in range(2)}
        assert shown == expected
    finally:
        tab.pair.stop()
        session.detach()
