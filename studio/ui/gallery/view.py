"""The Gallery tab: filters over a virtualised icon grid; a delegate paints the thumbnail,
provider/model and rating stars. 1-5 rate, 0 clears, Enter or double-click opens."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QPainter, QPalette, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QStackedLayout,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from studio.core.jobs import Asset
from studio.ui.gallery.model import (
    ASSET_ROLE,
    ID_ROLE,
    INFO_ROLE,
    QUALITY_ROLE,
    THUMB_ROLE,
    Filters,
    GalleryModel,
    ItemInfo,
)
from studio.ui.session import Session
from studio.ui.widgets import SPACING, ImageLoader, stars

CELL = QSize(196, 236)
PICTURE = 180
EMPTY_TEXT = "No results yet. Write a prompt in Compose and press Ctrl+Enter."
NO_MATCH_TEXT = "Nothing matches these filters. Clear the search or pick “All” above."


class GalleryDelegate(QStyledItemDelegate):
    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return CELL

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
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
    def _failed(index: QModelIndex, asset: Asset) -> bool:
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


class GalleryTab(QWidget):
    openRequested = Signal(int)  # row

    def __init__(self, session: Session, loader: ImageLoader, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.model = GalleryModel(session, loader, self)
        self.provider = self._combo("galleryProvider", 12)
        self.model_box = self._combo("galleryModel", 14)
        self.mode = self._combo("galleryMode", 9)
        self.rating = self._combo("galleryRating", 10)
        self.rating.addItem("Any rating", None)
        for n in range(1, 6):
            self.rating.addItem(f"{'★' * n}{' and up' if n < 5 else ''}", n)
        self.sort = self._combo("gallerySort", 11)
        self.sort.addItem("Newest first", True)
        self.sort.addItem("Oldest first", False)
        self.sort.addItem("Best quality first", "quality")
        self.quality = self._combo("galleryQuality", 10)
        from studio.ui.assist import QUALITY_FILTERS, QUALITY_TIP

        for text, value in QUALITY_FILTERS:
            self.quality.addItem(text, value)
        self.quality.setToolTip(QUALITY_TIP)
        self.search = QLineEdit(self)
        self.search.setObjectName("gallerySearch")
        self.search.setPlaceholderText("Search prompts…")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(120)
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(self._debounce.start)
        self.count = QLabel(self)
        self.count.setProperty("role", "muted")

        self.view = QListView(self)
        self.view.setObjectName("galleryView")
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setUniformItemSizes(True)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setSelectionMode(QListView.SelectionMode.ExtendedSelection)
        self.view.setGridSize(CELL + QSize(SPACING, SPACING))
        self.view.setSpacing(0)
        self.view.setLayoutMode(QListView.LayoutMode.Batched)
        self.view.setBatchSize(200)
        self.view.setWordWrap(False)
        self.view.setModel(self.model)
        self.view.setItemDelegate(GalleryDelegate(self.view))
        # Right-click lists the view's actions; the window adds Export… (Ctrl+E).
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.view.doubleClicked.connect(lambda idx: self.openRequested.emit(idx.row()))
        self.view.selectionModel().currentChanged.connect(self._on_current)
        self.empty = QLabel(EMPTY_TEXT, self)
        self.empty.setObjectName("galleryEmpty")
        self.empty.setProperty("role", "muted")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)

        for key in range(6):
            sc = QShortcut(QKeySequence(str(key)), self.view)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(lambda k=key: self.rate_current(k or None))
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            sc = QShortcut(QKeySequence(key), self.view)
            sc.setContext(Qt.ShortcutContext.WidgetShortcut)
            sc.activated.connect(self._open_current)

        bar = QHBoxLayout()
        bar.setSpacing(SPACING)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.sort)
        bar.addWidget(self.count)
        filters = QHBoxLayout()
        filters.setSpacing(SPACING)
        for w in (self.provider, self.model_box, self.mode, self.rating, self.quality):
            filters.addWidget(w)
        filters.addStretch(1)
        self.stack = QStackedLayout()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty)
        box = QVBoxLayout(self)
        box.setContentsMargins(SPACING * 2, SPACING * 2, SPACING * 2, SPACING)
        box.setSpacing(SPACING)
        box.addLayout(bar)
        box.addLayout(filters)
        box.addLayout(self.stack, 1)

        for combo in (self.provider, self.model_box, self.mode, self.rating, self.sort,
                      self.quality):
            combo.currentIndexChanged.connect(self.apply_filters)
        self.provider.currentIndexChanged.connect(self._fill_models)
        for signal in (self.model.modelReset, self.model.rowsInserted, self.model.rowsRemoved):
            signal.connect(self._update_state)
        session.catalogChanged.connect(self._fill_choices)
        self._fill_choices()
        self._update_state()

    def _combo(self, name: str, chars: int = 11) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(chars)
        return combo

    def _fill_choices(self) -> None:
        keep = self.provider.currentData()
        self.provider.blockSignals(True)
        self.provider.clear()
        self.provider.addItem("All providers", None)
        for e in self.session.entries():
            self.provider.addItem(e.name, e.id)
        self.provider.setCurrentIndex(max(0, self.provider.findData(keep)))
        self.provider.blockSignals(False)
        modes = sorted({m for e in self.session.entries() for mo in e.models for m in mo.modes})
        keep_mode = self.mode.currentData()
        self.mode.blockSignals(True)
        self.mode.clear()
        self.mode.addItem("All modes", None)
        for m in modes:
            self.mode.addItem(m, m)
        self.mode.setCurrentIndex(max(0, self.mode.findData(keep_mode)))
        self.mode.blockSignals(False)
        self._fill_models()

    def _fill_models(self) -> None:
        keep = self.model_box.currentData()
        pid = self.provider.currentData()
        self.model_box.blockSignals(True)
        self.model_box.clear()
        self.model_box.addItem("All models", None)
        for e in self.session.entries():
            if pid in (None, e.id):
                for m in e.models:
                    self.model_box.addItem(m.name, m.id)
        self.model_box.setCurrentIndex(max(0, self.model_box.findData(keep)))
        self.model_box.blockSignals(False)

    def filters(self) -> Filters:
        text = self.search.text().strip()
        return Filters(provider=self.provider.currentData(), model=self.model_box.currentData(),
                       mode=self.mode.currentData(), text=text or None,
                       min_rating=self.rating.currentData(),
                       newest_first=self.sort.currentData() is not False,
                       min_quality=self.quality.currentData(),
                       by_quality=self.sort.currentData() == "quality")

    def apply_filters(self) -> None:
        self._debounce.stop()
        self.model.set_filters(self.filters())
        self._update_state()

    def _update_state(self, *_: object) -> None:
        n = self.model.rowCount()
        filtered = self.filters() != Filters()
        self.empty.setText(NO_MATCH_TEXT if filtered else EMPTY_TEXT)
        self.stack.setCurrentWidget(self.view if n else self.empty)
        self.count.setText(f"{n} item{'s' if n != 1 else ''}")

    # -- selection, rating, opening -----------------------------------------------------

    def _on_current(self, current: QModelIndex, _prev: QModelIndex) -> None:
        if current.isValid():
            self.session.assetSelected.emit(current.data(ID_ROLE))

    def current_row(self) -> int:
        idx = self.view.currentIndex()
        return idx.row() if idx.isValid() else -1

    def select_row(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            idx = self.model.index(row)
            self.view.setCurrentIndex(idx)
            self.view.scrollTo(idx)

    def rate_current(self, rating: int | None) -> None:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedIndexes()})
        if not rows and self.current_row() >= 0:
            rows = [self.current_row()]
        for row in rows:
            self.rate_row(row, rating)

    def rate_row(self, row: int, rating: int | None) -> None:
        asset_id = self.model.data(self.model.index(row), ID_ROLE)
        if asset_id:
            self.session.studio.rate_asset(asset_id, rating)

    def _open_current(self) -> None:
        if self.current_row() >= 0:
            self.openRequested.emit(self.current_row())
