"""Toasts: small non-modal notices stacked at the top right of the window's central area
(never over the docks, so never over the Queue's columns). They never take focus and
disappear on their own (or when clicked). A toast with a key is updated in place by the
next one with that key ("3 jobs finished") instead of piling up."""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMainWindow, QWidget

from studio.ui.widgets.theme import SPACING, is_dark, status_color

_LEVEL = {"success": "succeeded", "error": "failed", "info": "queued"}
MAX_VISIBLE = 4


class Toast(QFrame):
    def __init__(self, level: str, text: str, parent: QWidget, timeout_ms: int,
                 key: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("toast")
        self.key = key
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.label = QLabel(text, self)
        self.label.setWordWrap(True)
        self.label.setMaximumWidth(360)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        box = QHBoxLayout(self)
        box.setContentsMargins(SPACING * 1 + 4, SPACING, SPACING * 2, SPACING)
        box.addWidget(self.label)
        self.timer = QTimer(self, singleShot=True, interval=timeout_ms)
        self.timer.timeout.connect(self.close)
        self.update_notice(level, text, "")

    def update_notice(self, level: str, text: str, tooltip: str) -> None:
        self.level = level
        accent = status_color(_LEVEL.get(level, "queued")).name()
        bg = "#34373c" if is_dark() else "#ffffff"
        fg = "#f0f0f0" if is_dark() else "#1d1d1f"
        self.setStyleSheet(
            f"QFrame#toast {{ background: {bg}; border: 1px solid {accent}; "
            f"border-left: 4px solid {accent}; border-radius: 6px; }}"
            f"QFrame#toast QLabel {{ color: {fg}; background: transparent; }}")
        self.label.setText(text)
        self.setToolTip((tooltip + "\n\n" if tooltip else "") + "Click to dismiss")
        self.timer.start()  # an update keeps it up for another full timeout

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.close()

    def closeEvent(self, event) -> None:
        super().closeEvent(event)
        self.deleteLater()


class ToastArea(QObject):
    """Owns the toasts of one window and keeps them in place on resize."""

    def __init__(self, host: QWidget, timeout_ms: int = 4500) -> None:
        super().__init__(host)
        self.host = host
        self.timeout_ms = timeout_ms
        self.toasts: list[Toast] = []
        host.installEventFilter(self)

    def show(self, level: str, text: str, *, key: str = "", tooltip: str = "") -> Toast:
        toast = self.find(key) if key else None
        if toast is None:
            toast = Toast(level, text, self.host, self.timeout_ms, key)
            toast.destroyed.connect(lambda *_, t=toast: self._forget(t))
            self.toasts.append(toast)
            while len(self.toasts) > MAX_VISIBLE:
                self.toasts.pop(0).close()
        toast.update_notice(level, text, tooltip)
        toast.adjustSize()
        toast.show()
        toast.raise_()
        self._layout()
        return toast

    def find(self, key: str) -> Toast | None:
        """The toast with this key that is still up, if any."""
        for toast in self.toasts:
            with contextlib.suppress(RuntimeError):
                if toast.key == key and toast.isVisible():
                    return toast
        return None

    def visible_texts(self) -> list[str]:
        return [t.label.text() for t in self.toasts if t.isVisible()]

    def _forget(self, toast: Toast) -> None:
        if toast in self.toasts:
            self.toasts.remove(toast)
        with contextlib.suppress(RuntimeError):  # the window itself is being destroyed
            self._layout()

    def area(self) -> QRect:
        """Where toasts may go: the central widget of a main window, else the host."""
        central = self.host.centralWidget() if isinstance(self.host, QMainWindow) else None
        if central is not None and central.isVisible():
            return QRect(central.mapTo(self.host, central.rect().topLeft()), central.size())
        return self.host.rect()

    def _layout(self) -> None:
        margin = SPACING * 2
        area = self.area()
        y = area.top() + margin + SPACING * 3  # below the tab bar
        for toast in reversed(self.toasts):
            try:
                size = toast.sizeHint()
            except RuntimeError:  # already deleted on the C++ side
                continue
            width = min(size.width(), max(120, area.width() - 2 * margin))
            height = toast.heightForWidth(width) if toast.hasHeightForWidth() else size.height()
            toast.setGeometry(area.right() - width - margin, y, width, max(height,
                                                                           size.height()))
            y += toast.height() + SPACING

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.host and event.type() in (QEvent.Type.Resize,
                                                 QEvent.Type.LayoutRequest):
            self._layout()
        return False
