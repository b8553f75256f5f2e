"""The gallery as a list model over asset ids (the library's query: filters, a board or
the trash, a sort order, stacks); details are fetched only for rows the view asks about,
in small batches, and thumbnails decode off-thread. Outputs drag out as files (and into
boards by id)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    QUrl,
)

from studio.core.events import EventKind, StoreEvent
from studio.core.jobs import Asset
from studio.core.library import LibraryQuery, Stack
from studio.ui.iterate.mime import ASSET_IDS_MIME
from studio.ui.session import Session
from studio.ui.widgets import THUMB_SIZE, ImageLoader

ASSET_ROLE = Qt.ItemDataRole.UserRole + 20
INFO_ROLE = Qt.ItemDataRole.UserRole + 21
THUMB_ROLE = Qt.ItemDataRole.UserRole + 22
ID_ROLE = Qt.ItemDataRole.UserRole + 23
STACK_ROLE = Qt.ItemDataRole.UserRole + 24  # the Stack a cover row stands for, when grouped
QUALITY_ROLE = Qt.ItemDataRole.UserRole + 25  # (measured, score or None)
BATCH = 64
CACHE_LIMIT = 4000

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Filters:
    """The gallery's filters."""
    provider: str | None = None
    model: str | None = None
    mode: str | None = None
    text: str | None = None
    min_rating: int | None = None
    sort: str = "newest"  # newest, oldest, rating, cost_high, cost_low, quality
    board: str | None = None
    trash: bool = False
    group: str = "none"  # none, fanout, batch
    stack: str | None = None
    min_quality: float | None = None  # quality score 0-100 (core.metrics)
    sandbox: bool | None = None  # True: only sandbox renders; False: only real ones

    @property
    def newest_first(self) -> bool:
        return self.sort != "oldest"

    @property
    def narrowed(self) -> bool:
        """Anything the plain provider/model/text filters of an export cannot express."""
        return self.board is not None or self.trash or self.group != "none" or \
            self.sort not in ("newest", "oldest") or self.min_quality is not None or \
            self.sandbox is not None

    def query(self, *, grouped: bool = True) -> LibraryQuery:
        return LibraryQuery(provider=self.provider, model=self.model, mode=self.mode,
                            text=self.text, min_rating=self.min_rating, board=self.board,
                            trash=self.trash, sort=self.sort,  # type: ignore[arg-type]
                            group=self.group if grouped else "none",  # type: ignore[arg-type]
                            stack=self.stack if grouped else None,
                            min_quality=self.min_quality, sandbox=self.sandbox)


@dataclass(frozen=True)
class ItemInfo:
    """What the delegate draws besides the picture."""

    provider: str
    model: str
    mode: str
    prompt: str
    provider_name: str = ""
    model_name: str = ""
    sandbox: bool = False  # rendered by the local emulator, not by the provider


