"""Drops anywhere on Compose: outputs from the Gallery, Viewer, Compare or Inspector, image
files, https:// URLs and pictures from other apps become inputs. The prompt boxes keep
their own text drops. Ctrl+V pastes the same, except where a text box takes it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QDropEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

from studio.ui.compose.input_images import InputImages
from studio.ui.iterate.mime import accepts


class ComposeDrops(QObject):
    def __init__(self, target: QWidget, images: InputImages) -> None:
        super().__init__(target)
        self.images = images
        target.setAcceptDrops(True)
        target.installEventFilter(self)
        # Text boxes take Ctrl+V first (they override the shortcut); elsewhere it adds.
        paste = QShortcut(QKeySequence(QKeySequence.StandardKey.Paste), target)
        paste.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        paste.activated.connect(images.paste)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        # Drag enter and move events are drop events too.
        dragging = kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop)
        if not (dragging and isinstance(event, QDropEvent) and accepts(event.mimeData())):
            return super().eventFilter(watched, event)
        if kind == QEvent.Type.Drop:
            self.images.drop(event.mimeData())
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        return True
