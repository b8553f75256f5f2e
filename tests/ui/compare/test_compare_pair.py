"""The two-up compare view: wipe, overlay, synchronized zoom/pan, synchronized video."""

import hashlib
from pathlib import Path

import pytest
from PySide6.QtMultimedia import QMediaPlayer

from studio.ui.compare.pair import Layout, Media, PairView
from studio.ui.widgets.thumb_loader import ImageLoader
from tests.ui.conftest import make_mp4, make_png

RED, BLUE = (220, 30, 30), (30, 60, 220)


def media(path: Path, media_type: str, caption: str) -> Media:
    return Media(str(path), media_type, hashlib.sha256(path.read_bytes()).hexdigest(), caption)


@pytest.fixture
def pair(qtbot, tmp_path):
    loader = ImageLoader(tmp_path / "thumbs")
    view = PairView(loader)
    qtbot.addWidget(view)
    view.resize(900, 560)
    view.show()
    qtbot.waitExposed(view)
    yield view
    view.stop()


def show_images(qtbot, pair, tmp_path):
    a = make_png(tmp_path / "a.png", RED, size=(400, 300))
    b = make_png(tmp_path / "b.png", BLUE, size=(200, 150))  # same shape, half the size
    pair.set_media(media(a, "image/png", "A"), media(b, "image/png", "B"))
    qtbot.waitUntil(lambda: not pair.frame().isEmpty() and all(
        not i.pixmap().isNull() for i in pair.side_items), timeout=5000)


def colour_at(view, fraction_x: float) -> tuple[int, int, int]:
    """The colour on screen at a fraction of the picture's width, halfway down."""
    image = view.viewport().grab().toImage()
    shown = view.mapFromScene(view.sceneRect()).boundingRect()
    c = image.pixelColor(int(shown.left() + shown.width() * fraction_x), shown.center().y())
    return c.red(), c.green(), c.blue()


def near(c, want) -> bool:
    return all(abs(x - y) < 40 for x, y in zip(c, want, strict=True))


def test_wipe_slider_moves_the_divider(qtbot, pair, tmp_path):
    show_images(qtbot, pair, tmp_path)
    pair.set_layout(Layout.WIPE)
    qtbot.wait(50)
    pair.slider.setValue(300)
    assert near(colour_at(pair.blend, 0.2), RED) and near(colour_at(pair.blend, 0.5), BLUE)
    pair.slider.setValue(700)  # the divider moves right: more of A shows
    assert near(colour_at(pair.blend, 0.5), RED) and near(colour_at(pair.blend, 0.8), BLUE)
    pair.set_layout(Layout.OVERLAY)
    pair.slider.setValue(1000)  # B fully over A
    assert near(colour_at(pair.blend, 0.2), BLUE)
    pair.slider.setValue(0)
    assert near(colour_at(pair.blend, 0.8), RED)


def test_zoom_and_pan_apply_to_both_panes(qtbot, pair, tmp_path):
    show_images(qtbot, pair, tmp_path)
    left, right = pair.views
    fitted = right.zoom()
    left.zoom_by(3.0)
    assert right.zoom() == pytest.approx(left.zoom()) == pytest.approx(fitted * 3)
    left.horizontalScrollBar().setValue(left.horizontalScrollBar().minimum())
    assert right.center().x() == pytest.approx(left.center().x(), abs=1.5)
    right.verticalScrollBar().setValue(right.verticalScrollBar().maximum())
    assert left.center().y() == pytest.approx(right.center().y(), abs=1.5)
    # B is half A's size yet fills the same frame, so both show the same region
    assert pair.side_items[1].sceneBoundingRect() == pair.side_items[0].sceneBoundingRect()
    pair.set_layout(Layout.WIPE)  # the blend view keeps the zoom
    assert pair.blend.zoom() == pytest.approx(left.zoom())
    pair.swap()
    assert pair.captions[0].text() == "B"


def test_videos_play_seek_and_sound_together(qtbot, pair, tmp_path):
    a = make_mp4(tmp_path / "a.mp4", RED, frames=36)
    b = make_mp4(tmp_path / "b.mp4", BLUE, frames=36)
    pair.set_media(media(a, "video/mp4", "A"), media(b, "video/mp4", "B"))
    assert pair.transport.isVisible()
    qtbot.waitUntil(lambda: pair.scrubber.maximum() > 0, timeout=10_000)
    pair.play_button.click()
    playing = QMediaPlayer.PlaybackState.PlayingState
    qtbot.waitUntil(lambda: all(p.playbackState() == playing for p in pair.players),
                    timeout=5000)
    assert pair.play_button.text() == "Pause"
    pair.play_button.click()
    qtbot.waitUntil(lambda: all(p.playbackState() != playing for p in pair.players),
                    timeout=5000)
    pair.scrubber.sliderMoved.emit(1500)  # the artist drags the shared scrubber
    qtbot.waitUntil(lambda: all(abs(p.position() - 1500) < 100 for p in pair.players),
                    timeout=5000)
    assert [a.isMuted() for a in pair.audio] == [False, True]
    pair.sound.setCurrentIndex(1)
    assert [a.isMuted() for a in pair.audio] == [True, False]
    pair.sound.setCurrentIndex(2)
    assert all(a.isMuted() for a in pair.audio)
