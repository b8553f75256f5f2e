"""A storyboard take shows its quality score once the metrics worker has measured it, the
tab refreshed by the asset_quality event (issue 15)."""

from __future__ import annotations

import pytest

from tests.ui.sequences.test_sequences import make_tab, spec

pytestmark = pytest.mark.gui


def test_a_takes_quality_badge_shows_the_stored_score(live_studio, qtbot, tmp_path):
    from studio.ui.session import Session

    studio = live_studio
    session = Session(studio)
    try:
        board = studio.storyboards.create(spec(1))
        tab = make_tab(session, qtbot, tmp_path)
        tab.timeline.setCurrentRow(0)
        box = tab.stages.keyframe
        assert not box.quality.isVisible()  # no take yet
        tab.run_button.click()
        qtbot.waitUntil(lambda: tab.timeline.status_of(0, "keyframe") == "review",
                        timeout=20_000)
        assert studio.metrics.wait_idle(30)
        view = studio.storyboard_view(board.id)
        take = view["scenes"][0]["stages"]["keyframe"]
        record = studio.quality(take["output"]["asset_id"])
        assert record is not None and take["quality_score"] == record.quality_score
        qtbot.waitUntil(lambda: f"Q {record.quality_score:.0f}" in box.quality.text(),
                        timeout=5_000)
        assert box.quality.isVisible()
        assert box.quality.accessibleName() == \
            f"keyframe quality: {record.quality_score:.0f} of 100"
    finally:
        session.detach()


def test_the_badge_waits_then_follows_the_asset_quality_event(live_studio, qtbot, tmp_path):
    """New outputs not measured automatically: the take shows "Q …" until a measurement
    is stored, and the asset_quality event alone brings the score in."""
    from studio.core.config import set_value
    from studio.ui.session import Session

    studio = live_studio
    studio.update_settings(set_value(studio.settings, "metrics.measure_new_outputs",
                                     "false"))
    session = Session(studio)
    try:
        board = studio.storyboards.create(spec(1))
        tab = make_tab(session, qtbot, tmp_path)
        tab.timeline.setCurrentRow(0)
        box = tab.stages.keyframe
        tab.run_button.click()
        qtbot.waitUntil(lambda: tab.timeline.status_of(0, "keyframe") == "review",
                        timeout=20_000)
        qtbot.waitUntil(box.quality.isVisible)
        assert "Q …" in box.quality.text()
        assert box.quality.accessibleName() == "keyframe quality: not measured yet"
        take = studio.storyboard_view(board.id)["scenes"][0]["stages"]["keyframe"]
        assert take["quality_score"] is None
        record = studio.measure_asset(take["output"]["asset_id"])
        qtbot.waitUntil(lambda: f"Q {record.quality_score:.0f}" in box.quality.text(),
                        timeout=5_000)
    finally:
        session.detach()
