"""Paints one gallery tile: the thumbnail, provider/model, rating stars, the quality score
once measured, a video badge, and for a stack (outputs grouped by fan-out or job) how many
it holds."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from studio.core.jobs import Asset
from studio.ui.gallery.model import (
    ASSET_ROLE,
    INFO_ROLE,
    QUALITY_ROLE,
    STACK_ROLE,
    THUMB_ROLE,
    ItemInfo,
)
from studio.ui.widgets import stars

CELL = QSize(196, 236)
PICTURE = 180


class GalleryDelegate(QStyledItemDelegate):
    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        return CELL

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        painter.save()
        pal = option.palette
        rect = option.rect.adjusted(4, 4, -4, -4)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if selected:
            painter.setPen(pal.color(QPalette.ColorRole.Highlight))
            fill = QColor(pal.color(QPalette.ColorRole.Highlight))
            fill.setAlpha(50)
            painter.setBrush(fill)
            painter.drawRoundedRect(rect, 6, 6)
        pic = QRect(rect.left() + (rect.width() - PICTURE) // 2, rect.top() + 6, PICTURE,
                    PICTURE)
        asset: Asset | None = index.data(ASSET_ROLE)
        info: ItemInfo | None = index.data(INFO_ROLE)
        pm = index.data(THUMB_ROLE)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(pal.color(QPalette.ColorRole.AlternateBase))
        painter.drawRoundedRect(pic, 4, 4)
        target = pic
        if pm is not None:
            scaled = pm.size().scaled(pic.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, scaled.width(), scaled.height())
            target.moveCenter(pic.center())
            painter.drawPixmap(target, pm)
        else:
            painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            loading = asset is not None and not self._failed(index, asset)
            painter.drawText(pic, Qt.AlignmentFlag.AlignCenter,
                             "Loading…" if loading else "No preview")
        if asset is not None and asset.media_type.startswith("video/"):
            self._video_badge(painter, pic, asset)
        if info is not None and info.sandbox:
            self._sandbox_badge(painter, target)
        stack = index.data(STACK_ROLE)
        if stack is not None and stack.count > 1:
            self._stack_badge(painter, pic, stack.count)
        text_rect = QRect(rect.left() + 6, pic.bottom() + 6, rect.width() - 12, 18)
        fm = option.fontMetrics
        painter.setPen(pal.color(QPalette.ColorRole.Text))
        if info is not None:
            label = fm.elidedText(f"{info.provider_name} · {info.model_name}",
                                  Qt.TextElideMode.ElideRight, text_rect.width())
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             label)
        if asset is not None:
            star_rect = text_rect.translated(0, 18)
            painter.setPen(QColor("#e0a100") if asset.rating else
                           pal.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(star_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             stars(asset.rating))
            measured, score = index.data(QUALITY_ROLE) or (False, None)
            if measured:
                from studio.ui.assist import paint_quality

                paint_quality(painter, star_rect, score)
        painter.restore()

    @staticmethod
    def _failed(index: QModelIndex | QPersistentModelIndex, asset: Asset) -> bool:
        model = index.model()
        loader = getattr(model, "loader", None)
        return bool(loader and loader.error(loader.thumb_key(asset.sha256)))

    @staticmethod
    def _video_badge(painter: QPainter, pic: QRect, asset: Asset) -> None:
        text = "▶ video" if not asset.duration_seconds else f"▶ {asset.duration_seconds:.1f} s"
        box = QRect(pic.left() + 6, pic.bottom() - 26, painter.fontMetrics()
                    .horizontalAdvance(text) + 12, 20)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 160))
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(QColor("white"))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    @staticmethod
    def _sandbox_badge(painter: QPainter, pic: QRect) -> None:
        """Rendered by the local emulator: never to be mistaken for a provider's output.
        Solid, in the picture's bottom-right corner (the video badge takes the left)."""
        from studio.ui.widgets import status_color

        text = "sandbox"
        width = painter.fontMetrics().horizontalAdvance(text) + 12
        box = QRect(pic.right() - width - 5, pic.bottom() - 25, width, 20)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(status_color("sandbox").darker(140))
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(QColor("white"))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    @staticmethod
    def _stack_badge(painter: QPainter, pic: QRect, count: int) -> None:
        """A stack: offset edges behind the picture and its size in the corner."""
        text = f"{count} outputs"
        width = painter.fontMetrics().horizontalAdvance(text) + 12
        box = QRect(pic.right() - width - 6, pic.top() + 6, width, 20)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 170))
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(QColor("white"))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
