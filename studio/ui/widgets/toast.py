"""Toasts: small non-modal notices stacked in the bottom-right corner of the window.
They never take focus and disappear on their own (or when clicked)."""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from studio.ui.widgets.theme import SPACING, is_dark, status_color

_LEVEL = {"success": "succeeded", "error": "failed", "info": "queued"}
MAX_VISIBLE = 4


class Toast(QFrame):
    def __init__(self, level: str, text: str, parent: QWidget, timeout_ms: int) -> None:
        super().__init__(parent)
        self.setObjectName("toast")
        self.level = level
        accent = status_color(_LEVEL.get(level, "queued")).name()
        bg = "#34373c" if is_dark() else "#ffffff"
        fg = "#f0f0f0" if is_dark() else "#1d1d1f"
        self.setStyleSheet(
            f"QFrame#toast {{ background: {bg}; border: 1px solid {accent}; "
            f"border-left: 4px solid {accent}; border-radius: 6px; }}"
            f"QFrame#toast QLabel {{ color: {fg}; background: transparent; }}")
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.label = QLabel(text, self)
        self.label.setWordWrap(True)
        self.label.setMaximumWidth(360)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        box = QHBoxLayout(self)
        box.setContentsMargins(SPACING * 1 + 4, SPACING, SPACING * 2, SPACING)
        box.addWidget(self.label)
        self.setToolTip("Click to dismiss")
        QTimer.singleShot(timeout_ms, self.close)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.close()

    def closeEvent(self, event) -> None:
        super().closeEvent(event)
        self.deleteLater()


class ToastArea(QObject):
    """Owns the toasts of one window and keeps them in the corner on resize."""

    def __init__(self, host: QWidget, timeout_ms: int = 4500) -> None:
        super().__init__(host)
        self.host = host
        self.timeout_ms = timeout_ms
        self.toasts: list[Toast] = []
        host.installEventFilter(self)

    def show(self, level: str, text: str) -> Toast:
        toast = Toast(level, text, self.host, self.timeout_ms)
        toast.destroyed.connect(lambda *_, t=toast: self._forget(t))
        self.toasts.append(toast)
        while len(self.toasts) > MAX_VISIBLE:
            self.toasts.pop(0).close()
        toast.adjustSize()
        toast.show()
        toast.raise_()
        self._layout()
        return toast

    def visible_texts(self) -> list[str]:
        return [t.label.text() for t in self.toasts if t.isVisible()]

    def _forget(self, toast: Toast) -> None:
        if toast in self.toasts:
            self.toasts.remove(toast)
        with contextlib.suppress(RuntimeError):  # the window itself is being destroyed
            self._layout()

    def _layout(self) -> None:
        margin = SPACING * 2
        bottom = self.host.height()
        status = getattr(self.host, "statusBar", None)
        if callable(status) and status().isVisible():
            bottom -= status().height()
        y = bottom - margin
        for toast in reversed(self.toasts):
            try:
                size = toast.sizeHint()
            except RuntimeError:  # already deleted on the C++ side
                continue
            y -= size.height()
            toast.setGeometry(self.host.width() - size.width() - margin, y,
                              size.width(), size.height())
            y -= SPACING

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.host and event.type() == QEvent.Type.Resize:
            self._layout()
        return False
