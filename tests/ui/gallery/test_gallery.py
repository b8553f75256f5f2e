import time

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent

from studio.ui.gallery.model import ASSET_ROLE, ID_ROLE, THUMB_ROLE
from studio.ui.gallery.view import EMPTY_TEXT, NO_MATCH_TEXT
from tests.ui.conftest import add_output

pytestmark = pytest.mark.gui


@pytest.fixture
def outputs(studio):
    now = time.time()
    return [
        add_output(studio, prompt="a red fox in snow", color=(200, 40, 40), created_at=now - 30),
        add_output(studio, model="fal-ai/flux/schnell", prompt="a blue whale",
                   color=(40, 40, 200), rating=4, created_at=now - 20),
        add_output(studio, provider="stability", model="sd3.5-large", prompt="green hills",
                   color=(40, 180, 40), rating=2, created_at=now - 10, provenance=False),
    ]


def _ids(window):
    return window.gallery.model.ids()


def _gallery(window, qtbot):
    window.tabs.setCurrentWidget(window.gallery)
    qtbot.waitUntil(lambda: window.gallery.model.rowCount() == 3)
    return window.gallery


def test_empty_gallery_teaches_what_is_live_and_why(window, qtbot, studio):
    window.tabs.setCurrentWidget(window.gallery)
    g = window.gallery
    assert g.stack.currentWidget() is g.first_run
    assert g.count.text() == "0 items"
    panel = g.first_run
    assert panel.heading.text() == EMPTY_TEXT
    summary = panel.summary.text()
    assert "Live now" in summary and "Dry-run only" in summary
    assert "no API key" in summary and "fal.ai" in summary  # the service's own reasons
    legend = [panel.legend.itemAtPosition(r, 1).widget().text() for r in range(6)]
    assert any(t.startswith("Nothing is sent") for t in legend)
    # The first Generate is a dry-run: the panel says so instead of "press Ctrl+Enter".
    window.compose.prompt.setPlainText("a fox")
    window.compose.targets.set_checked(("fal", "fal-ai/flux/dev"))
    window.compose.revalidate()
    window.compose.generate()
    qtbot.waitUntil(lambda: "dry-run" in panel.heading.text(), timeout=5000)
    assert panel.heading.text().startswith("No pictures yet: your 1 job was a dry-run")
    assert "enable_public_image_providers" in panel.summary.text()
    qtbot.mouseClick(panel.settings_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.settings_dialog is not None
                    and window.settings_dialog.isVisible())


def test_filters_sort_and_thumbnails(window, qtbot, outputs):
    g = _gallery(window, qtbot)
    assert _ids(window) == [a.id for a in reversed(outputs)]  # newest first
    g.sort.setCurrentIndex(1)
    assert _ids(window) == [a.id for a in outputs]
    g.provider.setCurrentIndex(g.provider.findData("fal"))
    assert set(_ids(window)) == {outputs[0].id, outputs[1].id}
    assert g.model_box.findData("sd3.5-large") == -1  # models follow the provider
    g.model_box.setCurrentIndex(g.model_box.findData("fal-ai/flux/schnell"))
    assert _ids(window) == [outputs[1].id]
    g.model_box.setCurrentIndex(0)
    g.provider.setCurrentIndex(0)
    g.rating.setCurrentIndex(g.rating.findData(3))
    assert _ids(window) == [outputs[1].id]
    g.rating.setCurrentIndex(0)
    qtbot.keyClicks(g.search, "whale")
    qtbot.waitUntil(lambda: _ids(window) == [outputs[1].id])
    g.search.setText("zebra")
    qtbot.waitUntil(lambda: g.stack.currentWidget() is g.empty)
    assert g.empty.text() == NO_MATCH_TEXT
    g.search.clear()
    qtbot.waitUntil(lambda: len(_ids(window)) == 3)
    model = g.model
    for row in range(3):
        model.data(model.index(row), THUMB_ROLE)  # asks for the decode (worker thread)
    qtbot.waitUntil(lambda: all(model.data(model.index(r), THUMB_ROLE) is not None
                                for r in range(3)), timeout=5000)
    first = model.data(model.index(0), THUMB_ROLE)
    assert max(first.width(), first.height()) == 96  # small source: not blown up
    g.view.grab()  # the delegate paints thumbnails, names and stars without errors


def test_new_outputs_appear_without_reload(window, qtbot, studio, outputs):
    g = _gallery(window, qtbot)
    newest = add_output(studio, prompt="a late arrival")
    qtbot.waitUntil(lambda: _ids(window)[:1] == [newest.id])
    assert g.count.text() == "4 items"


