"""The timeline strip: one tile per scene, in order, with its keyframe, its duration, a
badge per stage and a marker for the transition into the next scene. Drag a tile (or use
Move left / Move right) to reorder; `orderChanged` gives the scene ids in the new order."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QAction, QColor, QDropEvent, QKeySequence, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from studio.ui.widgets import ImageLoader, paint_badge, status_color

SCENE_ROLE = Qt.ItemDataRole.UserRole + 1  # the scene's dict (board_dict's "scenes" row)
TILE = QSize(168, 150)
THUMB_H = 92
MARKER_W = 22  # the transition marker at a tile's right edge
STAGE_SHORT = {"keyframe": "K", "clip": "C"}
STATUS_WORD = {"dry_run": "dry-run", "review": "review", "approved": "ok", "given": "given",
               "running": "…", "failed": "failed", "refused": "refused", "waiting": "wait",
               "pending": "—", "stale": "stale", "audition": "audition"}
_COLOURS = {"review": "submitted", "approved": "succeeded", "given": "succeeded",
            "waiting": "draft", "pending": "draft", "stale": "refused",
            "audition": "sandbox"}


def stage_colour(status: str) -> QColor:
    return status_color(_COLOURS.get(status, status))


class TileDelegate(QStyledItemDelegate):
    def __init__(self, loader: ImageLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loader = loader

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        return TILE

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        scene: dict[str, Any] = index.data(SCENE_ROLE) or {}
        rect = QRect(option.rect)
        tile = rect.adjusted(4, 4, -MARKER_W, -4)
        palette: QPalette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(palette.color(QPalette.ColorRole.Highlight) if selected
                       else palette.color(QPalette.ColorRole.Mid))
        painter.setBrush(palette.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(tile, 6, 6)
        thumb = QRect(tile.left() + 6, tile.top() + 6, tile.width() - 12, THUMB_H)
        pixmap = self._pixmap(scene)
        if pixmap is not None:
            scaled = pixmap.scaled(thumb.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                   Qt.TransformationMode.SmoothTransformation)
            x = thumb.left() + (thumb.width() - scaled.width()) // 2
            y = thumb.top() + (thumb.height() - scaled.height()) // 2
            painter.drawPixmap(x, y, scaled)
        else:
            painter.fillRect(thumb, palette.color(QPalette.ColorRole.AlternateBase))
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(thumb, Qt.AlignmentFlag.AlignCenter, "no keyframe yet")
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        line = QRect(tile.left() + 6, thumb.bottom() + 4, tile.width() - 12, 18)
        painter.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         f"Scene {scene.get('index', '?')}")
        painter.drawText(line, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                         f"{float(scene.get('duration_seconds', 0)):g} s")
        badges = QRect(tile.left() + 6, line.bottom() + 3, tile.width() - 12, 18)
        x = badges.left()
        for stage, short in STAGE_SHORT.items():
            status = (scene.get("stages") or {}).get(stage, {}).get("status", "pending")
            text = f"{short} {STATUS_WORD.get(status, status)}"
            x += paint_badge(painter, QRect(x, badges.top(), 80, badges.height()), text,
                             stage_colour(status)) + 4
        self._marker(painter, scene, QRect(tile.right() + 1, tile.top(), MARKER_W,
                                           tile.height()), palette, index.row(),
                     index.model().rowCount())
        painter.restore()

    def _pixmap(self, scene: dict[str, Any]) -> Any:
        key = (scene.get("stages") or {}).get("keyframe", {}).get("output")
        if not key:
            return None
        return self.loader.thumbnail(key["path"], key["sha256"], key.get("media_type"))

    @staticmethod
    def _marker(painter: QPainter, scene: dict[str, Any], rect: QRect, palette: QPalette,
                row: int, rows: int) -> None:
        if row >= rows - 1:
            return  # the last scene leads nowhere
        transition = scene.get("transition") or {}
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        mid = rect.center()
        if transition.get("kind") == "crossfade":
            painter.drawLine(rect.left() + 3, mid.y() - 10, rect.right() - 3, mid.y() + 10)
            painter.drawLine(rect.left() + 3, mid.y() + 10, rect.right() - 3, mid.y() - 10)
            small = painter.font()
            small.setPointSizeF(max(6.0, small.pointSizeF() * 0.8))
            painter.setFont(small)
            painter.drawText(QRect(rect.left(), mid.y() + 12, rect.width(), 16),
                             Qt.AlignmentFlag.AlignCenter,
                             f"{float(transition.get('seconds', 0)):g}s")
        else:
            painter.drawLine(mid.x(), mid.y() - 12, mid.x(), mid.y() + 12)
        if scene.get("end_on_next_keyframe"):  # an arrow into the next tile, above it all
            y = mid.y() - 22
            painter.drawLine(rect.left() + 3, y, rect.right() - 3, y)
            painter.drawLine(rect.right() - 8, y - 4, rect.right() - 3, y)
            painter.drawLine(rect.right() - 8, y + 4, rect.right() - 3, y)


class TimelineStrip(QListWidget):
    orderChanged = Signal(list)  # scene ids in the new order
    sceneSelected = Signal(int)  # 1-based scene number, 0 for none

    def __init__(self, loader: ImageLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timelineStrip")
        self.setAccessibleName("Timeline: scenes in order")
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setViewMode(QListView.ViewMode.ListMode)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFixedHeight(TILE.height() + 22)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setItemDelegate(TileDelegate(loader, self))
        self.setUniformItemSizes(True)
        self._order: list[str] = []
        loader.loaded.connect(lambda _key: self.viewport().update())
        self.model().rowsMoved.connect(lambda *_: self._emit_order())
        self.currentRowChanged.connect(lambda row: self.sceneSelected.emit(row + 1))
        self.move_left = QAction("Move scene left", self)
        self.move_left.setShortcut(QKeySequence("Ctrl+Left"))
        self.move_left.triggered.connect(lambda: self.move_current(-1))
        self.move_right = QAction("Move scene right", self)
        self.move_right.setShortcut(QKeySequence("Ctrl+Right"))
        self.move_right.triggered.connect(lambda: self.move_current(1))
        for act in (self.move_left, self.move_right):
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(act)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

    def set_scenes(self, scenes: list[dict[str, Any]]) -> None:
        """Show these scenes (keeping the selected one by id)."""
        current = self.current_id()
        self.blockSignals(True)
        self.clear()
        for scene in scenes:
            item = QListWidgetItem()
            item.setData(SCENE_ROLE, scene)
            item.setData(Qt.ItemDataRole.DisplayRole, "")
            stages = scene.get("stages") or {}
            item.setToolTip(f"Scene {scene['index']}: {scene['prompt']}\n"
                            f"keyframe: {stages.get('keyframe', {}).get('status')}, "
                            f"clip: {stages.get('clip', {}).get('status')}"
                            + ("\nthe clip ends on the next scene's keyframe"
                               if scene.get("end_on_next_keyframe") else ""))
            item.setData(Qt.ItemDataRole.AccessibleTextRole,
                         f"Scene {scene['index']}, {scene['duration_seconds']:g} seconds"
                         + (", ends on the next keyframe"
                            if scene.get("end_on_next_keyframe") else ""))
            item.setSizeHint(TILE)
            self.addItem(item)
        self._order = [s["id"] for s in scenes]
        ids = self._order
        row = ids.index(current) if current in ids else (0 if ids else -1)
        self.setCurrentRow(row)
        self.blockSignals(False)

    def scene_ids(self) -> list[str]:
        return [self.item(i).data(SCENE_ROLE)["id"] for i in range(self.count())]

    def current_id(self) -> str | None:
        item = self.currentItem()
        return item.data(SCENE_ROLE)["id"] if item is not None else None

    def status_of(self, row: int, stage: str) -> str:
        return self.item(row).data(SCENE_ROLE)["stages"][stage]["status"]

    def move_current(self, step: int) -> None:
        row = self.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.count():
            return
        item = self.takeItem(row)
        self.insertItem(target, item)
        self.setCurrentRow(target)
        self._emit_order()

    def dropEvent(self, event: QDropEvent) -> None:
        super().dropEvent(event)
        self._emit_order()

    def _emit_order(self) -> None:
        order = self.scene_ids()
        if order != self._order and len(order) == len(self._order):
            self._order = order
            self.orderChanged.emit(order)
