"""The Viewer's controls: 1:1 and fit for pictures; frame steps, speed, loop and volume
for videos; and the Inspector shows the picture it describes."""

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtMultimedia import QMediaPlayer

from tests.ui.conftest import add_output, make_png

pytestmark = pytest.mark.gui


def test_one_to_one_and_fit(window, qtbot, studio):
    asset = add_output(studio, prompt="a big one", color=(3, 1, 4))  # a hash of its own
    make_png(Path(asset.path), (10, 200, 10), size=(3000, 2000))  # bigger than the window
    qtbot.waitUntil(lambda: window.gallery.model.rowCount() == 1)
    viewer = window.open_viewer(0)
    viewer.resize(900, 700)
    qtbot.waitUntil(lambda: viewer.image.item.pixmap().width() == 3000, timeout=5000)
    assert viewer.image.zoom() < 0.5  # fitted into the window
    assert viewer.zoom_label.text().endswith("%")
    qtbot.keyClick(viewer, Qt.Key.Key_Z)
    assert viewer.image.zoom() == pytest.approx(1.0) and viewer.zoom_label.text() == "100%"
    qtbot.keyClick(viewer, Qt.Key.Key_F)
    assert viewer.image.zoom() < 0.5
    viewer.actual_button.click()
    assert viewer.image.zoom() == pytest.approx(1.0)
    viewer.close()


def test_video_frame_steps_speed_loop_and_volume(window, qtbot, studio):
    add_output(studio, model="fal-ai/wan-t2v", prompt="waves", video=True)
    qtbot.waitUntil(lambda: window.gallery.model.rowCount() == 1)
    viewer = window.open_viewer(0)
    video = viewer.video
    assert not viewer.actual_button.isVisible()  # picture controls are for pictures
    qtbot.waitUntil(lambda: video.player.duration() > 0, timeout=10_000)
    assert video.frame_ms() == pytest.approx(1000 / 12, rel=0.05)  # the file's 12 fps
    qtbot.keyClick(viewer, Qt.Key.Key_Period)
    assert video.player.playbackState() != QMediaPlayer.PlaybackState.PlayingState
    qtbot.waitUntil(lambda: video.player.position() > 0, timeout=5000)
    start = video.player.position()
    video.step_frames(1)
    qtbot.waitUntil(lambda: video.player.position() > start, timeout=5000)
    video.step_frames(-5)
    qtbot.waitUntil(lambda: video.player.position() < start + 1, timeout=5000)
    video.speed.setCurrentIndex(video.speed.findData(2.0))
    assert video.player.playbackRate() == 2.0
    qtbot.keyClick(viewer, Qt.Key.Key_L)
    assert not video.loop.isChecked() and video.player.loops() == QMediaPlayer.Loops.Once
    video.volume.setValue(25)
    assert video.audio.volume() == pytest.approx(0.25, abs=0.01)
    qtbot.keyClick(viewer, Qt.Key.Key_M)
    assert video.audio.isMuted() and video.mute.text() == "Unmute"
    viewer.close()


def test_the_inspector_shows_the_picture_it_describes(window, qtbot, studio):
    asset = add_output(studio, prompt="a red square", color=(220, 20, 20))
    qtbot.waitUntil(lambda: window.gallery.model.rowCount() == 1)
    window.tabs.setCurrentWidget(window.gallery)
    window.gallery.select_row(0)
    inspector = window.inspector.inspector
    qtbot.waitUntil(lambda: inspector.preview.pixmap() is not None
                    and not inspector.preview.pixmap().isNull(), timeout=5000)
    image = inspector.preview.pixmap().toImage()
    assert image.pixelColor(image.width() // 2, image.height() // 2).red() > 180
    assert inspector.values["SHA-256"].text() == asset.sha256
    # A job picked in the Queue shows its output too.
    window.queue.select_job(asset.job_id)
    qtbot.waitUntil(lambda: asset.job_id in inspector.title.text())
    assert not inspector.preview.pixmap().isNull()
