"""Dragging an output out of a view that is not a list (the Viewer's picture, the
Inspector's preview): a press and a short move start a drag with the asset's id and file,
which Compose takes as an input and a file manager as a copy."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QDrag, QMouseEvent, QPixmap
from PySide6.QtWidgets import QApplication, QWidget

from studio.ui.iterate.mime import asset_mime

if TYPE_CHECKING:
    from studio.core.service import Studio


class DragSource(QObject):
    def __init__(self, widget: QWidget, studio: Studio, ids: Callable[[], list[str]], *,
                 picture: Callable[[], QPixmap | None] | None = None,
                 modifier: Qt.KeyboardModifier | None = None) -> None:
        """`modifier`: a drag starts only with it held (where plain dragging pans)."""
        super().__init__(widget)
        self.widget = widget
        self.studio = studio
        self.ids = ids
        self.picture = picture
        self.modifier = modifier
        self._start: QPoint | None = None
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if not isinstance(event, QMouseEvent):
            return super().eventFilter(watched, event)
        wanted = self.modifier is None or bool(event.modifiers() & self.modifier)
        if kind == QEvent.Type.MouseButtonPress and \
                event.button() == Qt.MouseButton.LeftButton and wanted:
            self._start = event.position().toPoint()
        elif kind == QEvent.Type.MouseMove and self._start is not None:
            moved = (event.position().toPoint() - self._start).manhattanLength()
            if moved >= QApplication.startDragDistance():
                self._start = None
                self.start()
                return True
        elif kind == QEvent.Type.MouseButtonRelease:
            self._start = None
        return super().eventFilter(watched, event)

    def start(self) -> Qt.DropAction | None:
        ids = self.ids()
        if not ids:
            return None
        drag = QDrag(self.widget)
        drag.setMimeData(asset_mime(self.studio, ids))
        pm = self.picture() if self.picture is not None else None
        if pm is not None and not pm.isNull():
            drag.setPixmap(pm.scaled(96, 96, Qt.AspectRatioMode.KeepAspectRatio,
                                     Qt.TransformationMode.SmoothTransformation))
        return drag.exec(Qt.DropAction.CopyAction)
