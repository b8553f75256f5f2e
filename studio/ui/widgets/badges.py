"""A delegate that draws an item's text with coloured status pills at the right edge."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from studio.ui.widgets.theme import badge_size, paint_badge, status_color, status_label

BADGES = Qt.ItemDataRole.UserRole + 1  # list of status keys drawn as pills


class BadgeDelegate(QStyledItemDelegate):
    """Text elided to leave room; the status keys under BADGES drawn right-aligned."""

    GAP = 4

    def _badges_width(self, option: QStyleOptionViewItem, badges: list[str]) -> int:
        fm = option.fontMetrics
        return sum(badge_size(fm, status_label(k)).width() + self.GAP for k in badges)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        badges = index.data(BADGES)
        if not badges:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = opt.widget
        style = widget.style() if widget else None
        if style is None:
            return
        reserved = self._badges_width(option, badges) + self.GAP
        text_rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget)
        room = max(0, text_rect.width() - reserved)
        opt.text = opt.fontMetrics.elidedText(opt.text, Qt.TextElideMode.ElideRight, room)
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        x = option.rect.right() - reserved + self.GAP
        for key in badges:
            rect = QRect(x, option.rect.top(), 0, option.rect.height())
            x += paint_badge(painter, rect, status_label(key), status_color(key),
                             opt.palette.base().color()) + self.GAP

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        base = super().sizeHint(option, index)
        badges = index.data(BADGES)
        if not badges:
            return base
        width = base.width() + self._badges_width(option, badges) + self.GAP
        return QSize(width, max(base.height(), option.fontMetrics.height() + 10))


class ExpansionMemory:
    """Which top-level rows of a tree the user opened, kept across rebuilds. On first
    fill, small catalogs open fully and large ones open only their first provider."""

    def __init__(self, tree, key_role: int, key=lambda value: value) -> None:
        self.tree, self.role, self.key = tree, key_role, key
        self.open: set[str] | None = None
        tree.itemExpanded.connect(lambda item: self._mark(item, True))
        tree.itemCollapsed.connect(lambda item: self._mark(item, False))

    def _mark(self, item, is_open: bool) -> None:
        if self.open is not None and item.parent() is None:
            key = self.key(item.data(0, self.role))
            (self.open.add if is_open else self.open.discard)(key)

    def restore(self, small: bool) -> None:
        tree = self.tree
        items = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
        if self.open is None:
            self.open = {self.key(it.data(0, self.role)) for n, it in enumerate(items)
                         if small or n == 0}
        wanted = set(self.open)
        for item in items:
            item.setExpanded(self.key(item.data(0, self.role)) in wanted)
