"""Icons drawn at the size and device pixel ratio they are shown at, so they stay sharp on
a HiDPI screen (a 16 px icon at 200 % is drawn at 32 device pixels, never scaled up)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QIconEngine, QPainter, QPixmap

Draw = Callable[[QPainter, QRectF, QIcon.Mode], None]
# Qt owns an icon's engine; these keep the Python side of each engine alive with it.
_engines: list[QIconEngine] = []


class PaintedIcon(QIconEngine):
    def __init__(self, draw: Draw) -> None:
        super().__init__()
        self._draw = draw

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._draw(painter, QRectF(rect), mode)
        painter.restore()

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State,
                     scale: float) -> QPixmap:
        pm = QPixmap(max(1, round(size.width() * scale)), max(1, round(size.height() * scale)))
        pm.fill(Qt.GlobalColor.transparent)
        pm.setDevicePixelRatio(scale)
        painter = QPainter(pm)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._draw(painter, QRectF(0, 0, size.width(), size.height()), mode)
        painter.end()
        return pm

    def clone(self) -> QIconEngine:
        return keep(PaintedIcon(self._draw))


def keep(engine: QIconEngine) -> QIconEngine:
    _engines.append(engine)
    return engine


def painted_icon(draw: Draw) -> QIcon:
    return QIcon(keep(PaintedIcon(draw)))


def svg_icon(svg: bytes, colors: dict[QIcon.Mode, QColor]) -> QIcon:
    """An SVG whose `currentColor` is drawn in each mode's colour (Normal for the others)."""
    from PySide6.QtSvg import QSvgRenderer

    renderers = {mode: QSvgRenderer(QByteArray(svg.replace(b"currentColor",
                                                           color.name().encode())))
                 for mode, color in colors.items()}

    def draw(painter: QPainter, rect: QRectF, mode: QIcon.Mode) -> None:
        renderers.get(mode, renderers[QIcon.Mode.Normal]).render(painter, rect)

    return painted_icon(draw)


def dot_icon(color: QColor) -> QIcon:
    """A filled dot that fills 10/12 of the icon (a status light)."""

    def draw(painter: QPainter, rect: QRectF, _mode: QIcon.Mode) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        margin = rect.width() / 12
        painter.drawEllipse(rect.adjusted(margin, margin, -margin, -margin))

    return painted_icon(draw)
