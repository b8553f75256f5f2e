"""A graphics view that zooms around the cursor with the wheel, pans by dragging and fits
on double-click: the viewer and the compare panes share it."""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QPainter, QWheelEvent
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QWidget

BACKDROP = QColor("#1c1c1e")  # neutral dark, in both themes
MIN_ZOOM, MAX_ZOOM = 0.02, 32.0


class ZoomView(QGraphicsView):
    """Subclasses say what fitting means (`fit`) and may react to zooming (`_zoomed`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setBackgroundBrush(BACKDROP)
        self.fitted = True

    def fit(self) -> None:
        raise NotImplementedError

    def _zoomed(self) -> None:
        """Called after every wheel or programmatic zoom step."""

    def zoom(self) -> float:
        return self.transform().m11()

    def center(self) -> QPointF:
        return self.mapToScene(self.viewport().rect().center())

    def zoom_by(self, factor: float) -> None:
        if MIN_ZOOM <= self.zoom() * factor <= MAX_ZOOM:
            self.scale(factor, factor)
            self.fitted = False
            self._zoomed()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_by(1.25 ** steps)
        event.accept()

    def mouseDoubleClickEvent(self, event) -> None:
        self.fit()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.fitted:
            self.fit()
