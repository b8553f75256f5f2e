"""The Compare tab's models: compare groups (newest first) and the cells of one group, in
display order, with what the delegate paints: picture, provider/model, status, latency,
cost, the "seed honoured" mark and the adaptation notes. Blind mode hides the names."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
)

from studio.core.compare.groups import (
    Cell,
    CompareGroup,
    CompareGroups,
    cost_usd,
    letter,
)
from studio.core.events import EventKind, StoreEvent
from studio.core.jobs import Asset, Job
from studio.ui.gallery import ASSET_ROLE, ItemInfo
from studio.ui.iterate.mime import ASSET_IDS_MIME, asset_mime
from studio.ui.session import Session
from studio.ui.widgets import THUMB_SIZE, ImageLoader

INFO_ROLE = Qt.ItemDataRole.UserRole + 40
THUMB_ROLE = Qt.ItemDataRole.UserRole + 41
GROUP_ROLE = Qt.ItemDataRole.UserRole + 42

Index = QModelIndex | QPersistentModelIndex


@dataclass
class CellInfo:
    """One cell as shown: `label` is the on-screen letter (shuffled in blind mode)."""

    cell: Cell
    job: Job | None
    asset: Asset | None
    label: str
    title: str
    hidden: bool
    pending: int | None = None  # stars given but not yet saved
    latency: float | None = None  # request start to finish (Studio.latency_seconds)
    quality: float | None = None  # the output's quality score, when measured

    @property
    def cost(self) -> float | None:
        return cost_usd(self.job)

    @property
    def caption(self) -> str:
        return self.label if self.hidden else f"{self.label} · {self.title}"


class GroupListModel(QAbstractListModel):
    """Compare groups, newest first; rows re-read when the store says a group changed."""

    def __init__(self, session: Session, groups: CompareGroups, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.groups = groups
        self._ids: list[str] = []
        self._cache: dict[str, CompareGroup] = {}
        self._reload = QTimer(self, singleShot=True, interval=60)
        self._reload.timeout.connect(self.reload)
        session.storeEvent.connect(self._on_event)
        self.reload()

    def reload(self) -> None:
        if self.session.closed:  # a timer may fire after the window (and store) closed
            return
        self.beginResetModel()
        self._ids = self.groups.ids()
        self._cache.clear()
        self.endResetModel()

    def _on_event(self, event: StoreEvent) -> None:
        if event.kind is EventKind.COMPARE_CHANGED:
            self._reload.start()

    def group_id(self, row: int) -> str | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, group_id: str) -> int:
        return self._ids.index(group_id) if group_id in self._ids else -1

    def group(self, row: int) -> CompareGroup | None:
        gid = self.group_id(row)
        if gid is None or self.session.closed:  # a late repaint after the store closed
            return None
        if gid not in self._cache:
            found = self.groups.get(gid)
            if found is None:
                return None
            self._cache[gid] = found
        return self._cache[gid]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        group = self.group(index.row()) if index.isValid() else None
        if group is None:
            return None
        if role == GROUP_ROLE:
            return group.id
        if role == Qt.ItemDataRole.DisplayRole:
            prompt = " ".join(group.brief.prompt.split())
            prompt = prompt if len(prompt) <= 48 else prompt[:47] + "…"
            n = len(group.cells)
            when = time.strftime("%d %b %H:%M", time.localtime(group.created_at))
            return f"{prompt}\n{n} target{'s' if n != 1 else ''} · {when}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return group.brief.prompt
        return None


class CellModel(QAbstractListModel):
    """The cells of one group, in display order (blind mode: a shuffled order)."""

    def __init__(self, session: Session, loader: ImageLoader, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.studio = session.studio
        self.loader = loader
        self.group: CompareGroup | None = None
        self.hidden = False
        self.shuffled = False
        self._rows: list[CellInfo] = []
        self._pending: dict[str, int] = {}
        loader.loaded.connect(self._on_loaded)
        session.storeEvent.connect(self._on_event)

    def set_group(self, group: CompareGroup | None, order: list[str] | None = None,
                  hidden: bool = False) -> None:
        """Show a group. `order`: job ids in display order (a blind round: only those cells,
        lettered by row, so a letter says nothing about which target it is)."""
        self.beginResetModel()
        if group is None or self.group is None or group.id != self.group.id:
            self._pending.clear()
        self.group, self.hidden, self.shuffled = group, hidden, order is not None
        cells = list(group.cells) if group else []
        if order is not None:
            by_job = {c.job_id: c for c in cells}
            cells = [by_job[j] for j in order if j in by_job]
        self._rows = [self._info(c, i) for i, c in enumerate(cells)]
        self.endResetModel()

    def _info(self, cell: Cell, row: int) -> CellInfo:
        job = self.studio.job(cell.job_id) if cell.job_id else None
        assets = self.studio.job_assets(job.id) if job else []
        entry = self.session.entry(cell.target.provider)
        title = (f"{entry.name if entry else cell.target.provider} · "
                 f"{self.session.model_name(cell.target.provider, cell.target.model)}")
        label = letter(row) if self.shuffled else cell.letter
        asset = assets[0] if assets else None
        quality = self.studio.quality(asset.id) if asset is not None else None
        return CellInfo(cell, job, asset, label, title, self.hidden,
                        self._pending.get(cell.job_id or ""),
                        self.session.studio.latency_seconds(job),
                        quality.quality_score if quality is not None else None)

    def cells(self) -> list[CellInfo]:
        return list(self._rows)

    def info(self, row: int) -> CellInfo | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def pending(self) -> dict[str, int]:
        return dict(self._pending)

    def set_pending(self, row: int, stars: int | None) -> None:
        info = self.info(row)
        if info is None or info.job is None:
            return
        if stars:
            self._pending[info.job.id] = stars
        else:
            self._pending.pop(info.job.id, None)
        info.pending = stars or None
        self.dataChanged.emit(self.index(row), self.index(row))

    def clear_pending(self) -> None:
        self._pending.clear()
        for i, info in enumerate(self._rows):
            if info.pending:
                info.pending = None
                self.dataChanged.emit(self.index(i), self.index(i))

    def _on_event(self, event: StoreEvent) -> None:
        if event.kind not in (EventKind.JOB_UPDATED, EventKind.STATUS_CHANGED,
                              EventKind.ASSET_ADDED, EventKind.ASSET_RATED,
                              EventKind.ASSET_QUALITY):
            return
        for row, info in enumerate(self._rows):
            if info.cell.job_id == event.job_id:
                self._rows[row] = self._info(info.cell, row)
                self.dataChanged.emit(self.index(row), self.index(row))

    def _on_loaded(self, key: str) -> None:
        for row, info in enumerate(self._rows):
            if info.asset is not None and key == self.loader.thumb_key(info.asset.sha256):
                self.dataChanged.emit(self.index(row), self.index(row), [THUMB_ROLE])

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    # -- outputs as inputs: drags and the iterate actions (never a blind cell's) ------------

    def asset_ids_for(self, rows: Sequence[int]) -> list[str]:
        found = [self.info(r) for r in rows]
        return [i.asset.id for i in found if i is not None and i.asset is not None
                and not i.hidden]

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDragEnabled if self.asset_ids_for(
            [index.row()]) else base

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    def mimeTypes(self) -> list[str]:
        return [ASSET_IDS_MIME, "text/uri-list"]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        return asset_mime(self.studio, self.asset_ids_for(sorted({i.row() for i in indexes})))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        info = self.info(index.row()) if index.isValid() else None
        if info is None:
            return None
        if role == INFO_ROLE:
            return info
        if role == THUMB_ROLE:
            a = info.asset
            return self.loader.thumbnail(a.path, a.sha256, a.media_type, THUMB_SIZE) if a else None
        if role == Qt.ItemDataRole.DisplayRole:
            return info.caption
        if role == Qt.ItemDataRole.ToolTipRole:
            if info.hidden:
                return "Names are hidden until you vote."
            notes = [a.note for a in info.cell.adaptations]
            return "\n".join([info.title, info.cell.target.model, *notes])
        return None


class CellSource(QAbstractListModel):
    """The cells with an output, as the Viewer walks them (next/previous). Blind cells
    keep their names hidden there too."""

    def __init__(self, cells: CellModel, rows: list[int], parent=None) -> None:
        super().__init__(parent)
        self.cells = cells
        self.rows = list(rows)
        cells.dataChanged.connect(self._forward)

    def _forward(self, top: QModelIndex, bottom: QModelIndex, roles=()) -> None:
        for mine, row in enumerate(self.rows):
            if top.row() <= row <= bottom.row():
                self.dataChanged.emit(self.index(mine), self.index(mine))

    def asset_at(self, row: int) -> tuple[Asset, ItemInfo] | None:
        info = self.cells.info(self.rows[row]) if 0 <= row < len(self.rows) else None
        if info is None or info.asset is None or info.job is None:
            return None
        job = info.job
        if info.hidden:
            return info.asset, ItemInfo("", "", job.mode, job.prompt, f"Cell {info.label}",
                                        "names hidden until you vote")
        provider_name, _, model_name = info.title.partition(" · ")
        return info.asset, ItemInfo(job.provider, job.model, job.mode, job.prompt,
                                    f"{info.label} · {provider_name}", model_name)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        found = self.asset_at(index.row()) if index.isValid() else None
        if found is None:
            return None
        return found[0] if role == ASSET_ROLE else None
