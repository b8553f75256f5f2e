"""The one model picker: search, "can do" filter, favourites only, and a tree of
favourites, recently used and every provider's models with status and price inline.
The Providers dock, Compose's "Send to" and New compare all use it."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStackedLayout,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from studio.ui.catalog.tree_model import (
    CAPABILITIES,
    FAVOURITE,
    KEY_ROLE,
    NAME,
    NODE_ROLE,
    PRICE,
    CatalogFilter,
    CatalogModel,
    Node,
    Target,
    capability_counts,
)
from studio.ui.session import Session
from studio.ui.widgets import SPACING, BadgeDelegate

SMALL_CATALOG = 30  # models; a larger catalog opens only its first provider at first
NARROW_PRICE = 270  # px: below this the price column hides (the tooltip keeps it)


class ModelPicker(QWidget):
    targetsChanged = Signal()  # the checked set changed
    currentChanged = Signal(object)  # Node under the cursor, or None

    def __init__(self, session: Session, parent: QWidget | None = None, *,
                 checkable: bool = False, name: str = "modelPicker") -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.session = session
        self.model = CatalogModel(checkable, self)
        self.proxy = CatalogFilter(self)
        self.proxy.setSourceModel(self.model)
        self._open: set[str] | None = None  # expanded rows, by key, while unfiltered

        self.search = QLineEdit(self)
        self.search.setObjectName("pickerSearch")
        self.search.setPlaceholderText("Search models…")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search models")
        self.capability = QComboBox(self)
        self.capability.setObjectName("pickerCapability")
        self.capability.setAccessibleName("Show models that can do")
        self.capability.setToolTip("Show only models that can do this")
        self.capability.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.capability.setMinimumContentsLength(10)
        self.favourites_only = QToolButton(self)
        self.favourites_only.setObjectName("pickerFavouritesOnly")
        self.favourites_only.setText("★ only")
        self.favourites_only.setCheckable(True)
        self.favourites_only.setAccessibleName("Favourites only")
        self.favourites_only.setToolTip("Show only your favourite models")

        self.view = QTreeView(self)
        self.view.setObjectName("pickerTree")
        self.view.setAccessibleName("Models")
        self.view.setModel(self.proxy)
        self.view.setUniformRowHeights(True)
        self.view.setIndentation(14)
        self.view.setAllColumnsShowFocus(True)
        self.view.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # "FLUX…[dev]", never "FL…"
        self.view.setItemDelegateForColumn(NAME, BadgeDelegate(self.view))
        header = self.view.header()
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(24)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(PRICE, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(FAVOURITE, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(FAVOURITE, 28)
        self.empty = QLabel(self)
        self.empty.setObjectName("pickerEmpty")
        self.empty.setProperty("role", "muted")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedLayout()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty)

        row = QHBoxLayout()
        row.setSpacing(SPACING // 2)
        row.addWidget(self.capability, 1)
        row.addWidget(self.favourites_only)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(SPACING // 2)
        box.addWidget(self.search)
        box.addLayout(row)
        box.addLayout(self.stack, 1)
        self.setMinimumWidth(200)
        QWidget.setTabOrder(self.search, self.capability)
        QWidget.setTabOrder(self.capability, self.favourites_only)
        QWidget.setTabOrder(self.favourites_only, self.view)

        self.model.checkedChanged.connect(self.targetsChanged)
        self.model.modelAboutToBeReset.connect(self._remember_open)
        self.model.modelReset.connect(self._restore_open)
        self.view.expanded.connect(lambda i: self._mark_open(i, True))
        self.view.collapsed.connect(lambda i: self._mark_open(i, False))
        self.view.clicked.connect(self._on_clicked)
        self.view.selectionModel().currentChanged.connect(
            lambda cur, _prev: self.currentChanged.emit(cur.data(NODE_ROLE)))
        self.search.textChanged.connect(lambda text: self._filter(text=text))
        self.search.returnPressed.connect(self.focus_first)
        down = QShortcut(QKeySequence(Qt.Key.Key_Down), self.search)
        down.setContext(Qt.ShortcutContext.WidgetShortcut)
        down.activated.connect(self.focus_first)
        self.capability.currentIndexChanged.connect(
            lambda _i: self._filter(capability=self.capability.currentData()))
        self.favourites_only.toggled.connect(lambda on: self._filter(favourites_only=on))
        star = QShortcut(QKeySequence("*"), self.view)
        star.setContext(Qt.ShortcutContext.WidgetShortcut)
        star.activated.connect(self.toggle_current_favourite)
        session.catalogChanged.connect(self.reload)
        session.preferencesChanged.connect(self._on_preferences)
        self._on_preferences(reset=False)
        self.reload()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        # Too narrow for names and prices both: the name wins; the price stays on hover
        # (and in Compose's panels and the Providers details).
        narrow = self.width() < NARROW_PRICE
        if self.view.isColumnHidden(PRICE) != narrow:
            self.view.setColumnHidden(PRICE, narrow)

    # -- filling ------------------------------------------------------------------------

    def reload(self) -> None:
        entries = self.session.entries()
        self.model.quota_errors = self.session.quota_errors
        current = self.view.currentIndex().data(KEY_ROLE)
        self.model.set_entries(entries)
        self._fill_capabilities(capability_counts(entries))
        if current:
            self._select_key(current)
        self._update_empty()

    def _fill_capabilities(self, counts: dict[str, int]) -> None:
        keep = self.capability.currentData()
        self.capability.blockSignals(True)
        self.capability.clear()
        self.capability.addItem("Can do: anything", None)
        for key, label, _modes in CAPABILITIES:
            n = counts.get(key, 0)
            self.capability.addItem(f"{label} ({n})" if n else f"{label} (no models yet)", key)
        self.capability.setCurrentIndex(max(0, self.capability.findData(keep)))
        self.capability.blockSignals(False)

    def _on_preferences(self, reset: bool = True) -> None:
        prefs = self.session.preferences()
        self.model.set_preferences(prefs.favourites, prefs.recent)
        if reset:
            self.proxy.set_filter()  # re-filter: a section that was empty may show now
            self._expand_sections()
            self._update_empty()

    # -- filtering ----------------------------------------------------------------------

    def _filter(self, **change) -> None:
        was = self.proxy.active
        if not was:
            self._remember_open()
        self.proxy.set_filter(**change)
        if self.proxy.active:
            self.view.expandAll()
        elif was:
            self._restore_open()
        self._update_empty()

    def _update_empty(self) -> None:
        if self.proxy.rowCount():
            self.stack.setCurrentWidget(self.view)
            return
        what = self.capability.currentData()
        label = next((lbl for k, lbl, _m in CAPABILITIES if k == what), "")
        if what and not capability_counts(self.session.entries()).get(what):
            text = f"No model can do {label.lower()} yet."
        elif self.search.text().strip():
            text = f"No model matches “{self.search.text().strip()}”."
        elif self.favourites_only.isChecked():
            text = "No favourites yet: click ☆ next to a model, or press *."
        else:
            text = "No models match these filters."
        self.empty.setText(text)
        self.stack.setCurrentWidget(self.empty)

    # -- expansion ----------------------------------------------------------------------

    def _keys(self, parent: QModelIndex = QModelIndex()) -> list[tuple[str, QModelIndex]]:  # noqa: B008
        return [(self.proxy.index(r, 0, parent).data(KEY_ROLE), self.proxy.index(r, 0, parent))
                for r in range(self.proxy.rowCount(parent))]

    def _mark_open(self, index: QModelIndex, is_open: bool) -> None:
        if self._open is not None and not self.proxy.active:
            key = index.data(KEY_ROLE)
            (self._open.add if is_open else self._open.discard)(key)

    def _remember_open(self) -> None:
        if self._open is not None and not self.proxy.active:
            self._open = {k for k, i in self._keys() if self.view.isExpanded(i)}

    def _restore_open(self) -> None:
        if self.proxy.active:
            self.view.expandAll()
            return
        if self._open is None:
            small = sum(len(e.models) for e in self.session.entries()) <= SMALL_CATALOG
            providers = [k for k, _ in self._keys() if k.startswith("provider:")]
            self._open = set(providers if small else providers[:1])
        for key, index in self._keys():
            self.view.setExpanded(index, key in self._open or key.startswith("section:"))

    def _expand_sections(self) -> None:
        for key, index in self._keys():
            if key.startswith("section:"):
                self.view.setExpanded(index, True)

    # -- checking, favourites, selection -------------------------------------------------

    def checked(self) -> list[Target]:
        return self.model.checked()

    def set_checked(self, target: Target, on: bool = True) -> bool:
        found = self.model.set_checked(target, on)
        if found and on and not self.proxy.active:
            index = self.index_of(target[0])
            if index.isValid():
                self.view.setExpanded(index, True)
        return found

    def clear_checked(self) -> None:
        for target in self.checked():
            self.model.set_checked(target, False)

    def index_of(self, provider_id: str, model_id: str | None = None) -> QModelIndex:
        """The row of a provider (or one of its models) under its provider, in the view."""
        key = f"model:{provider_id}:{model_id}" if model_id else f"provider:{provider_id}"
        for top_key, top in self._keys():
            if top_key == key:
                return top
            if top_key == f"provider:{provider_id}":
                found = next((i for k, i in self._keys(top) if k == key), None)
                if found is not None:
                    return found
        return QModelIndex()

    def select(self, provider_id: str, model_id: str | None = None) -> bool:
        index = self.index_of(provider_id, model_id)
        if index.isValid():
            self.view.setCurrentIndex(index)
            self.view.scrollTo(index)
        return index.isValid()

    def _select_key(self, key: str) -> None:
        for _top_key, top in self._keys():
            for k, index in [(_top_key, top), *self._keys(top)]:
                if k == key:
                    self.view.selectionModel().setCurrentIndex(
                        index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                        | QItemSelectionModel.SelectionFlag.Rows)
                    return

    def current_node(self) -> Node | None:
        return self.view.currentIndex().data(NODE_ROLE)

    def focus_first(self) -> None:
        """From the search box into the list, on the first model shown."""
        for _key, top in self._keys():
            children = self._keys(top)
            if children:
                self.view.setCurrentIndex(children[0][1])
                break
        self.view.setFocus()

    def _on_clicked(self, index: QModelIndex) -> None:
        if index.column() == FAVOURITE:
            self._toggle_favourite(index.data(NODE_ROLE))

    def toggle_current_favourite(self) -> None:
        self._toggle_favourite(self.current_node())

    def _toggle_favourite(self, node: Node | None) -> None:
        if node is None or node.target is None:
            return
        key = f"{node.target[0]}:{node.target[1]}"
        self.session.set_favourite(*node.target, key not in self.model.favourites)
