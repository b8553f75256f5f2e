"""Two outputs at once: side by side, a wipe slider, or an overlay, with zoom and pan kept
in step. Videos play, pause and seek together, and only one side is audible.

Both sides are drawn in the first side's frame (the second is scaled to fit it), so the
same zoom and scroll show the same part of each picture. Wheel zooms, drag pans,
double-click fits; in wipe mode the divider can be dragged, and C swaps the sides.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QRectF, QSizeF, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QPen, QShortcut
from PySide6.QtMultimediaWidgets import QGraphicsVideoItem
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsLineItem,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from studio.ui.compare.playback import PairPlayback
from studio.ui.compare.zoom import BlendView, SyncedView
from studio.ui.widgets import SPACING, ImageLoader

MAX_SIDE = 8192


class Layout(StrEnum):
    SIDE = "side"
    WIPE = "wipe"
    OVERLAY = "overlay"


@dataclass(frozen=True)
class Media:
    path: str
    media_type: str
    sha256: str
    caption: str

    @property
    def is_video(self) -> bool:
        return self.media_type.startswith("video/")

    @property
    def key(self) -> str:
        return f"full:{self.sha256}"


class PairView(QWidget):
    layoutChanged = Signal(str)

    def __init__(self, loader: ImageLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("comparePair")
        self.loader = loader
        self.media: list[Media | None] = [None, None]
        self.layout_mode = Layout.SIDE
        self.views = [SyncedView(self), SyncedView(self)]
        self.captions = [QLabel(self), QLabel(self)]
        self.blend = BlendView(self)
        self.blend_caption = QLabel(self)
        for label in (*self.captions, self.blend_caption):
            label.setProperty("role", "heading")
            label.setTextFormat(Qt.TextFormat.PlainText)
        self.side_items: list[QGraphicsItem | None] = [None, None]
        self.blend_items: list[QGraphicsItem | None] = [None, None]
        self.clip = QGraphicsRectItem()
        self.clip.setPen(QPen(Qt.PenStyle.NoPen))
        self.clip.setFlag(QGraphicsItem.GraphicsItemFlag.ItemClipsChildrenToShape)
        self.clip.setZValue(1)
        self.divider = QGraphicsLineItem()
        pen = QPen(QColor("white"), 2)
        pen.setCosmetic(True)
        self.divider.setPen(pen)
        self.divider.setZValue(2)
        self.blend.scene().addItem(self.clip)
        self.blend.scene().addItem(self.divider)

        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setObjectName("wipeSlider")
        self.slider.setAccessibleName("Wipe position")
        self.slider.setRange(0, 1000)
        self.slider.setValue(500)
        self.slider.valueChanged.connect(self._apply_blend)
        self.slider_label = QLabel("Wipe", self)
        self.blend.dividerMoved.connect(lambda f: self.slider.setValue(round(f * 1000)))
        self.swap_button = QPushButton("Swap sides", self)
        self.swap_button.setToolTip("Swap the two sides (C)")
        self.swap_button.clicked.connect(self.swap)
        self.fit_button = QPushButton("Fit", self)
        self.fit_button.setToolTip("Fit both sides to the view (double-click)")
        self.fit_button.clicked.connect(self.fit)
        QShortcut(QKeySequence("C"), self, activated=self.swap,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

        self.transport = PairPlayback(self)
        self.players, self.audio = self.transport.players, self.transport.audio
        self.play_button, self.scrubber = self.transport.play_button, self.transport.scrubber
        self.sound = self.transport.sound
        QShortcut(QKeySequence(Qt.Key.Key_Space), self, activated=self.transport.toggle,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._build_layout()
        self.views[0].viewChanged.connect(lambda: self._sync(0))
        self.views[1].viewChanged.connect(lambda: self._sync(1))
        loader.loaded.connect(self._on_loaded)

    def _build_layout(self) -> None:
        side = QWidget(self)
        grid = QHBoxLayout(side)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(SPACING)
        for caption, view in zip(self.captions, self.views, strict=True):
            col = QVBoxLayout()
            col.setSpacing(SPACING // 2)
            col.addWidget(caption)
            col.addWidget(view, 1)
            grid.addLayout(col, 1)
        blend = QWidget(self)
        col = QVBoxLayout(blend)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(SPACING // 2)
        col.addWidget(self.blend_caption)
        col.addWidget(self.blend, 1)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(side)
        self.stack.addWidget(blend)
        tools = QHBoxLayout()
        tools.setSpacing(SPACING)
        tools.addWidget(self.slider_label)
        tools.addWidget(self.slider, 4)
        tools.addStretch(1)
        tools.addWidget(self.fit_button)
        tools.addWidget(self.swap_button)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(SPACING)
        box.addWidget(self.stack, 1)
        box.addLayout(tools)
        box.addWidget(self.transport)
        self._update_controls()

    # -- content ------------------------------------------------------------------------

    def set_media(self, a: Media | None, b: Media | None) -> None:
        self.media = [a, b]
        for i in range(2):
            for item in (self.side_items[i], self.blend_items[i]):
                if item is not None and item.scene() is not None:
                    item.scene().removeItem(item)
            self.side_items[i] = self._item(self.media[i])
            self.blend_items[i] = self._item(self.media[i])
            if self.side_items[i] is not None:
                self.views[i].scene().addItem(self.side_items[i])
        if self.blend_items[0] is not None:
            self.blend.scene().addItem(self.blend_items[0])
        if self.blend_items[1] is not None:
            self.blend_items[1].setParentItem(self.clip)
        for i, m in enumerate(self.media):
            self.captions[i].setText(m.caption if m else "")
        self.transport.set_sources([m.path if m and m.is_video else None for m in self.media])
        self._route_video()
        self._relayout_items()
        self._update_controls()
        self.fit()

    def _item(self, media: Media | None) -> QGraphicsItem | None:
        if media is None:
            return None
        if media.is_video:
            item = QGraphicsVideoItem()
            item.nativeSizeChanged.connect(lambda size, it=item: self._on_native_size(it, size))
            return item
        item = QGraphicsPixmapItem()
        item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        pm = self.loader.image(media.key, media.path, MAX_SIDE)
        if pm is not None:
            item.setPixmap(pm)
        return item

    def _on_loaded(self, key: str) -> None:
        changed = False
        for i, m in enumerate(self.media):
            if m is not None and not m.is_video and m.key == key:
                pm = self.loader.pixmap(key)
                for item in (self.side_items[i], self.blend_items[i]):
                    if isinstance(item, QGraphicsPixmapItem) and pm is not None:
                        item.setPixmap(pm)
                        changed = True
        if changed:
            self._relayout_items()
            self.fit()

    def _on_native_size(self, item: QGraphicsVideoItem, size: QSizeF) -> None:
        if item.property("sized") or size.isEmpty():
            return
        item.setProperty("sized", True)
        item.setSize(size)
        self._relayout_items()
        self.fit()

    @staticmethod
    def _natural(item: QGraphicsItem | None) -> QSizeF:
        if isinstance(item, QGraphicsVideoItem):
            return item.size()
        if isinstance(item, QGraphicsPixmapItem):
            return QSizeF(item.pixmap().size())
        return QSizeF()

    def frame(self) -> QRectF:
        """The shared frame: side A's natural size (or B's when A has none yet)."""
        size = self._natural(self.side_items[0])
        if size.isEmpty():
            size = self._natural(self.side_items[1])
        return QRectF(0, 0, size.width(), size.height()) if not size.isEmpty() else QRectF()

    def _relayout_items(self) -> None:
        frame = self.frame()
        for items in (self.side_items, self.blend_items):
            for item in items:
                self._fit_item(item, frame)
        for view in (*self.views, self.blend):
            view.scene().setSceneRect(frame)
            view.setSceneRect(frame)
        self._apply_blend()

    def _fit_item(self, item: QGraphicsItem | None, frame: QRectF) -> None:
        size = self._natural(item)
        if item is None or size.isEmpty() or frame.isEmpty():
            return
        scale = min(frame.width() / size.width(), frame.height() / size.height())
        item.setScale(scale)
        item.setPos(frame.left() + (frame.width() - size.width() * scale) / 2,
                    frame.top() + (frame.height() - size.height() * scale) / 2)

    # -- layouts ------------------------------------------------------------------------

    def set_layout(self, layout: Layout | str) -> None:
        layout = Layout(layout)
        source = self.blend if self.layout_mode is not Layout.SIDE else self.views[0]
        self.layout_mode = layout
        self.stack.setCurrentIndex(0 if layout is Layout.SIDE else 1)
        target = self.views if layout is Layout.SIDE else [self.blend]
        for view in target:
            if view is not source:
                view.follow(source)
        self._route_video()
        self._apply_blend()
        self._update_controls()
        self.layoutChanged.emit(layout.value)

    def wipe_fraction(self) -> float:
        return self.slider.value() / 1000

    def _apply_blend(self) -> None:
        frame = self.frame()
        fraction = self.wipe_fraction()
        self.blend.wipe = self.layout_mode is Layout.WIPE
        self.blend.fraction = fraction
        top = self.blend_items[1]
        if self.layout_mode is Layout.OVERLAY:
            self.clip.setRect(frame)
            if top is not None:
                top.setOpacity(fraction)
            self.divider.hide()
        else:
            x = frame.left() + fraction * frame.width()
            self.clip.setRect(QRectF(x, frame.top(), frame.right() - x, frame.height()))
            if top is not None:
                top.setOpacity(1.0)
            self.divider.setLine(x, frame.top(), x, frame.bottom())
            self.divider.setVisible(not frame.isEmpty())

    def _update_controls(self) -> None:
        blend = self.layout_mode is not Layout.SIDE
        self.slider.setVisible(blend)
        self.slider_label.setVisible(blend)
        self.slider_label.setText("Opacity of B" if self.layout_mode is Layout.OVERLAY
                                  else "Wipe")
        names = [m.caption if m else "" for m in self.media]
        self.blend_caption.setText(f"{names[0]}   ◀ ▶   {names[1]}" if any(names) else "")

    def _sync(self, source: int) -> None:
        self.views[1 - source].follow(self.views[source])

    def fit(self) -> None:
        for view in (*self.views, self.blend):
            view.fit()

    def swap(self) -> None:
        a, b = self.media
        if a is not None or b is not None:
            self.set_media(b, a)

    # -- video --------------------------------------------------------------------------

    def _route_video(self) -> None:
        items = self.side_items if self.layout_mode is Layout.SIDE else self.blend_items
        self.transport.set_outputs([i if isinstance(i, QGraphicsVideoItem) else None
                                    for i in items])

    def stop(self) -> None:
        self.transport.stop()

    def hideEvent(self, event) -> None:
        self.transport.pause()  # leaving the tab silences the videos
        super().hideEvent(event)
