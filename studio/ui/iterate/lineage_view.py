"""Lineage as a tree: what an output was made from (its parents, and theirs) and what was
made from it (its children, and theirs). The Inspector shows it under the picture; the
Gallery's "Show lineage…" opens it in a window. Clicking a row selects that output."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.core.lineage import Edge, Node
from studio.ui.iterate.request import ROLE_LABELS
from studio.ui.widgets import SPACING, ImageLoader

if TYPE_CHECKING:
    from studio.ui.session import Session

ASSET_ID = Qt.ItemDataRole.UserRole + 40
JOB_ID = Qt.ItemDataRole.UserRole + 41
ICON = 32
LOCAL = {"frame": "saved frame", "mask": "painted mask", "canvas": "extended canvas",
         "import": "imported image"}


def describe(node: Node, session: Session) -> str:
    """What made an asset, in a few words."""
    if node.provider == "studio":
        what = LOCAL.get(node.mode, node.mode)
    else:
        what = f"{session.model_name(node.provider, node.model)} · {node.mode}"
    if node.asset_id is None:
        what += f" ({node.status.replace('_', '-')}, no output)"
    return what + (" …" if node.truncated else "")


class LineageTree(QTreeWidget):
    """Parents under "Made from", children under "Used by"; clicking selects."""

    def __init__(self, session: Session, loader: ImageLoader | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lineageTree")
        self.setAccessibleName("Lineage")
        self.session = session
        self.loader = loader
        self.root: Node | None = None
        self.setHeaderHidden(True)
        self.setColumnCount(1)
        self.setIndentation(14)
        self.setIconSize(QSize(ICON, ICON))
        self.setToolTip("Click an output to select it")
        self.itemClicked.connect(self._on_clicked)
        self.itemActivated.connect(self._on_clicked)
        if loader is not None:
            loader.loaded.connect(self._on_loaded)
        self._icons: dict[str, list[QTreeWidgetItem]] = {}

    def show_asset(self, asset_id: str | None) -> bool:
        """Fill from the asset's lineage; False (and empty) when it has none to show."""
        self.clear()
        self._icons.clear()
        self.root = None
        if asset_id is None:
            return False
        try:
            self.root = self.session.studio.lineage(asset_id)
        except KeyError:
            return False
        for title, edges in (("Made from", self.root.parents),
                             ("Used by", self.root.children)):
            if not edges:
                continue
            head = QTreeWidgetItem(self, [f"{title} ({len(edges)})"])
            head.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self._add(head, edges, upward=title == "Made from")
        self.expandAll()
        return bool(self.root.parents or self.root.children)

    def fitting_height(self, most: int) -> int:
        """Tall enough for every row (up to `most` pixels): a short lineage stays short."""
        rows = self.count() + self.topLevelItemCount()
        return min(most, rows * (ICON + 4) + 2 * self.frameWidth() + 4)

    def count(self) -> int:
        """Rows that stand for an output or a job (not the headings)."""
        found = 0
        stack = [self.topLevelItem(i) for i in range(self.topLevelItemCount())]
        while stack:
            item = stack.pop()
            if item is None:
                continue
            found += 1 if item.data(0, JOB_ID) else 0
            stack += [item.child(i) for i in range(item.childCount())]
        return found

    def items_for(self, asset_id: str) -> list[QTreeWidgetItem]:
        out = []
        stack = [self.topLevelItem(i) for i in range(self.topLevelItemCount())]
        while stack:
            item = stack.pop()
            if item is None:
                continue
            if item.data(0, ASSET_ID) == asset_id:
                out.append(item)
            stack += [item.child(i) for i in range(item.childCount())]
        return out

    def _add(self, under: QTreeWidgetItem, edges: list[Edge], *, upward: bool) -> None:
        for edge in edges:
            node = edge.node
            role = ROLE_LABELS.get(edge.role, edge.role.value)
            item = QTreeWidgetItem(under, [f"{role} · {describe(node, self.session)}"])
            item.setData(0, ASSET_ID, node.asset_id)
            item.setData(0, JOB_ID, node.job_id)
            item.setToolTip(0, f"{node.asset_id or 'job ' + node.job_id}\n{node.path or ''}"
                               .strip())
            self._set_icon(item, node)
            self._add(item, node.parents if upward else node.children, upward=upward)

    def _set_icon(self, item: QTreeWidgetItem, node: Node) -> None:
        if self.loader is None or not node.asset_id or not node.path:
            return
        asset = self.session.studio.asset(node.asset_id)
        if asset is None:
            return
        key = self.loader.thumb_key(asset.sha256)
        self._icons.setdefault(key, []).append(item)
        pm = self.loader.thumbnail(asset.path, asset.sha256, asset.media_type)
        if pm is not None:
            item.setIcon(0, QIcon(pm))

    def _on_loaded(self, key: str) -> None:
        pm = self.loader.pixmap(key) if self.loader is not None else None
        for item in self._icons.get(key, []):
            if pm is not None:
                item.setIcon(0, QIcon(pm))

    def _on_clicked(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        asset_id = item.data(0, ASSET_ID)
        job_id = item.data(0, JOB_ID)
        if asset_id:
            self.session.assetSelected.emit(asset_id)
        elif job_id:
            self.session.jobSelected.emit(job_id)


class LineageDialog(QDialog):
    """The Gallery's "Show lineage…": one output's tree in a window of its own."""

    def __init__(self, session: Session, asset_id: str, loader: ImageLoader | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lineageDialog")
        self.setWindowTitle("Lineage — Provider Studio")
        asset = session.studio.asset(asset_id)
        job = session.studio.job(asset.job_id) if asset is not None else None
        title = QLabel(self)
        title.setProperty("role", "heading")
        title.setWordWrap(True)
        self.tree = LineageTree(session, loader, self)
        has = self.tree.show_asset(asset_id)
        root = self.tree.root
        what = describe(root, session) if root is not None else asset_id
        title.setText(f"{what}" + (f" — “{job.prompt[:80]}”" if job and job.prompt else ""))
        self.note = QLabel("" if has else "This output was made from nothing in this studio, "
                                          "and nothing has been made from it yet.", self)
        self.note.setProperty("role", "muted")
        self.note.setWordWrap(True)
        self.note.setVisible(not has)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.setSpacing(SPACING)
        box.addWidget(title)
        box.addWidget(self.note)
        box.addWidget(self.tree, 1)
        box.addWidget(buttons)
        self.resize(520, 420)
