"""The Gallery tab, a library rather than a grid: boards and the trash on the left; search,
filters, sort (date, rating, cost) and stacks (by fan-out or job) over a virtualised icon
grid. 1-5 rate, 0 clears, Enter or double-click opens (a stack opens to its outputs), Del
moves to the Trash (Ctrl+Z brings it back), Ctrl+C copies the picture, and outputs drag
onto boards or out to the file manager."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSplitter,
    QStackedLayout,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.ui.gallery.boards import ALL, TRASH, BoardsPanel
from studio.ui.gallery.delegate import CELL, GalleryDelegate
from studio.ui.gallery.empty_state import FirstRunPanel
from studio.ui.gallery.library_actions import LibraryActions
from studio.ui.gallery.model import ID_ROLE, Filters, GalleryModel
from studio.ui.iterate import AssetActions
from studio.ui.session import Session
from studio.ui.widgets import SPACING, FlowLayout, ImageLoader

EMPTY_TEXT = "No results yet. Write a prompt in Compose and press Ctrl+Enter."
NO_MATCH_TEXT = "Nothing matches these filters. Clear the search or pick “All” above."
EMPTY_TRASH_TEXT = "The Trash is empty. Outputs you delete (Del) wait here until it is emptied."
EMPTY_BOARD_TEXT = "This board is empty: drag outputs onto it from “All outputs”."
SORTS = [("Newest first", "newest"), ("Oldest first", "oldest"), ("Highest rated", "rating"),
         ("Most expensive", "cost_high"), ("Cheapest", "cost_low"),
         ("Best quality first", "quality")]
SANDBOX_FILTERS = [("All renders", None), ("Sandbox only", True), ("Real only", False)]
GROUPS = [("No stacks", "none"), ("Stack by fan-out", "fanout"), ("Stack by job (batch)",
                                                                  "batch")]


class GalleryTab(QWidget):
    openRequested = Signal(int)  # row
    settingsRequested = Signal()

    def __init__(self, session: Session, loader: ImageLoader, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.model = GalleryModel(session, loader, self)
        self._stack: tuple[str, int] | None = None  # the open stack: key, size
        self.provider = self._combo("galleryProvider", 10, "Provider")
        self.model_box = self._combo("galleryModel", 11, "Model")
        self.mode = self._combo("galleryMode", 9, "Mode")
        self.rating = self._combo("galleryRating", 10, "Rating")
        self.rating.addItem("Any rating", None)
        for n in range(1, 6):
            self.rating.addItem(f"{'★' * n}{' and up' if n < 5 else ''}", n)
        self.sort = self._combo("gallerySort", 10, "Sort")
        for text, key in SORTS:
            self.sort.addItem(text, key)
        self.group = self._combo("galleryGroup", 12, "Stacks")
        for text, key in GROUPS:
            self.group.addItem(text, key)
        self.quality = self._combo("galleryQuality", 10, "Minimum quality")
        from studio.ui.assist import QUALITY_FILTERS, QUALITY_TIP

        for text, value in QUALITY_FILTERS:
            self.quality.addItem(text, value)
        self.quality.setToolTip(QUALITY_TIP)
        self.origin = self._combo("gallerySandbox", 9, "Sandbox renders")
        for text, value in SANDBOX_FILTERS:
            self.origin.addItem(text, value)
        self.origin.setToolTip("Sandbox renders come from the local emulator, not from a "
                               "provider: show them all, only them, or hide them")
        self.search = QLineEdit(self)
        self.search.setObjectName("gallerySearch")
        self.search.setAccessibleName("Search prompts")
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
        self.view.setAccessibleName("Outputs")
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
        self.view.setDragEnabled(True)  # onto a board, or out to the file manager
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.view.setDefaultDropAction(Qt.DropAction.CopyAction)
        # Right-click lists the view's actions; the window adds Export… (Ctrl+E).
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.view.doubleClicked.connect(lambda idx: self.open_row(idx.row()))
        self.view.selectionModel().currentChanged.connect(self._on_current)
        self.empty = QLabel(EMPTY_TEXT, self)
        self.empty.setObjectName("galleryEmpty")
        self.empty.setProperty("role", "muted")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.first_run = FirstRunPanel(session, self)
        self.first_run.settingsRequested.connect(self.settingsRequested)
        self.boards = BoardsPanel(session, self)
        self.boards.placeChanged.connect(self._on_place)
        self.library = LibraryActions(self)
        # Use as input, reference or frame; mask, upscale, vary; lineage (issue 13).
        self.iterate = AssetActions(session, self.view, self.selected_asset_ids, loader)
        self.view.addActions(self.iterate.actions())
        session.assetSelected.connect(self.follow)

        for n in range(6):
            sc = QShortcut(QKeySequence(str(n)), self.view)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(lambda k=n: self.rate_current(k or None))
        for enter in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            sc = QShortcut(QKeySequence(enter), self.view)
            sc.setContext(Qt.ShortcutContext.WidgetShortcut)
            sc.activated.connect(self._open_current)

        self.back_button = QToolButton(self)
        self.back_button.setObjectName("galleryStackBack")
        self.back_button.setText("◀ All stacks")
        self.back_button.setAccessibleName("Back to all stacks")
        self.back_button.clicked.connect(self.close_stack)
        self.stack_label = QLabel(self)
        self.stack_label.setProperty("role", "muted")
        self.trash_note = QLabel("Outputs in the Trash are hidden everywhere else; their files "
                                 "stay until you empty it.", self)
        self.trash_note.setProperty("role", "muted")
        self.trash_note.setWordWrap(True)
        self.restore_button = QPushButton("Restore", self)
        self.restore_button.setAccessibleName("Restore the selected outputs")
        self.restore_button.clicked.connect(self.library.restore_selected)
        self.empty_trash_button = QPushButton("Empty Trash…", self)
        self.empty_trash_button.setObjectName("emptyTrash")
        self.empty_trash_button.setAccessibleName("Empty the Trash")
        self.empty_trash_button.clicked.connect(self.library.ask_empty_trash)

        bar = QHBoxLayout()
        bar.setSpacing(SPACING)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.origin)
        bar.addWidget(self.count)
        filters = FlowLayout(spacing=SPACING)  # wraps in a narrow window
        for w in (self.sort, self.group, self.provider, self.model_box, self.mode, self.rating,
                  self.quality):
            filters.addWidget(w)
        place_bar = QHBoxLayout()
        place_bar.setSpacing(SPACING)
        for part in (self.back_button, self.stack_label, self.trash_note):
            place_bar.addWidget(part)
        place_bar.addStretch(1)
        place_bar.addWidget(self.restore_button)
        place_bar.addWidget(self.empty_trash_button)
        self.stack = QStackedLayout()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.first_run)
        grid = QWidget(self)
        gbox = QVBoxLayout(grid)
        gbox.setContentsMargins(0, 0, 0, 0)
        gbox.setSpacing(SPACING)
        gbox.addLayout(bar)
        gbox.addLayout(filters)
        gbox.addLayout(place_bar)
        gbox.addLayout(self.stack, 1)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.boards)
        split.addWidget(grid)
        split.setStretchFactor(1, 1)
        split.setSizes([150, 820])
        split.setChildrenCollapsible(False)
        box = QVBoxLayout(self)
        box.setContentsMargins(SPACING * 2, SPACING * 2, SPACING * 2, SPACING)
        box.addWidget(split)

        for combo in (self.provider, self.model_box, self.mode, self.rating, self.sort,
                      self.group, self.quality, self.origin):
            combo.currentIndexChanged.connect(self.apply_filters)
        self.group.currentIndexChanged.connect(lambda _i: self.close_stack())
        self.provider.currentIndexChanged.connect(self._fill_models)
        for signal in (self.model.modelReset, self.model.rowsInserted, self.model.rowsRemoved):
            signal.connect(self._update_state)
        session.catalogChanged.connect(self._fill_choices)
        session.catalogChanged.connect(self.first_run.refresh)
        session.storeEvent.connect(self._on_event)
        self._fill_choices()
        self._update_state()

    def _combo(self, name: str, chars: int, label: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.setAccessibleName(label)
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
        self.mode.addItem("mask (painted masks: Edit mask…)", "mask")  # hidden otherwise
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
        kind, board = self.boards.place()
        return Filters(provider=self.provider.currentData(), model=self.model_box.currentData(),
                       mode=self.mode.currentData(), text=text or None,
                       min_rating=self.rating.currentData(), sort=self.sort.currentData(),
                       board=board, trash=kind == TRASH, group=self.group.currentData(),
                       stack=self._stack[0] if self._stack else None,
                       min_quality=self.quality.currentData(),
                       sandbox=self.origin.currentData())

    def apply_filters(self) -> None:
        self._debounce.stop()
        self.model.set_filters(self.filters())
        self._update_state()

    def _on_place(self, kind: str, _board: str | None) -> None:
        self._stack = None
        self.library.update_actions()
        self.apply_filters()

    def _on_event(self, event) -> None:
        if event.kind in ("status_changed", "job_created") and not self.model.rowCount():
            self._update_state()  # the first-run panel counts dry-runs as they happen

    def _update_state(self, *_: object) -> None:
        n = self.model.rowCount()
        f = self.filters()
        kind, _board = self.boards.place()
        plain = Filters(sort=f.sort, group=f.group)
        if n:
            self.stack.setCurrentWidget(self.view)
        elif kind == TRASH:
            self.empty.setText(EMPTY_TRASH_TEXT)
            self.stack.setCurrentWidget(self.empty)
        elif f.board is not None:
            self.empty.setText(EMPTY_BOARD_TEXT)
            self.stack.setCurrentWidget(self.empty)
        elif f != plain:
            self.empty.setText(NO_MATCH_TEXT)
            self.stack.setCurrentWidget(self.empty)
        else:
            self.first_run.refresh()
            self.stack.setCurrentWidget(self.first_run)
        stacks = f.group != "none" and f.stack is None
        self.count.setText(f"{n} stack{'s' if n != 1 else ''}" if stacks
                           else f"{n} item{'s' if n != 1 else ''}")
        in_stack = self._stack is not None
        self.back_button.setVisible(in_stack)
        self.stack_label.setVisible(in_stack)
        if self._stack is not None:
            what = "fan-out" if f.group == "fanout" else "job"
            self.stack_label.setText(f"One {what}: {self._stack[1]} outputs")
        for w in (self.trash_note, self.restore_button, self.empty_trash_button):
            w.setVisible(kind == TRASH)
        self.empty_trash_button.setEnabled(kind == TRASH and n > 0)
        self.library.update_actions()

    # -- stacks ---------------------------------------------------------------------------

    def open_row(self, row: int) -> None:
        """A stack opens to its outputs; an output opens in the Viewer."""
        stack = self.model.stack_of(row)
        if stack is not None and stack.count > 1:
            self._stack = (stack.key, stack.count)
            self.apply_filters()
            self.select_row(0)
        elif 0 <= row < self.model.rowCount():
            self.openRequested.emit(row)

    def close_stack(self) -> None:
        if self._stack is not None:
            self._stack = None
            self.apply_filters()

    # -- selection, rating, opening -----------------------------------------------------

    def _on_current(self, current: QModelIndex, _prev: QModelIndex) -> None:
        if current.isValid():
            self.session.assetSelected.emit(current.data(ID_ROLE))
        self.library.update_actions()
        self.iterate.update()

    def follow(self, asset_id: str) -> None:
        """An output chosen elsewhere (a lineage row) is selected here when it is shown."""
        current = self.view.currentIndex()
        if current.isValid() and current.data(ID_ROLE) == asset_id:
            return
        row = self.model.row_of(asset_id)
        if row >= 0:
            self.select_row(row)

    def current_row(self) -> int:
        idx = self.view.currentIndex()
        return idx.row() if idx.isValid() else -1

    def selected_rows(self) -> list[int]:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedIndexes()})
        return rows or ([self.current_row()] if self.current_row() >= 0 else [])

    def selected_asset_ids(self) -> list[str]:
        """The selected outputs (a stack's cover stands for every output in it)."""
        return self.model.asset_ids_for(self.selected_rows())

    def shown_asset_ids(self) -> list[str]:
        """Everything the gallery shows now, stacks opened up."""
        return self.model.asset_ids_for(list(range(self.model.rowCount())))

    def select_row(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            idx = self.model.index(row)
            self.view.setCurrentIndex(idx)
            self.view.scrollTo(idx)

    def rate_current(self, rating: int | None) -> None:
        for row in self.selected_rows():
            self.rate_row(row, rating)

    def rate_row(self, row: int, rating: int | None) -> None:
        asset_id = self.model.data(self.model.index(row), ID_ROLE)
        if asset_id:
            self.session.studio.rate_asset(asset_id, rating)

    def _open_current(self) -> None:
        if self.current_row() >= 0:
            self.open_row(self.current_row())

    def show_place(self, kind: str = ALL, board: str | None = None) -> None:
        self.boards.select(kind, board)
