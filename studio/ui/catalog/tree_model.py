"""The catalog as one tree model (favourites, recently used, then every provider with its
models) and the filter over it (search, what a model can do, favourites only). Every model
picker shows these; nothing here is widget-per-item."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)

from studio.core.catalog import ModelEntry, ProviderEntry, price_note
from studio.ui.widgets import BADGES, format_usd, status_icon, status_label

Target = tuple[str, str]  # (provider id, model id)
Index = QModelIndex | QPersistentModelIndex
NAME, PRICE, FAVOURITE = range(3)
NODE_ROLE = Qt.ItemDataRole.UserRole + 30
TARGET_ROLE = Qt.ItemDataRole.UserRole + 31
KEY_ROLE = Qt.ItemDataRole.UserRole + 32  # a stable key per row (expansion, selection)

# (key, label, modes): the filters exist even while no model offers them.
CAPABILITIES: list[tuple[str, str, frozenset[str]]] = [
    ("txt2img", "Text to image", frozenset({"txt2img"})),
    ("img2img", "Image to image", frozenset({"img2img"})),
    ("video", "Video", frozenset({"txt2video", "img2video", "storyboard"})),
    ("inpaint", "Inpaint", frozenset({"inpaint", "outpaint"})),
    ("upscale", "Upscale", frozenset({"upscale"})),
    ("remove_background", "Remove background", frozenset({"remove_background"})),
]
SECTIONS = (("favourites", "★ Favourites"), ("recent", "Recently used"))


def quota_text(quota: dict | None) -> str:
    if not quota:
        return ""
    unit = quota.get("unit", "")
    amount = quota.get("remaining")
    text = f"${amount:,.2f}" if unit == "usd" else f"{amount:,.4g} {unit}"
    return text + (" (low)" if quota.get("low") else "")


@dataclass(eq=False)
class Node:
    """A row of the catalog tree: a group, a provider or a model."""
    key: str
    parent: Node | None = None
    entry: ProviderEntry | None = None
    model: ModelEntry | None = None
    title: str = ""
    children: list[Node] = field(default_factory=list)

    @property
    def target(self) -> Target | None:
        if self.model is None or self.entry is None:
            return None
        return (self.entry.id, self.model.id)

    @property
    def in_section(self) -> bool:
        return self.parent is not None and self.parent.entry is None


class CatalogModel(QAbstractItemModel):
    """Providers and models; model rows may be checkable (Compose, New compare)."""

    checkedChanged = Signal()
    favouriteClicked = Signal(str, str, bool)  # provider, model, wanted on

    def __init__(self, checkable: bool = False, parent=None) -> None:
        super().__init__(parent)
        self.checkable = checkable
        self.root = Node("")
        self._checked: set[Target] = set()
        self.favourites: list[str] = []
        self.recent: list[str] = []
        self.quota_errors: dict[str, str] = {}
        self._entries: list[ProviderEntry] = []
        self.marks: dict[Target, str] = {}  # models that cannot take Compose's inputs: why

    # -- filling ------------------------------------------------------------------------

    def set_entries(self, entries: list[ProviderEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        known = {(e.id, m.id) for e in entries for m in e.models}
        self._checked &= known
        self.root = Node("")
        for key, title in SECTIONS:
            section = Node(f"section:{key}", self.root, title=title)
            section.children = self._section_nodes(section, key)
            self.root.children.append(section)
        for entry in entries:
            top = Node(f"provider:{entry.id}", self.root, entry=entry)
            top.children = [Node(f"model:{entry.id}:{m.id}", top, entry, m)
                            for m in entry.models]
            self.root.children.append(top)
        self.endResetModel()

    def _section_nodes(self, section: Node, key: str) -> list[Node]:
        wanted = self.favourites if key == "favourites" else self.recent
        found = {f"{e.id}:{m.id}": (e, m) for e in self._entries for m in e.models}
        return [Node(f"{section.key}:{k}", section, *found[k]) for k in wanted if k in found]

    def set_preferences(self, favourites: list[str], recent: list[str]) -> None:
        """Refill the two sections in place (the providers below keep their state)."""
        changed_fav = favourites != self.favourites
        self.favourites, self.recent = list(favourites), list(recent)
        for row, (key, _title) in enumerate(SECTIONS):
            section = self.root.children[row] if self.root.children else None
            if section is None:
                return
            fresh = self._section_nodes(section, key)
            if [n.key for n in fresh] == [n.key for n in section.children]:
                continue
            parent = self.index(row, 0)
            if section.children:
                self.beginRemoveRows(parent, 0, len(section.children) - 1)
                section.children = []
                self.endRemoveRows()
            if fresh:
                self.beginInsertRows(parent, 0, len(fresh) - 1)
                section.children = fresh
                self.endInsertRows()
        if changed_fav:
            self._changed_everywhere(None, FAVOURITE)

    def set_marks(self, marks: dict[Target, str]) -> None:
        """Mark the models that cannot take Compose's chosen inputs, with why."""
        if marks != self.marks:
            self.marks = dict(marks)
            self._changed_everywhere(None, NAME)

    # -- checking -----------------------------------------------------------------------

    def checked(self) -> list[Target]:
        """Checked targets in catalog order."""
        return [(e.id, m.id) for e in self._entries for m in e.models
                if (e.id, m.id) in self._checked]

    def set_checked(self, target: Target, on: bool = True) -> bool:
        target = (target[0], target[1])
        if not any((e.id, m.id) == target for e in self._entries for m in e.models):
            return False
        if (target in self._checked) != on:
            (self._checked.add if on else self._checked.discard)(target)
            self._changed_everywhere(target, NAME)
            self.checkedChanged.emit()
        return True

    def _changed_everywhere(self, target: Target | None, column: int) -> None:
        """A model can appear three times (favourites, recent, its provider)."""
        for parent_row, top in enumerate(self.root.children):
            for row, node in enumerate(top.children):
                if target is None or node.target == target:
                    index = self.index(row, column, self.index(parent_row, 0))
                    self.dataChanged.emit(index, index)

    # -- Qt model -----------------------------------------------------------------------

    def node(self, index: Index) -> Node:
        return index.internalPointer() if index.isValid() else self.root

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        node = self.node(parent)
        if not (0 <= row < len(node.children)) or not (0 <= column < 3):
            return QModelIndex()
        return self.createIndex(row, column, node.children[row])

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        node = self.node(index)
        up = node.parent
        if up is None or up is self.root:
            return QModelIndex()
        return self.createIndex(self.root.children.index(up), 0, up)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self.node(parent).children)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 3

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return ("Provider / model", "Price", "★")[section]
        if role == Qt.ItemDataRole.ToolTipRole and section == FAVOURITE:
            return "Favourites: click ☆ on a model (or press *) to keep it at the top"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        node = self.node(index)
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if node.model is not None and self.checkable and index.column() == NAME:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        node = self.node(index)
        if role == Qt.ItemDataRole.CheckStateRole and node.target and self.checkable:
            on = Qt.CheckState(value) == Qt.CheckState.Checked
            return self.set_checked(node.target, on)
        return False

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node = self.node(index)
        if role == NODE_ROLE:
            return node
        if role == KEY_ROLE:
            return node.key
        if role == TARGET_ROLE:
            return node.target
        if node.entry is None:
            return self._section_data(node, index.column(), role)
        if node.model is None:
            return self._provider_data(node.entry, index.column(), role)
        return self._model_data(node, index.column(), role)

    def _section_data(self, node: Node, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and column == NAME:
            return f"{node.title} ({len(node.children)})"
        if role == Qt.ItemDataRole.ToolTipRole:
            return ("Models you starred" if node.key.endswith("favourites")
                    else "Models you sent to most recently")
        return None

    def _provider_data(self, entry: ProviderEntry, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return (entry.name, quota_text(entry.quota), "")[column]
        if role == BADGES and column == NAME:
            return [entry.status, *(["sandbox"] if entry.sandbox else [])]
        if role == Qt.ItemDataRole.ToolTipRole:
            error = self.quota_errors.get(entry.id)
            return (f"{entry.name}: {status_label(entry.status)}\n{entry.reason}"
                    + (f"\nQuota check failed: {error}" if error else ""))
        return None

    def _model_data(self, node: Node, column: int, role: int) -> Any:
        entry, model = node.entry, node.model
        assert entry is not None and model is not None
        key = f"{entry.id}:{model.id}"
        if role == Qt.ItemDataRole.DisplayRole:
            if column == NAME:
                return f"{entry.name} · {model.name}" if node.in_section else model.name
            if column == PRICE:
                return format_usd(model.price)
            return "★" if key in self.favourites else "☆"
        # Under its provider a model's status is the provider's badge unless it differs;
        # in Favourites and Recent, where no provider row is above it, a dot says it.
        if role == Qt.ItemDataRole.DecorationRole and column == NAME and node.in_section:
            return status_icon(model.status)
        cannot = ["cannot"] if node.target in self.marks else []
        if role == BADGES and column == NAME and model.status != entry.status \
                and not node.in_section:
            return [model.status, *cannot]
        if role == BADGES and column == NAME and cannot:
            return cannot
        if role == Qt.ItemDataRole.CheckStateRole and column == NAME and self.checkable:
            return (Qt.CheckState.Checked if node.target in self._checked
                    else Qt.CheckState.Unchecked)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == FAVOURITE:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == FAVOURITE:
                return ("Remove from favourites" if key in self.favourites
                        else "Add to favourites")
            why = self.marks.get((entry.id, model.id))
            return (f"{entry.name} · {model.name}\n{model.id}\n{model.description}\n"
                    f"Can do: {', '.join(model.modes)}\n"
                    f"Status: {status_label(model.status)} — {model.reason}\n"
                    f"Price: {format_usd(model.price)} — {price_note(model.price) or '—'}"
                    + (f"\nCannot use the chosen inputs: {why}" if why else ""))
        return None


def capability_counts(entries: list[ProviderEntry]) -> dict[str, int]:
    return {key: sum(1 for e in entries for m in e.models if modes & set(m.modes))
            for key, _label, modes in CAPABILITIES}


class CatalogFilter(QSortFilterProxyModel):
    """Text matches a model's name, id or provider; a capability keeps the models that
    can do it; "favourites only" keeps starred models. Providers and sections show when
    any of their models does."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.text = ""
        self.capability: str | None = None
        self.favourites_only = False
        self.setRecursiveFilteringEnabled(True)
        self.setDynamicSortFilter(False)  # rows never jump while being checked

    def set_filter(self, text: str | None = None, capability: str | bool | None = False,
                   favourites_only: bool | None = None) -> None:
        self.beginFilterChange()
        if text is not None:
            self.text = " ".join(text.casefold().split())
        if capability is not False:
            self.capability = capability  # type: ignore[assignment]
        if favourites_only is not None:
            self.favourites_only = favourites_only
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    @property
    def active(self) -> bool:
        return bool(self.text or self.capability or self.favourites_only)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        node: Node = model.index(source_row, 0, source_parent).internalPointer()
        if node.model is None or node.entry is None:
            return not self.active and node.entry is not None  # sections: via children
        if node.in_section and self.active:
            return False  # a filtered list shows each model once, under its provider
        if self.capability:
            modes = next(m for k, _label, m in CAPABILITIES if k == self.capability)
            if not modes & set(node.model.modes):
                return False
        favourites = model.favourites if isinstance(model, CatalogModel) else []
        if self.favourites_only and f"{node.entry.id}:{node.model.id}" not in favourites:
            return False
        if not self.text:
            return True
        haystack = " ".join((node.model.name, node.model.id, node.entry.name,
                             node.entry.id)).casefold()
        return all(word in haystack for word in self.text.split())
