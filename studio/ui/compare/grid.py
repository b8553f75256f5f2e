"""The compare grid: cells sized to the space they have, N of them per screen (2-up to
9-up, or every cell of the group up to 9), so a four-model group shows whole at once."""

from __future__ import annotations

import math

from PySide6.QtCore import QModelIndex, QSize, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

# (label, cells per screen); 0 = every cell of the group, up to 9.
PER_SCREEN = [("Fit all", 0), ("2-up", 2), ("3-up", 3), ("4-up", 4), ("6-up", 6), ("9-up", 9)]
MAX_FIT = 9
MIN_CELL = QSize(190, 160)
TEXT_BLOCK = 96  # header, facts and rating lines under and over the picture
PICTURE_ASPECT = 1.0  # unknown until decoded; square is the fairest guess


def best_cells(count: int, area: QSize, spacing: int = 0) -> tuple[int, QSize]:
    """(columns, cell size) that gives `count` cells the largest pictures in `area`,
    never narrower than a readable card when some layout allows it."""
    count = max(1, count)
    best: tuple[bool, float, int, QSize] | None = None
    for cols in range(1, count + 1):
        rows = math.ceil(count / cols)
        # A pixel or two to spare, so the last column never wraps for want of one.
        w = (area.width() - 2 - spacing * cols) // cols
        h = (area.height() - 2 - spacing * rows) // rows
        picture = min(w - 20, (h - TEXT_BLOCK) * PICTURE_ASPECT)
        readable = w >= MIN_CELL.width()
        if best is None or (readable, picture) > (best[0], best[1]):
            best = (readable, picture, cols, QSize(w, h))
    assert best is not None
    _, _, cols, size = best
    return cols, size.expandedTo(MIN_CELL)


class CompareGrid(QListView):
    openRequested = Signal(int)  # row: show this cell in the Viewer

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compareGrid")
        self.setAccessibleName("Compare cells")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setWrapping(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.per_screen = 0
        self.doubleClicked.connect(lambda index: self.openRequested.emit(index.row()))

    def setModel(self, model) -> None:
        super().setModel(model)
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved):
            signal.connect(self.relayout)
        self.relayout()

    def set_per_screen(self, n: int) -> None:
        self.per_screen = n
        self.relayout()

    def shown_at_once(self) -> int:
        count = self.model().rowCount() if self.model() else 0
        return self.per_screen or max(1, min(count, MAX_FIT))

    def relayout(self, *_: object) -> None:
        """Cells sized for the space, and the scroll bar shown exactly when they do not
        all fit. The bar is decided here, not left to Qt: left "as needed", a bar that
        showed for one layout narrowed the viewport so that a row held one cell fewer,
        and the grid settled on one column with the other cells out of sight."""
        viewport = self.viewport().size()
        if viewport.width() <= 0 or viewport.height() <= 0:
            return
        bar_width = self.verticalScrollBar().sizeHint().width()
        # The whole width inside the frame, whether or not the bar takes part of it now.
        area = QSize(self.contentsRect().width(), viewport.height())
        count = self.model().rowCount() if self.model() else 0
        cols, cell = best_cells(self.shown_at_once(), area)
        scrolls = math.ceil(count / cols) * cell.height() > area.height() + 2
        if scrolls:  # the rest will scroll: leave the bar its room
            area.setWidth(area.width() - bar_width)
            cols, cell = best_cells(self.shown_at_once(), area)
        policy = (Qt.ScrollBarPolicy.ScrollBarAlwaysOn if scrolls
                  else Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        if self.verticalScrollBarPolicy() != policy:
            self.setVerticalScrollBarPolicy(policy)
        if cell != self.gridSize():
            self.setGridSize(cell)
            self.doItemsLayout()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.relayout()

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.openRequested.emit(self.currentIndex().row())
            return
        super().keyPressEvent(event)

    def visible_rows(self) -> list[int]:
        """Rows whose whole cell is on screen now."""
        model = self.model()
        rows = []
        for row in range(model.rowCount() if model else 0):
            rect = self.visualRect(model.index(row, 0, QModelIndex()))
            if self.viewport().rect().contains(rect.adjusted(1, 1, -1, -1)):
                rows.append(row)
        return rows
