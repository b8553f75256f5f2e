"""The mask editor's canvas: the picture (on its extended canvas, for outpaint) with the
mask over it as a tinted overlay, zoomed with the wheel and panned with the middle button
(or the Pan tool). Brush and eraser paint as the mouse moves; the rectangle and the lasso
fill when released (the right button, or Alt, erases)."""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QWidget,
)

from studio.ui.mask.layer import MaskLayer
from studio.ui.widgets import ZoomView


class Tool(StrEnum):
    BRUSH = "brush"
    ERASER = "eraser"
    RECTANGLE = "rectangle"
    LASSO = "lasso"
    PAN = "pan"


class MaskItem(QGraphicsItem):
    """Draws the layer's image, only the part that was exposed (so a stroke repaints a
    few hundred pixels, not the whole 2048 px canvas)."""

    def __init__(self, layer: MaskLayer) -> None:
        super().__init__()
        self.layer = layer
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        layer.changed.connect(lambda rect: self.update(QRectF(rect)))
        layer.resized.connect(self.prepareGeometryChange)

    def boundingRect(self) -> QRectF:
        return QRectF(self.layer.rect())

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        exposed = option.exposedRect.toAlignedRect().intersected(self.layer.rect())
        if not exposed.isEmpty():
            painter.drawImage(exposed, self.layer.image, exposed)


class MaskView(ZoomView):
    edited = Signal()  # a stroke or a shape was finished

    def __init__(self, layer: MaskLayer, picture: QPixmap, parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.setObjectName("maskCanvas")
        self.setAccessibleName("Mask canvas")
        self.layer = layer
        self.tool = Tool.BRUSH
        self.radius = 32.0
        self.hardness = 0.7
        self.setMouseTracking(True)
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate)
        # Panning moves the (hidden) scroll bars: the middle button or the Pan tool.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scene = self.scene()
        self.backdrop = QGraphicsRectItem()
        self.backdrop.setBrush(QBrush(QColor("#7a7a7a"), Qt.BrushStyle.Dense4Pattern))
        self.backdrop.setPen(Qt.PenStyle.NoPen)
        self.picture = QGraphicsPixmapItem(picture)
        self.picture.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.overlay = MaskItem(layer)
        self.overlay.setOpacity(0.5)
        self.cursor_ring = QGraphicsEllipseItem()
        self.cursor_ring.setPen(QPen(QColor("white"), 0))
        self.cursor_ring.setZValue(10)
        self.shape_item = QGraphicsPathItem()
        self.shape_item.setPen(QPen(QColor("#ffd400"), 0, Qt.PenStyle.DashLine))
        self.shape_item.setZValue(11)
        for item in (self.backdrop, self.picture, self.overlay, self.cursor_ring,
                     self.shape_item):
            scene.addItem(item)
        self._last: QPointF | None = None
        self._start: QPointF | None = None
        self._path: QPainterPath | None = None
        self._erase = False
        self._pan_from: QPointF | None = None
        layer.resized.connect(self._layout)
        self._layout()

    # -- layout -------------------------------------------------------------------------

    def _layout(self) -> None:
        rect = QRectF(self.layer.rect())
        self.backdrop.setRect(rect)
        self.picture.setPos(QPointF(self.layer.offset))
        self.scene().setSceneRect(rect.adjusted(-64, -64, 64, 64))
        if self.fitted:
            self.fit()

    def fit(self) -> None:
        self.resetTransform()
        self.fitInView(QRectF(self.layer.rect()), Qt.AspectRatioMode.KeepAspectRatio)
        self.fitted = True

    def set_tool(self, tool: Tool) -> None:
        self.tool = tool
        self.cursor_ring.setVisible(tool in (Tool.BRUSH, Tool.ERASER))
        self.setCursor(Qt.CursorShape.OpenHandCursor if tool is Tool.PAN
                       else Qt.CursorShape.CrossCursor)

    def set_opacity(self, opacity: float) -> None:
        self.overlay.setOpacity(max(0.05, min(1.0, opacity)))

    # -- mouse --------------------------------------------------------------------------

    def _erasing(self, event) -> bool:
        return (self.tool is Tool.ERASER or event.buttons() & Qt.MouseButton.RightButton
                or bool(event.modifiers() & Qt.KeyboardModifier.AltModifier))

    def mousePressEvent(self, event) -> None:
        pos = self.mapToScene(event.position().toPoint())
        if event.button() == Qt.MouseButton.MiddleButton or (
                self.tool is Tool.PAN and event.button() == Qt.MouseButton.LeftButton):
            self._pan_from = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            return
        if event.button() not in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            return
        self.press(pos, bool(self._erasing(event)))

    def mouseMoveEvent(self, event) -> None:
        pos = self.mapToScene(event.position().toPoint())
        self._ring(pos)
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value()
                                                - round(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value()
                                              - round(delta.y()))
            return
        self.drag(pos)

    def mouseReleaseEvent(self, event) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            self.set_tool(self.tool)
            return
        self.release(self.mapToScene(event.position().toPoint()))

    def mouseDoubleClickEvent(self, event) -> None:
        if self.tool is Tool.PAN:
            self.fit()

    def leaveEvent(self, event) -> None:
        self.cursor_ring.hide()
        super().leaveEvent(event)

    def _ring(self, pos: QPointF) -> None:
        r = self.radius
        self.cursor_ring.setRect(QRectF(pos.x() - r, pos.y() - r, 2 * r, 2 * r))
        self.cursor_ring.setVisible(self.tool in (Tool.BRUSH, Tool.ERASER))

    # -- painting, in canvas pixels (the tests drive these too) --------------------------

    def press(self, pos: QPointF, erase: bool = False) -> None:
        self._erase = erase or self.tool is Tool.ERASER
        if self.tool in (Tool.BRUSH, Tool.ERASER):
            self.layer.begin_stroke()
            self._last = pos
            self.layer.stroke(pos, pos, self.radius, self.hardness, self._erase)
        elif self.tool is Tool.RECTANGLE:
            self._start = pos
        elif self.tool is Tool.LASSO:
            self._path = QPainterPath(pos)

    def drag(self, pos: QPointF) -> None:
        if self._last is not None:
            self.layer.stroke(self._last, pos, self.radius, self.hardness, self._erase)
            self._last = pos
        elif self._start is not None:
            path = QPainterPath()
            path.addRect(QRectF(self._start, pos).normalized())
            self.shape_item.setPath(path)
        elif self._path is not None:
            self._path.lineTo(pos)
            self.shape_item.setPath(self._path)

    def release(self, pos: QPointF) -> None:
        if self._last is not None:
            self.drag(pos)
            self._last = None
            self.layer.end_stroke(self._erase)
        elif self._start is not None:
            rect = QRectF(self._start, pos).normalized().toAlignedRect()
            self._start = None
            if rect.width() > 1 and rect.height() > 1:
                self.layer.fill_rect(QRect(rect), self._erase)
        elif self._path is not None:
            path, self._path = self._path, None
            path.lineTo(pos)
            path.closeSubpath()
            if path.elementCount() > 2:
                self.layer.fill_path(path, self._erase)
        else:
            return
        self.shape_item.setPath(QPainterPath())
        self.edited.emit()