class GalleryModel(QAbstractListModel):
    def __init__(self, session: Session, loader: ImageLoader, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.studio = session.studio
        self.loader = loader
        self.filters = Filters()
        self._ids: list[str] = []
        self._rows: dict[str, int] = {}
        self._assets: OrderedDict[str, tuple[Asset, ItemInfo]] = OrderedDict()
        self._by_sha: dict[str, set[str]] = {}
        self._stacks: dict[str, Stack] = {}  # cover asset id -> its stack, when grouped
        self._quality: dict[str, float | None] = {}  # measured outputs' scores
        self._requery = QTimer(self, singleShot=True, interval=100)
        self._requery.timeout.connect(self.refresh)
        loader.loaded.connect(self._on_thumb)
        loader.failed.connect(lambda key, _msg: self._on_thumb(key))
        session.storeEvent.connect(self.on_event)
        self.refresh()

    # -- ids ----------------------------------------------------------------------------

    def set_filters(self, filters: Filters) -> None:
        if filters != self.filters:
            self.filters = filters
            self.refresh(reset=True)

    def refresh(self, reset: bool = False) -> None:
        if self.session.closed:
            return
        f = self.filters
        library = self.session.studio.library
        if f.group != "none" and f.stack is None:
            stacks = library.stacks(f.query())
            self._stacks = {s.cover: s for s in stacks}
            ids = [s.cover for s in stacks]
            reset = True  # a stack's count or cover may change with the same ids
        else:
            self._stacks = {}
            ids = library.asset_ids(f.query())
        if ids == self._ids and not reset:
            return
        new = len(ids) - len(self._ids)
        in_order = f.sort in ("newest", "oldest")  # new outputs land at one end
        if not reset and in_order and new > 0 and f.newest_first and ids[new:] == self._ids:
            self.beginInsertRows(QModelIndex(), 0, new - 1)
            self._ids = ids
            self._reindex()
            self.endInsertRows()
        elif not reset and in_order and new > 0 and not f.newest_first and \
                ids[: len(self._ids)] == self._ids:
            self.beginInsertRows(QModelIndex(), len(self._ids), len(ids) - 1)
            self._ids = ids
            self._reindex()
            self.endInsertRows()
        else:
            self.beginResetModel()
            self._ids = ids
            self._reindex()
            self.endResetModel()

    def _reindex(self) -> None:
        self._rows = {asset_id: row for row, asset_id in enumerate(self._ids)}

    def ids(self) -> list[str]:
        return list(self._ids)

    def row_of(self, asset_id: str) -> int:
        return self._rows.get(asset_id, -1)

    def stack_of(self, row: int) -> Stack | None:
        return self._stacks.get(self._ids[row]) if 0 <= row < len(self._ids) else None

    def on_event(self, event: StoreEvent) -> None:
        if event.kind in (EventKind.ASSET_ADDED, EventKind.LIBRARY_CHANGED):
            self._requery.start()
        elif event.kind is EventKind.ASSET_RATED and event.asset is not None:
            cached = self._assets.get(event.asset.id)
            if cached is not None:
                self._assets[event.asset.id] = (event.asset, cached[1])
            row = self.row_of(event.asset.id)
            if row >= 0:
                idx = self.index(row)
                self.dataChanged.emit(idx, idx)
            if self.filters.min_rating or self.filters.sort == "rating":
                self._requery.start()
        elif event.kind is EventKind.ASSET_QUALITY and event.asset is not None:
            self._quality.update(self.studio.quality_scores([event.asset.id]))
            row = self.row_of(event.asset.id)
            if row >= 0:
                idx = self.index(row)
                self.dataChanged.emit(idx, idx, [QUALITY_ROLE])
            if self.filters.min_quality is not None or self.filters.sort == "quality":
                self._requery.start()

    # -- details for visible rows -------------------------------------------------------

    def asset_at(self, row: int) -> tuple[Asset, ItemInfo] | None:
        if not 0 <= row < len(self._ids):
            return None
        asset_id = self._ids[row]
        found = self._assets.get(asset_id)
        if found is None:
            self._fetch(row)
            found = self._assets.get(asset_id)
        else:
            self._assets.move_to_end(asset_id)
        return found

    def _fetch(self, row: int) -> None:
        if self.session.closed:  # a late repaint after the store closed
            return
        start = max(0, row - BATCH // 4)
        wanted = [i for i in self._ids[start:start + BATCH] if i not in self._assets]
        found = self.studio.assets_with_jobs(wanted)
        self._quality.update(self.studio.quality_scores(wanted))
        for asset_id in wanted:
            if asset_id not in found:
                continue
            asset, job = found[asset_id]
            info = ItemInfo(job.provider, job.model, job.mode, job.prompt,
                            sandbox=job.sandbox)
            entry = self.session.entry(info.provider)
            info = replace(info, provider_name=entry.name if entry else info.provider,
                           model_name=self.session.model_name(info.provider, info.model))
            self._assets[asset_id] = (asset, info)
            self._by_sha.setdefault(asset.sha256, set()).add(asset_id)
        while len(self._assets) > CACHE_LIMIT:
            old_id, (old, _) = self._assets.popitem(last=False)
            self._quality.pop(old_id, None)
            self._by_sha.get(old.sha256, set()).discard(old_id)

    def _on_thumb(self, key: str) -> None:
        parts = key.split(":")
        if len(parts) != 3 or parts[0] != "thumb":
            return
        for asset_id in self._by_sha.get(parts[1], ()):
            row = self.row_of(asset_id)
            if row >= 0:
                idx = self.index(row)
                self.dataChanged.emit(idx, idx, [THUMB_ROLE])

    # -- Qt model -----------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else base

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    def mimeTypes(self) -> list[str]:
        return [ASSET_IDS_MIME, "text/uri-list"]

    def asset_ids_for(self, rows: list[int]) -> list[str]:
        """The outputs of these rows: a stack's cover stands for every output in it."""
        ids: list[str] = []
        for row in rows:
            stack = self.stack_of(row)
            if stack is not None and stack.count > 1:
                query = replace(self.filters, stack=stack.key).query()
                ids += self.session.studio.library.asset_ids(query)
            elif 0 <= row < len(self._ids):
                ids.append(self._ids[row])
        return list(dict.fromkeys(ids))

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        """Dragged out: the files (a file manager copies them); onto a board: the ids."""
        ids = self.asset_ids_for(sorted({i.row() for i in indexes}))
        data = QMimeData()
        data.setData(ASSET_IDS_MIME, "\n".join(ids).encode())
        found = self.studio.assets_with_jobs(ids)
        data.setUrls([QUrl.fromLocalFile(found[i][0].path) for i in ids if i in found])
        return data

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == ID_ROLE:
            return self._ids[index.row()]
        if role == STACK_ROLE:
            return self._stacks.get(self._ids[index.row()])
        found = self.asset_at(index.row())
        if found is None:
            return None
        asset, info = found
        if role == ASSET_ROLE:
            return asset
        if role == INFO_ROLE:
            return info
        if role == QUALITY_ROLE:
            return (asset.id in self._quality, self._quality.get(asset.id))
        if role == THUMB_ROLE:
            return self.loader.thumbnail(asset.path, asset.sha256, asset.media_type, THUMB_SIZE)
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{info.provider_name} · {info.model_name}"
        if role == Qt.ItemDataRole.ToolTipRole:
            size = f"{asset.width}×{asset.height}" if asset.width else ""
            made = (f"Sandbox render (local emulator), standing in for {info.provider_name} · "
                    f"{info.model}" if info.sandbox else f"{info.provider_name} · {info.model}")
            return "\n".join(x for x in (info.prompt, made, size, asset.media_type) if x)
        return None
