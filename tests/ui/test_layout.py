"""Layout: usable at 1024x700, docks that grow back with the window (to the size the artist
chose), View > Reset layout, and every control named for assistive technology with a
sensible focus order."""

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

pytestmark = pytest.mark.gui

CONTROLS = (QAbstractButton, QComboBox, QLineEdit, QAbstractItemView, QAbstractSlider,
            QAbstractSpinBox, QPlainTextEdit)


def unnamed(root: QWidget) -> list[str]:
    """Focusable controls under root that a screen reader could not name."""
    out = []
    for w in root.findChildren(QWidget):
        if not isinstance(w, CONTROLS) or w.focusPolicy() == Qt.FocusPolicy.NoFocus:
            continue
        if w.window() is not root.window():
            continue  # a combo box's popup list: the combo box has the name
        if isinstance(w, QLineEdit) and isinstance(w.parent(), (QComboBox, QAbstractSpinBox)):
            continue  # the editor inside a combo or spin box: the box has the name
        text = w.text() if isinstance(w, QAbstractButton) else ""
        if not (w.accessibleName() or text.strip()):
            out.append(f"{type(w).__name__}:{w.objectName()}")
    return out


def settle(qtbot, ms: int = 60) -> None:
    qtbot.wait(ms)  # let queued layout and timers run


def test_usable_at_1024x700(window, qtbot):
    window.resize(1024, 700)
    settle(qtbot)
    hint = window.minimumSizeHint()
    assert hint.width() <= 1024 and hint.height() <= 700  # nothing forces a bigger window
    assert window.size().width() == 1024 and window.size().height() == 700
    compose = window.compose
    compose.targets.set_checked(("fal", "fal-ai/flux/dev"))
    settle(qtbot)
    panel = compose.panels[("fal", "fal-ai/flux/dev")]
    assert panel.height() >= panel.sizeHint().height() - 2  # whole, the column scrolls
    assert compose.settings_scroll.verticalScrollBar().maximum() > 0
    for dock in (window.catalog, window.inspector):
        assert dock.width() >= dock.minimumWidth() >= 220
    inspector = window.inspector.inspector
    assert inspector.width() >= inspector.values["File"].minimumWidth()


def test_docks_grow_back_when_the_window_grows(window, qtbot):
    window.resize(1440, 900)
    settle(qtbot)
    window.dock_layout.apply_defaults()
    settle(qtbot)
    wide = window.catalog.width()
    assert wide >= 320
    window.resize(1000, 680)
    settle(qtbot)
    assert window.catalog.width() < wide - 40
    window.resize(1440, 900)
    qtbot.waitUntil(lambda: window.catalog.width() >= wide - 4, timeout=2000)
    # A size the artist dragged to is the one it grows back to.
    window.resizeDocks([window.catalog], [280], Qt.Orientation.Horizontal)
    settle(qtbot)
    release = QMouseEvent(QEvent.Type.MouseButtonRelease, QPointF(5, 5), QPointF(5, 5),
                          Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton,
                          Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, release)
    chosen = window.catalog.width()
    window.resize(1000, 680)
    settle(qtbot)
    window.resize(1440, 900)
    qtbot.waitUntil(lambda: abs(window.catalog.width() - chosen) <= 4, timeout=2000)


def test_reset_layout_puts_every_panel_back(window, qtbot):
    window.inspector.setFloating(True)
    window.queue.hide()
    window.removeDockWidget(window.catalog)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, window.catalog)
    window.reset_layout_action.trigger()
    settle(qtbot, 120)
    assert window.dockWidgetArea(window.catalog) == Qt.DockWidgetArea.LeftDockWidgetArea
    assert window.dockWidgetArea(window.inspector) == Qt.DockWidgetArea.RightDockWidgetArea
    assert window.dockWidgetArea(window.queue) == Qt.DockWidgetArea.BottomDockWidgetArea
    assert not window.inspector.isFloating() and window.queue.isVisible()
    assert window.reset_layout_action in window.menuBar().actions()[2].menu().actions()


def test_every_control_touched_has_a_name_and_a_focus_order(window, qtbot):
    roots = [window.catalog, window.compose.targets, window.gallery, window.compare.tab,
             window.queue]
    for root in roots:
        assert unnamed(root) == [], type(root).__name__
    dialog = window.open_settings()
    assert unnamed(dialog) == []
    dialog.reject()
    picker = window.compose.targets
    picker.search.setFocus()
    for expected in (picker.capability, picker.favourites_only, picker.view):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is expected


def test_compose_forms_the_inspector_and_the_viewer_name_every_control(window, qtbot, studio):
    from tests.ui.conftest import add_output

    add_output(studio, prompt="a named fox", color=(3, 141, 59))
    window.compose.targets.set_checked(("fal", "fal-ai/flux/dev"))
    window.compose.targets.set_checked(("stability", "sd3.5-large"))
    settle(qtbot, 120)
    assert window.compose.panels  # forms drawn, with their sliders and preset boxes
    assert unnamed(window.compose) == []
    assert unnamed(window.inspector) == []
    window.tabs.setCurrentWidget(window.gallery)
    qtbot.waitUntil(lambda: window.gallery.model.rowCount() == 1)
    viewer = window.open_viewer(0)
    qtbot.waitExposed(viewer)
    assert unnamed(viewer) == []
    viewer.close()
    # Prompt, negative prompt, seed in that order from the keyboard.
    window.tabs.setCurrentWidget(window.compose)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    box = window.compose.box
    box.prompt.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is box.prompt)
    qtbot.keyClick(box.prompt, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is box.negative
    qtbot.keyClick(box.negative, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is box.seed
