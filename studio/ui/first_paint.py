"""Reports when a window first paints: the start-up benchmark's finish line."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QWidget


class FirstPaintProbe(QObject):
    def __init__(self, window: QWidget, on_paint: Callable[[], None]) -> None:
        super().__init__(window)
        self.window = window
        self.on_paint: Callable[[], None] | None = on_paint
        QApplication.instance().installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if (self.on_paint is not None and event.type() == QEvent.Type.Paint
                and isinstance(obj, QWidget) and obj.window() is self.window):
            callback, self.on_paint = self.on_paint, None
            QApplication.instance().removeEventFilter(self)
            callback()
        return False