def test_rating_keys_and_inspector(window, qtbot, studio, outputs):
    g = _gallery(window, qtbot)
    g.view.setFocus()
    g.select_row(0)  # the newest: stability, no provenance recorded on the asset
    inspector = window.inspector.inspector
    qtbot.waitUntil(lambda: inspector.values["SHA-256"].text() == outputs[2].sha256)
    assert inspector.values["Model"].text() == "sd3.5-large"
    g.select_row(2)
    qtbot.waitUntil(lambda: inspector.values["SHA-256"].text() == outputs[0].sha256)
    assert inspector.values["Provider"].text() == "fal"
    assert inspector.values["Remote job id"].text() == f"remote-{outputs[0].job_id}"
    assert inspector.values["Seed"].text() == "7"
    assert "$0.02" in inspector.values["Estimate"].text()
    assert '"Authorization": "Key ***"' in inspector.request.toPlainText()
    qtbot.keyClick(g.view, Qt.Key.Key_3)
    assert studio.store.get_asset(outputs[0].id).rating == 3
    qtbot.waitUntil(lambda: g.model.data(g.model.index(2), ASSET_ROLE).rating == 3)
    qtbot.keyClick(g.view, Qt.Key.Key_0)
    assert studio.store.get_asset(outputs[0].id).rating is None
    # "Use these settings" loads the request into Compose and sends nothing.
    count = studio.store.count_jobs()
    qtbot.mouseClick(inspector.use_button, Qt.MouseButton.LeftButton)
    assert window.tabs.currentWidget() is window.compose
    assert window.compose.prompt.toPlainText() == "a red fox in snow"
    assert ("fal", "fal-ai/flux/dev") in window.compose.targets.checked()
    assert studio.store.count_jobs() == count


def test_viewer_zoom_navigation_and_rating(window, qtbot, studio, outputs):
    g = _gallery(window, qtbot)
    viewer = window.open_viewer(1)
    qtbot.waitExposed(viewer)
    assert viewer.position.text() == "2 / 3"
    qtbot.waitUntil(lambda: not viewer.image.item.pixmap().isNull(), timeout=5000)
    assert viewer.image.item.pixmap().width() == 96
    before = viewer.image.zoom()
    wheel = QWheelEvent(QPointF(50, 50), QPointF(viewer.image.mapToGlobal(QPoint(50, 50))),
                        QPoint(), QPoint(0, 240), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    viewer.image.wheelEvent(wheel)
    assert viewer.image.zoom() == pytest.approx(before * 1.5625)
    qtbot.keyClick(viewer, Qt.Key.Key_Right)
    assert viewer.row == 2 and viewer.position.text() == "3 / 3"
    assert not viewer.next_button.isEnabled()
    assert g.current_row() == 2  # the gallery follows the viewer
    qtbot.keyClick(viewer, Qt.Key.Key_5)
    asset_id = g.model.data(g.model.index(2), ID_ROLE)
    assert studio.store.get_asset(asset_id).rating == 5
    qtbot.waitUntil(lambda: viewer.rating.text() == "★★★★★")
    qtbot.keyClick(viewer, Qt.Key.Key_Left)
    assert viewer.row == 1
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    assert not viewer.isVisible()


def test_video_plays_in_the_viewer(window, qtbot, studio):
    add_output(studio, model="fal-ai/wan-t2v", prompt="waves", video=True, color=(20, 120, 220))
    qtbot.waitUntil(lambda: window.gallery.model.rowCount() == 1)
    model = window.gallery.model
    qtbot.waitUntil(lambda: model.data(model.index(0), THUMB_ROLE) is not None, timeout=5000)
    thumb = model.data(model.index(0), THUMB_ROLE)
    assert thumb.toImage().pixelColor(80, 48).blue() > 150  # PyAV's first frame, off-thread
    viewer = window.open_viewer(0)
    sink = viewer.video.video.videoSink()
    assert viewer.stack.currentWidget() is viewer.video
    with qtbot.waitSignal(sink.videoFrameChanged, timeout=10_000):
        pass
    qtbot.waitUntil(lambda: viewer.video.play_button.text() == "Pause", timeout=5000)
    qtbot.keyClick(viewer, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: viewer.video.play_button.text() == "Play", timeout=5000)
    viewer.close()


def test_arrow_keys_move_through_the_grid(window, qtbot, outputs):
    g = _gallery(window, qtbot)
    g.view.setFocus()
    g.select_row(0)
    qtbot.keyClick(g.view, Qt.Key.Key_Right)
    assert g.current_row() == 1
    qtbot.keyClick(g.view, Qt.Key.Key_Left)
    assert g.current_row() == 0
