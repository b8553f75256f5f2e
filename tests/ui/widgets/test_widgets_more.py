"""Shared widgets: a picture too big for the pixmap cache still reaches the viewer; the
flow layout wraps rows instead of widening the window; names fit narrow lists."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics, QPixmapCache
from PySide6.QtWidgets import QPushButton, QWidget

from studio.ui.widgets import FlowLayout, ImageLoader
from studio.ui.widgets.badges import fit_name
from tests.ui.conftest import make_png

pytestmark = pytest.mark.gui


def test_a_picture_bigger_than_the_cache_is_still_shown(qtbot, qapp, tmp_path):
    path = make_png(tmp_path / "huge.png", (9, 9, 200), size=(400, 300))
    loader = ImageLoader(tmp_path / "thumbs")
    before = QPixmapCache.cacheLimit()
    QPixmapCache.setCacheLimit(16)  # KB: far smaller than the picture
    try:
        with qtbot.waitSignal(loader.loaded, timeout=5000):
            assert loader.image("full:huge", str(path)) is None
        assert loader.pixmap("full:huge").width() == 400
    finally:
        QPixmapCache.setCacheLimit(before)


def test_flow_layout_wraps_instead_of_widening(qtbot):
    host = QWidget()
    qtbot.addWidget(host)
    flow = FlowLayout(host, spacing=4)
    buttons = [QPushButton(f"Button number {i}", host) for i in range(6)]
    for b in buttons:
        flow.addWidget(b)
    widest = max(b.sizeHint().width() for b in buttons)
    assert flow.minimumSize().width() == widest  # never wider than one button
    assert flow.heightForWidth(widest) > flow.heightForWidth(sum(
        b.sizeHint().width() + 4 for b in buttons))  # narrow: more lines
    host.resize(widest + 10, flow.heightForWidth(widest + 10))
    host.show()
    qtbot.waitExposed(host)
    assert len({b.y() for b in buttons}) == 6  # one per line


def test_names_keep_the_words_that_tell_models_apart(qapp):
    fm = QFontMetrics(qapp.font())
    name = "Kling 2.1 standard (image-to-video)"
    mode = Qt.TextElideMode.ElideMiddle
    assert fit_name(name, fm, fm.horizontalAdvance(name), mode) == name
    short = "Kling 2.1 standard (i2v)"
    assert fit_name(name, fm, fm.horizontalAdvance(short), mode) == short
    assert fit_name(name, fm, fm.horizontalAdvance("Kling 2.1 standard"), mode) == \
        "Kling 2.1 standard"
    assert "…" in fit_name(name, fm, 40, mode)
