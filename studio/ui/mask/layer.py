"""The mask being painted: one QImage the canvas's size, red where the picture will
change (its alpha is the mask: white = change, black = keep), painted with QPainter in C++
(no per-pixel Python), with every edit undoable (QUndoStack, the changed rectangle only).

The canvas is the picture, or the picture on a larger canvas (outpaint: `extension`), the
new area masked."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QObject, QPoint, QPointF, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QRadialGradient,
    QUndoCommand,
    QUndoStack,
)

from studio.core.masks import Extension

TINT = QColor(255, 48, 48)
ARGB = QImage.Format.Format_ARGB32_Premultiplied
ALPHA = QImage.Format.Format_Alpha8
UNDO_LIMIT = 60
Mode = QPainter.CompositionMode


def alpha_array(image: QImage) -> np.ndarray:
    """An Alpha8 (or Grayscale8) image's bytes as a (height, width) array (a copy)."""
    raw = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes())
    return raw.reshape(image.height(), image.bytesPerLine())[:, :image.width()].copy()


def alpha_image(array: np.ndarray) -> QImage:
    data = np.ascontiguousarray(array, dtype=np.uint8)
    height, width = data.shape
    return QImage(data.data, width, height, width, ALPHA).copy()


class MaskLayer(QObject):
    changed = Signal(QRect)  # canvas pixels that changed
    resized = Signal()  # the canvas grew or shrank (outpaint)

    def __init__(self, picture: QSize, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.picture = QSize(picture)
        self.extension = Extension()
        self.image = QImage(picture, ARGB)
        self.image.fill(Qt.GlobalColor.transparent)
        self._shadow = QImage(picture, ALPHA)  # the alpha as of the last finished edit
        self._shadow.fill(QColor(0, 0, 0, 0))
        self.undo = QUndoStack(self)
        self.undo.setUndoLimit(UNDO_LIMIT)
        self._stroke: QRect | None = None

    # -- geometry -----------------------------------------------------------------------

    @property
    def offset(self) -> QPoint:
        """Where the picture sits on the canvas."""
        return QPoint(self.extension.left, self.extension.up)

    def rect(self) -> QRect:
        return self.image.rect()

    # -- reading ------------------------------------------------------------------------

    def alpha(self, rect: QRect | None = None) -> QImage:
        part = self.image if rect is None else self.image.copy(rect)
        return part.convertToFormat(ALPHA)

    def array(self) -> np.ndarray:
        return alpha_array(self.alpha())

    def coverage(self) -> float:
        return float(self.array().mean()) / 255.0

    # -- low-level writes (what undo replays) ---------------------------------------------

    def put_alpha(self, at: QPoint, alpha: QImage) -> None:
        """Set a rectangle's mask from Alpha8 pixels (tinted for the overlay)."""
        tinted = QImage(alpha.size(), ARGB)
        tinted.fill(TINT)
        painter = QPainter(tinted)
        painter.setCompositionMode(Mode.CompositionMode_DestinationIn)
        painter.drawImage(0, 0, alpha)
        painter.end()
        painter = QPainter(self.image)
        painter.setCompositionMode(Mode.CompositionMode_Source)
        painter.drawImage(at, tinted)
        painter.end()
        self._put_shadow(at, alpha)
        self.changed.emit(QRect(at, alpha.size()))

    def _put_shadow(self, at: QPoint, alpha: QImage) -> None:
        painter = QPainter(self._shadow)
        painter.setCompositionMode(Mode.CompositionMode_Source)
        painter.drawImage(at, alpha)
        painter.end()

    def reshape(self, extension: Extension, alpha: QImage) -> None:
        """A canvas of another size (outpaint) with this mask."""
        self.extension = extension
        self.image = QImage(alpha.size(), ARGB)
        self.image.fill(Qt.GlobalColor.transparent)
        self._shadow = QImage(alpha.size(), ALPHA)
        self.put_alpha(QPoint(0, 0), alpha)
        self.resized.emit()

    # -- edits --------------------------------------------------------------------------

    def _commit(self, text: str, rect: QRect) -> None:
        """Record what changed in `rect` since the last edit as one undo step."""
        rect = rect.intersected(self.rect())
        if rect.isEmpty():
            return
        before = self._shadow.copy(rect)
        after = self.alpha(rect)
        self._put_shadow(rect.topLeft(), after)
        self.undo.push(MaskEdit(self, text, rect.topLeft(), before, after))

    def _painter(self, erase: bool) -> QPainter:
        painter = QPainter(self.image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setCompositionMode(Mode.CompositionMode_DestinationOut if erase
                                   else Mode.CompositionMode_SourceOver)
        return painter

    def begin_stroke(self) -> None:
        self._stroke = QRect()

    def stroke(self, a: QPointF, b: QPointF, radius: float, hardness: float,
               erase: bool = False) -> QRect:
        """Paint (or erase) a brush segment from a to b. Hard brushes draw one round-capped
        line; soft ones stamp radial dabs a fifth of the radius apart."""
        radius = max(0.5, radius)
        painter = self._painter(erase)
        if hardness >= 0.99:
            painter.setPen(QPen(TINT, radius * 2, Qt.PenStyle.SolidLine,
                                Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
            painter.drawLine(a, b)
        else:
            painter.setPen(Qt.PenStyle.NoPen)
            length = math.hypot(b.x() - a.x(), b.y() - a.y())
            steps = max(1, math.ceil(length / max(1.0, radius * 0.2)))
            for i in range(steps + 1 if length else 1):
                t = i / steps
                centre = QPointF(a.x() + (b.x() - a.x()) * t, a.y() + (b.y() - a.y()) * t)
                gradient = QRadialGradient(centre, radius)
                clear = QColor(TINT)
                clear.setAlpha(0)
                gradient.setColorAt(0.0, TINT)
                gradient.setColorAt(max(0.0, min(0.99, hardness)), TINT)
                gradient.setColorAt(1.0, clear)
                painter.setBrush(QBrush(gradient))
                painter.drawEllipse(centre, radius, radius)
        painter.end()
        pad = math.ceil(radius) + 2
        dirty = QRect(QPoint(math.floor(min(a.x(), b.x())) - pad,
                             math.floor(min(a.y(), b.y())) - pad),
                      QPoint(math.ceil(max(a.x(), b.x())) + pad,
                             math.ceil(max(a.y(), b.y())) + pad)).intersected(self.rect())
        if self._stroke is not None:
            self._stroke = self._stroke.united(dirty)
        self.changed.emit(dirty)
        return dirty

    def end_stroke(self, erase: bool = False) -> None:
        rect, self._stroke = self._stroke, None
        if rect is not None and not rect.isEmpty():
            self._commit("Erase" if erase else "Brush", rect)

    def fill_path(self, path: QPainterPath, erase: bool = False, text: str = "Lasso") -> None:
        painter = self._painter(erase)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(TINT)
        painter.drawPath(path)
        painter.end()
        rect = path.boundingRect().toAlignedRect().adjusted(-2, -2, 2, 2)
        self.changed.emit(rect.intersected(self.rect()))
        self._commit(text, rect)

    def fill_rect(self, rect: QRect, erase: bool = False) -> None:
        path = QPainterPath()
        path.addRect(rect.normalized())
        self.fill_path(path, erase, "Rectangle")

    def invert(self) -> None:
        self._whole("Invert", 255 - self.array())

    def clear(self) -> None:
        self._whole("Clear", np.zeros((self.image.height(), self.image.width()), np.uint8))

    def load(self, array: np.ndarray) -> None:
        """Start from a saved mask (the picture's size): the starting point, not an edit
        (nothing to undo)."""
        if array.shape != (self.image.height(), self.image.width()):
            raise ValueError(f"a {array.shape[1]}x{array.shape[0]} mask does not fit the "
                             f"{self.image.width()}x{self.image.height()} canvas")
        self.put_alpha(QPoint(0, 0), alpha_image(array))

    def fill_all(self) -> None:
        self._whole("Mask everything", np.full((self.image.height(), self.image.width()), 255,
                                               np.uint8))

    def feather(self, radius: float) -> None:
        """Soften the mask's edges (a Gaussian blur of `radius` pixels)."""
        from PIL import Image, ImageFilter

        if radius <= 0:
            return
        blurred = Image.fromarray(self.array(), "L").filter(ImageFilter.GaussianBlur(radius))
        self._whole("Feather", np.asarray(blurred))

    def _whole(self, text: str, array: np.ndarray) -> None:
        before = self._shadow.copy()
        after = alpha_image(array)
        self.put_alpha(QPoint(0, 0), after)
        self.undo.push(MaskEdit(self, text, QPoint(0, 0), before, after))

    def extend(self, extension: Extension) -> None:
        """Grow (or shrink back) the canvas around the picture: the new area is masked,
        what was painted over the picture stays."""
        if extension == self.extension:
            return
        width, height = extension.size(self.picture.width(), self.picture.height())
        alpha = QImage(width, height, ALPHA)
        alpha.fill(QColor(0, 0, 0, 255))
        painter = QPainter(alpha)
        painter.setCompositionMode(Mode.CompositionMode_Source)
        painter.drawImage(QPoint(extension.left, extension.up), self.alpha(),
                          QRect(self.offset, self.picture))
        painter.end()
        before = (self.extension, self.alpha())
        self.reshape(extension, alpha)
        self.undo.push(CanvasChange(self, before, (extension, alpha)))


class MaskEdit(QUndoCommand):
    """One edit: the rectangle's mask before and after (Alpha8: a quarter of the size)."""

    def __init__(self, layer: MaskLayer, text: str, at: QPoint, before: QImage,
                 after: QImage) -> None:
        super().__init__(text)
        self.layer, self.at, self.before, self.after = layer, QPoint(at), before, after
        self._done = True  # pushed after it was painted: the first redo has nothing to do

    def redo(self) -> None:
        if self._done:
            self._done = False
            return
        self.layer.put_alpha(self.at, self.after)

    def undo(self) -> None:
        self.layer.put_alpha(self.at, self.before)


class CanvasChange(QUndoCommand):
    """The canvas extended (outpaint); steps of one spin box merge into one undo."""

    ID = 1

    def __init__(self, layer: MaskLayer, before: tuple[Extension, QImage],
                 after: tuple[Extension, QImage]) -> None:
        super().__init__("Extend the canvas")
        self.layer, self.before, self.after = layer, before, after
        self._done = True

    def id(self) -> int:
        return self.ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, CanvasChange):
            return False
        self.after = other.after
        return True

    def redo(self) -> None:
        if self._done:
            self._done = False
            return
        self.layer.reshape(*self.after)

    def undo(self) -> None:
        self.layer.reshape(*self.before)
