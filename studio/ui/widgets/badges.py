"""A delegate that draws an item's text with coloured status pills at the right edge."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from studio.ui.widgets.theme import badge_size, paint_badge, status_color, status_label

BADGES = Qt.ItemDataRole.UserRole + 1  # list of status keys drawn as pills


class BadgeDelegate(QStyledItemDelegate):
    """Text elided to leave room; the status keys under BADGES drawn right-aligned."""

    GAP = 4
    DOT = 9

    def _badges_width(self, option: QStyleOptionViewItem, badges: list[str]) -> int:
        fm = option.fontMetrics
        return sum(badge_size(fm, status_label(k)).width() + self.GAP for k in badges)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        badges = index.data(BADGES) or []
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = opt.widget
        style = widget.style() if widget else None
        if style is None:
            return
        text_rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget)
        # A narrow column keeps the name and shows each status as a dot (the tooltip
        # says it in words) rather than cutting the name down to nothing.
        compact = bool(badges) and text_rect.width() - self._badges_width(option, badges) < min(
            opt.fontMetrics.horizontalAdvance(opt.text), 72)
        reserved = (len(badges) * (self.DOT + self.GAP) if compact
                    else self._badges_width(option, badges)) + self.GAP if badges else 0
        # The style keeps a margin either side of the text inside that rect.
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, opt, widget) + 1
        room = max(0, text_rect.width() - reserved - 2 * margin)
        opt.text = fit_name(opt.text, opt.fontMetrics, room, opt.textElideMode)
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        x = option.rect.right() - reserved + self.GAP
        for key in badges:
            if compact:
                painter.save()
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(status_color(key))
                painter.drawEllipse(QRect(x, option.rect.center().y() - self.DOT // 2,
                                          self.DOT, self.DOT))
                painter.restore()
                x += self.DOT + self.GAP
                continue
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


# How model names say their mode, and the short forms used when a column is narrow.
_SHORT_MODES = {"image-to-video": "i2v", "text-to-video": "t2v", "image-to-image": "i2i",
                "text-to-image": "t2i", "keyframes": "keys"}


def fit_name(text: str, fm: QFontMetrics, width: int, mode: Qt.TextElideMode) -> str:
    """A name in `width`: whole if it fits; else without a "provider · " prefix; else with
    its "(image-to-video)" tail said short ("(i2v)"), so the words that tell models apart
    ("standard", "pro") stay; else that tail dropped; only then elided the view's way (the
    middle, in pickers)."""
    if fm.horizontalAdvance(text) <= width:
        return text
    if mode != Qt.TextElideMode.ElideMiddle:
        return fm.elidedText(text, mode, width)
    owner, dot, name = text.partition(" · ")
    if dot and owner and name:  # "fal.ai · FLUX.1 [dev]": the model's own name comes first
        return fit_name(name, fm, width, mode)
    head, paren, tail = text.rpartition(" (")
    if paren and tail.endswith(")"):
        short = f"{head} ({_SHORT_MODES.get(tail[:-1], tail[:-1])})"
        if fm.horizontalAdvance(short) <= width:
            return short
        if fm.horizontalAdvance(head) <= width:
            return head
        text = head
    return fm.elidedText(text, mode, width)
