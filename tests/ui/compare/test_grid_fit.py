"""The compare grid keeps every cell in view when they fit, whatever the scroll bar did
before: growing back from a size where the cells had to scroll, the grid returns to two
columns with no bar (a bar left "as needed" used to narrow the viewport by its width,
and the grid settled on one column with half the cells out of sight)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

from studio.ui.compare.grid import CompareGrid

pytestmark = pytest.mark.gui


def _grid(qtbot, cells: int) -> CompareGrid:
    grid = CompareGrid()
    model = QStandardItemModel(grid)
    for n in range(cells):
        model.appendRow(QStandardItem(chr(65 + n)))
    grid.setModel(model)
    qtbot.addWidget(grid)
    return grid


def _settle(qtbot, grid: CompareGrid, width: int, height: int) -> None:
    grid.resize(width, height)
    qtbot.wait(50)  # QListView lays its items out on a timer


@pytest.mark.parametrize("size", [(632, 432), (560, 380), (900, 600), (1100, 420)])
def test_four_cells_that_fit_are_all_in_view_after_any_resize(qtbot, size):
    grid = _grid(qtbot, 4)
    grid.show()
    _settle(qtbot, grid, 640, 200)  # too low for four: they scroll, the bar shows
    assert grid.verticalScrollBarPolicy() is Qt.ScrollBarPolicy.ScrollBarAlwaysOn
    _settle(qtbot, grid, *size)
    qtbot.waitUntil(lambda: grid.visible_rows() == [0, 1, 2, 3], timeout=2000)
    assert grid.verticalScrollBarPolicy() is Qt.ScrollBarPolicy.ScrollBarAlwaysOff


def test_cells_that_do_not_fit_scroll_with_room_for_the_bar(qtbot):
    grid = _grid(qtbot, 9)
    grid.show()
    grid.set_per_screen(2)  # two at a time: bigger cells, the rest scroll
    _settle(qtbot, grid, 640, 420)
    assert grid.verticalScrollBarPolicy() is Qt.ScrollBarPolicy.ScrollBarAlwaysOn
    rows = grid.visible_rows()
    assert len(rows) == 2
    first, second = (grid.visualRect(grid.model().index(r, 0)) for r in rows)
    assert first.right() < grid.viewport().width() and second.right() < grid.viewport().width()
