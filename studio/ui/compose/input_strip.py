"""Compose's row of chosen inputs: a thumbnail each with its role underneath, reordered by
dragging, and a drop target for outputs, files, URLs and pictures from other apps."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QListWidget, QListWidgetItem, QWidget

from studio.core.inputs import is_url
from studio.providers.base import Role
from studio.ui.compose.input_plan import Chosen
from studio.ui.iterate.mime import accepts
from studio.ui.iterate.request import ROLE_LABELS
from studio.ui.widgets import SPACING, ImageLoader

PREVIEW = 56
REF = Qt.ItemDataRole.UserRole
ROLE = Qt.ItemDataRole.UserRole + 1


def placeholder(text: str) -> QPixmap:
    """A tile for an input with no picture here (an https:// URL the provider fetches)."""
    pm = QPixmap(PREVIEW, PREVIEW)
    pm.fill(QColor("#5a6270"))
    painter = QPainter(pm)
    painter.setPen(QColor("white"))
    painter.drawText(pm.rect(), Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return pm


class InputStrip(QListWidget):
    dropped = Signal(QMimeData)  # from outside: outputs, files, URLs or a picture
    reordered = Signal()

    def __init__(self, loader: ImageLoader, paths: Callable[[str], str | None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inputImages")
        self.setAccessibleName("Chosen inputs")
        self.loader = loader
        self.paths = paths  # ref -> file (or None), for thumbnails
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setIconSize(QSize(PREVIEW, PREVIEW))
        self.setFixedHeight(PREVIEW + SPACING * 2 + 26)
        self.setMovement(QListView.Movement.Snap)
        self.setSpacing(2)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setAcceptDrops(True)
        self.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.setToolTip("Drag to reorder; right-click to change a role or remove")
        loader.loaded.connect(self._on_loaded)

    # -- items --------------------------------------------------------------------------

    def chosen(self) -> list[Chosen]:
        return [Chosen(self.item(i).data(REF), Role(self.item(i).data(ROLE)))
                for i in range(self.count())]

    def set_chosen(self, chosen: list[Chosen]) -> None:
        self.clear()
        for c in chosen:
            self.append(c)

    def append(self, chosen: Chosen) -> QListWidgetItem:
        item = QListWidgetItem(ROLE_LABELS.get(chosen.role, chosen.role.value))
        item.setData(REF, chosen.ref)
        item.setData(ROLE, chosen.role.value)
        item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
        item.setSizeHint(QSize(PREVIEW + 24, PREVIEW + 26))
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsDragEnabled)
        self._describe(item)
        self._set_icon(item)
        self.addItem(item)
        return item

    def set_role(self, row: int, role: Role) -> None:
        item = self.item(row)
        if item is not None:
            item.setData(ROLE, role.value)
            item.setText(ROLE_LABELS.get(role, role.value))
            self._describe(item)

    def _describe(self, item: QListWidgetItem) -> None:
        role = ROLE_LABELS.get(Role(item.data(ROLE)), "")
        item.setToolTip(f"{role}: {item.data(REF)}\nDrag to reorder; right-click to change "
                        "its role or remove it")

    def key(self, ref: str) -> str | None:
        path = self.paths(ref)
        if path is None:
            return None
        try:
            stamp = Path(path).stat().st_mtime_ns
        except OSError:
            stamp = 0
        return f"input:{path}:{stamp}"

    def _set_icon(self, item: QListWidgetItem) -> None:
        ref = item.data(REF)
        key = self.key(ref)
        if key is None:
            item.setIcon(QIcon(placeholder("URL" if is_url(ref) else "?")))
            return
        pm = self.loader.image(key, self.paths(ref) or "", max_side=PREVIEW * 2)
        if pm is not None:
            item.setIcon(QIcon(pm))

    def _on_loaded(self, key: str) -> None:
        for i in range(self.count()):
            item = self.item(i)
            if self.key(item.data(REF)) == key:
                pm = self.loader.pixmap(key)
                if pm is not None:
                    item.setIcon(QIcon(pm))

    def move_item(self, row: int, delta: int) -> bool:
        """Move one input left (-1) or right (+1): the keyboard's way to reorder."""
        target = row + delta
        if not (0 <= row < self.count() and 0 <= target < self.count()):
            return False
        item = self.takeItem(row)
        self.insertItem(target, item)
        self.setCurrentRow(target)
        self.reordered.emit()
        return True

    # -- drags --------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.source() is self:
            super().dragEnterEvent(event)
        elif accepts(event.mimeData()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if event.source() is self:
            super().dragMoveEvent(event)
        elif accepts(event.mimeData()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()

    def dropEvent(self, event: QDropEvent) -> None:
        if event.source() is not self:
            self.dropped.emit(event.mimeData())
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            return
        # A move inside the strip: put the dragged items before the one under the cursor.
        target = self.indexAt(event.position().toPoint())
        rows = sorted(i.row() for i in self.selectedIndexes())
        if not rows:
            return
        items = [self.item(r) for r in rows]
        chosen = [Chosen(i.data(REF), Role(i.data(ROLE))) for i in items]
        at = target.row() if target.isValid() else self.count()
        at -= sum(1 for r in rows if r < at)
        for r in reversed(rows):
            self.takeItem(r)
        for offset, c in enumerate(chosen):
            self.insertItem(at + offset, self._detached(c))
        event.setDropAction(Qt.DropAction.CopyAction)  # never let the view delete them
        event.accept()
        self.reordered.emit()

    def _detached(self, chosen: Chosen) -> QListWidgetItem:
        item = self.append(chosen)
        return self.takeItem(self.row(item))
