"""Paints one compare cell as a card: letter and provider/model, the picture, status,
latency, cost, whether the seed was honoured, and what the model changed of the brief."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPalette
from PySide6.QtWidgets import QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from studio.ui.compare.model import INFO_ROLE, THUMB_ROLE, CellInfo
from studio.ui.widgets import duration, money, paint_badge, stars, status_color, status_label

CELL = QSize(268, 376)  # when the view sets no grid size
LINE = 18
MAX_NOTES = 4
FIXED_TEXT = 24 + 6 + 8 + LINE + 4 + LINE  # header, gaps, facts line, rating line

# outcome -> (mark, status key whose colour it takes)
MARKS = {"changed": ("≈", "missing-credentials"), "dropped": ("✕", "failed"),
         "default": ("○", "disabled"), "overridden": ("✎", "dry-run")}


def seconds(value: float) -> str:
    """'0.4 s', '8.2 s', '1 m 05 s': tenths matter only for short waits."""
    return f"{value:.1f} s" if value < 10 else duration(value)


class CellDelegate(QStyledItemDelegate):
    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        view = option.widget
        grid = view.gridSize() if isinstance(view, QListView) else QSize()
        return grid if grid.isValid() else CELL

    @staticmethod
    def note_lines(info: CellInfo, height: int) -> int:
        """How many adaptation notes fit while the picture keeps most of the cell."""
        notes = [a for a in info.cell.adaptations if a.outcome in MARKS and a.input != "seed"]
        wanted = 0 if info.hidden else min(len(notes), MAX_NOTES) + (len(notes) > MAX_NOTES)
        room = max(0, height - FIXED_TEXT - max(96, int(height * 0.55)))
        return min(wanted, room // LINE)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        info: CellInfo | None = index.data(INFO_ROLE)
        if info is None:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = option.palette
        card = option.rect.adjusted(5, 5, -5, -5)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        border = pal.color(QPalette.ColorRole.Highlight) if selected else pal.color(
            QPalette.ColorRole.Mid)
        fill = QColor(pal.color(QPalette.ColorRole.Highlight))
        fill.setAlpha(40)
        painter.setPen(border)
        painter.setBrush(fill if selected else pal.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(card, 6, 6)
        inner = card.adjusted(10, 8, -10, -8)
        y = self._header(painter, inner, info, pal)
        lines = self.note_lines(info, inner.height())
        pic = QRect(inner.left(), y + 6, inner.width(),
                    max(48, inner.height() - FIXED_TEXT - lines * LINE))
        self._picture(painter, pic, info, index, pal)
        y = pic.bottom() + 8
        if not info.hidden:
            y = self._facts(painter, QRect(inner.left(), y, inner.width(), LINE), info, pal)
            self._notes(painter, QRect(inner.left(), y, inner.width(), LINE), info, pal, lines)
        else:
            painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(QRect(inner.left(), y, inner.width(), LINE * 2),
                             Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap,
                             "Provider, price and notes are hidden until you vote.")
        if info.pending or (info.asset and info.asset.rating):
            rating = info.pending or (info.asset.rating if info.asset else None)
            painter.setPen(QColor("#e0a100") if info.pending else
                           pal.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(QRect(inner.left(), inner.bottom() - LINE, inner.width(), LINE),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             stars(rating) + ("  (not saved yet)" if info.pending else ""))
        painter.restore()

    def _header(self, painter: QPainter, rect: QRect, info: CellInfo, pal: QPalette) -> int:
        row = QRect(rect.left(), rect.top(), rect.width(), 24)
        font = QFont(painter.font())
        font.setBold(True)
        painter.setFont(font)
        fm = painter.fontMetrics()
        pill = QRect(row.left(), row.top() + 1, max(26, fm.horizontalAdvance(info.label) + 14), 22)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(pal.color(QPalette.ColorRole.Highlight))
        painter.drawRoundedRect(pill, 11, 11)
        painter.setPen(pal.color(QPalette.ColorRole.HighlightedText))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, info.label)
        status = info.job.status.value if info.job else "not sent"
        badge_w = 0
        if status != "succeeded":  # the usual case needs no badge; the title gets the room
            painter.setFont(QFont(font.family(), font.pointSize()))
            badge_w = painter.fontMetrics().horizontalAdvance(status_label(status)) + 14
            paint_badge(painter, QRect(row.right() - badge_w, row.top(), badge_w,
                                       row.height()), status_label(status), status_color(status))
            painter.setFont(font)
        title = "Names hidden" if info.hidden else info.title
        text = QRect(pill.right() + 8, row.top(), row.width() - pill.width() - badge_w - 16,
                     row.height())
        painter.setPen(pal.color(QPalette.ColorRole.Text))
        painter.drawText(text, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         painter.fontMetrics().elidedText(title, Qt.TextElideMode.ElideRight,
                                                          text.width()))
        painter.setFont(QFont(font.family(), font.pointSize()))
        return row.bottom()

    def _picture(self, painter: QPainter, pic: QRect, info: CellInfo, index: QModelIndex,
                 pal: QPalette) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(pal.color(QPalette.ColorRole.AlternateBase))
        painter.drawRoundedRect(pic, 4, 4)
        pm = index.data(THUMB_ROLE)
        if pm is not None:
            size = pm.size().scaled(pic.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(pic.center())
            painter.drawPixmap(target, pm)
            if info.asset is not None and info.asset.media_type.startswith("video/"):
                box = QRect(pic.left() + 6, pic.bottom() - 26, 56, 20)
                painter.setBrush(QColor(0, 0, 0, 160))
                painter.drawRoundedRect(box, 4, 4)
                painter.setPen(QColor("white"))
                painter.drawText(box, Qt.AlignmentFlag.AlignCenter, "▶ video")
            return
        painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
        job = info.job
        if info.asset is not None:
            text = "Loading…"
        elif job is None:
            text = "Not sent"
        elif job.status.value == "dry_run":
            text = "Dry-run: nothing was sent.\nTurn the provider on in Settings."
        elif job.status.active:
            text = f"{status_label(job.status.value).capitalize()}…"
        else:
            text = job.error or "No output"
        painter.drawText(pic.adjusted(12, 12, -12, -12),
                         Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)

    def _facts(self, painter: QPainter, line: QRect, info: CellInfo, pal: QPalette) -> int:
        parts = []
        if info.latency is not None:
            parts.append(seconds(info.latency))
        if info.cost is not None:
            approx = "≈ " if info.job and (info.job.actual_cost or {}).get("usd") is None else ""
            parts.append(approx + money(info.cost))
        elif info.job is not None and info.job.dry_run and (info.job.estimate or {}).get("usd"):
            parts.append(f"would cost ≈ {money(info.job.estimate['usd'])}")
        painter.setPen(pal.color(QPalette.ColorRole.Text))
        text = " · ".join(parts) or "—"
        painter.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        if info.quality is not None:
            from studio.ui.assist import paint_quality

            paint_quality(painter, line.adjusted(0, 0, -56, 0), info.quality)
        honoured = info.cell.seed_honoured
        if honoured is not None:
            mark = "seed ✓" if honoured else "seed ✕"
            painter.setPen(status_color("succeeded" if honoured else "failed"))
            painter.drawText(line, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             mark)
        return line.bottom() + 4

    def _notes(self, painter: QPainter, line: QRect, info: CellInfo, pal: QPalette,
               lines: int) -> None:
        notes = [a for a in info.cell.adaptations if a.outcome in MARKS and a.input != "seed"]
        fm = painter.fontMetrics()
        shown = notes[:lines] if len(notes) <= lines else notes[:max(0, lines - 1)]
        for i, a in enumerate(shown):
            row = line.translated(0, i * LINE)
            mark, key = MARKS[a.outcome]
            painter.setPen(status_color(key))
            painter.drawText(QRect(row.left(), row.top(), 16, LINE), Qt.AlignmentFlag.AlignLeft
                             | Qt.AlignmentFlag.AlignVCenter, mark)
            painter.setPen(pal.color(QPalette.ColorRole.Text))
            text = fm.elidedText(a.note, Qt.TextElideMode.ElideRight, row.width() - 18)
            painter.drawText(row.adjusted(18, 0, 0, 0),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        if lines and len(notes) > len(shown):
            painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(line.translated(0, len(shown) * LINE), Qt.AlignmentFlag.AlignLeft,
                             f"+{len(notes) - len(shown)} more (hover)")
