"""Zoomable, pannable graphics views that keep in step: a twin follows every zoom and
scroll; the blend view also has a draggable wipe divider."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import QGraphicsView, QWidget

from studio.ui.widgets import ZoomView


class SyncedView(ZoomView):
    """A zoomable, pannable view that reports every change so a twin can follow it."""

    viewChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._following = False
        for bar in (self.horizontalScrollBar(), self.verticalScrollBar()):
            bar.valueChanged.connect(self._changed)

    def _changed(self) -> None:
        if not self._following:
            self.viewChanged.emit()

    def fit(self) -> None:
        self._fit_quietly()
        self.viewChanged.emit()

    def _fit_quietly(self) -> None:
        self._following = True
        self.resetTransform()
        if not self.sceneRect().isEmpty():
            self.fitInView(self.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
        self._following = False
        self.fitted = True

    def _zoomed(self) -> None:
        self.viewChanged.emit()

    def follow(self, other: SyncedView) -> None:
        """Take the other view's zoom and centre without echoing the change back (a
        fitted view fits itself instead: panes of different sizes each fill their own)."""
        if other.fitted:
            self._fit_quietly()
            return
        self._following = True
        self.setTransform(other.transform())
        self.centerOn(other.center())
        self.fitted = other.fitted
        self._following = False


class BlendView(SyncedView):
    """One frame with both sides: B clipped at a divider (wipe) or faded over A."""

    dividerMoved = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.wipe = True
        self.fraction = 0.5
        self._dragging = False

    def divider_x(self) -> float:
        rect = self.sceneRect()
        x = rect.left() + self.fraction * rect.width()
        return self.mapFromScene(QPointF(x, rect.center().y())).x()

    def mousePressEvent(self, event) -> None:
        near = abs(event.position().x() - self.divider_x()) <= 8
        if self.wipe and event.button() == Qt.MouseButton.LeftButton and near:
            self._dragging = True
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._dragging:
            rect = self.sceneRect()
            x = self.mapToScene(event.position().toPoint()).x()
            if rect.width() > 0:
                self.dividerMoved.emit(min(1.0, max(0.0, (x - rect.left()) / rect.width())))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        self._dragging = False
        super().mouseReleaseEvent(event)
