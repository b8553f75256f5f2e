"""The library around the gallery: boards (named collections of outputs), a trash that
keeps files until it is emptied, stacks (outputs grouped by fan-out or by job) and the
orders an artist sorts by (date, rating, cost).

Trashing only hides an output, so it can be restored until the trash is emptied; emptying
deletes the files (output and sidecar) and the output's row, and logs it on the job.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from studio.core.events import StoreEvent
from studio.core.provenance import sidecar_path
from studio.core.store import Store

log = logging.getLogger(__name__)

DDL = """
CREATE TABLE IF NOT EXISTS library_boards (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS library_board_items (
    board_id TEXT NOT NULL, asset_id TEXT NOT NULL, added_at REAL NOT NULL,
    PRIMARY KEY (board_id, asset_id));
CREATE INDEX IF NOT EXISTS library_board_items_asset ON library_board_items(asset_id);
CREATE TABLE IF NOT EXISTS library_trash (asset_id TEXT PRIMARY KEY, trashed_at REAL NOT NULL);
"""

Sort = Literal["newest", "oldest", "rating", "cost_high", "cost_low", "quality"]
Grouping = Literal["none", "fanout", "batch"]
_COST = ("COALESCE(json_extract(j.actual_cost, '$.usd'), "
         "json_extract(j.estimate, '$.usd'))")
# An output's quality score (core.quality_store), NULL until it is measured.
_QUALITY = "(SELECT m.quality_score FROM asset_metrics m WHERE m.asset_id = a.id)"
_ORDER: dict[str, str] = {
    "newest": 'a.created_at DESC, a."index"',
    "oldest": 'a.created_at ASC, a."index"',
    "rating": 'a.rating IS NULL, a.rating DESC, a.created_at DESC, a."index"',
    "cost_high": f'{_COST} IS NULL, {_COST} DESC, a.created_at DESC, a."index"',
    "cost_low": f'{_COST} IS NULL, {_COST} ASC, a.created_at DESC, a."index"',
    "quality": f'{_QUALITY} IS NULL, {_QUALITY} DESC, a.created_at DESC, a."index"',
}
# A job's batch is its variations batch (job_batches) when it has one, else the job itself.
_BATCH = "(SELECT b.batch_id FROM job_batches b WHERE b.job_id = j.id)"
_GROUP_KEY = {"fanout": f"COALESCE(j.compare_group, {_BATCH}, j.id)",
              "batch": f"COALESCE({_BATCH}, j.id)"}


class LibraryError(ValueError):
    """A board name or id that cannot be used; the message says why."""


@dataclass(frozen=True)
class Board:
    """A board (collection) of outputs."""
    id: str
    name: str
    count: int


@dataclass(frozen=True)
class LibraryQuery:
    """Which outputs the gallery shows, and in what order."""
    provider: str | None = None
    model: str | None = None
    mode: str | None = None
    text: str | None = None
    min_rating: int | None = None
    include_masks: bool = False  # masks are assets of their own (core.local_assets)
    board: str | None = None
    trash: bool = False  # True: only what is in the trash
    sort: Sort = "newest"
    group: Grouping = "none"
    stack: str | None = None  # only the outputs of this stack (a group key)
    min_quality: float | None = None  # only outputs measured at least this (0-100)
    sandbox: bool | None = None  # True: only sandbox renders; False: none of them


@dataclass(frozen=True)
class Stack:
    """Outputs that belong together: one fan-out, or one batch (a job's outputs, or the
    jobs of N variations)."""

    key: str
    cover: str  # the asset shown for the stack: its first under the chosen sort
    count: int


@dataclass(frozen=True)
class EmptiedTrash:
    """What emptying the trash removed, and the files it left."""
    outputs: int
    files: int
    kept: list[str]  # files left in place (outside the outputs folder), by path


class Library:
    def __init__(self, store: Store, assets_dir: Path) -> None:
        self.store = store
        self.assets_dir = assets_dir
        store.ensure_schema(DDL)

    # -- boards -------------------------------------------------------------------------

    def boards(self) -> list[Board]:
        rows = self.store.query(
            "SELECT b.id, b.name, (SELECT COUNT(*) FROM library_board_items i JOIN assets a "
            "ON a.id = i.asset_id WHERE i.board_id = b.id AND NOT EXISTS (SELECT 1 FROM "
            "library_trash t WHERE t.asset_id = i.asset_id)) AS n FROM library_boards b "
            "ORDER BY b.name COLLATE NOCASE")
        return [Board(r["id"], r["name"], int(r["n"])) for r in rows]

    def board(self, board_id: str) -> Board:
        found = next((b for b in self.boards() if b.id == board_id), None)
        if found is None:
            raise LibraryError(f"no board {board_id!r}")
        return found

    def create_board(self, name: str) -> Board:
        name = self._free_name(name)
        board_id = uuid.uuid4().hex[:12]
        with self.store.transaction() as db:
            db.execute("INSERT INTO library_boards VALUES (?, ?, ?)",
                       (board_id, name, time.time()))
        self._publish("board_created", board_id)
        return Board(board_id, name, 0)

    def rename_board(self, board_id: str, name: str) -> Board:
        self.board(board_id)
        name = self._free_name(name, ignore=board_id)
        with self.store.transaction() as db:
            db.execute("UPDATE library_boards SET name=? WHERE id=?", (name, board_id))
        self._publish("board_renamed", board_id)
        return self.board(board_id)

    def delete_board(self, board_id: str) -> None:
        """The board goes; its outputs stay in the library."""
        self.board(board_id)
        with self.store.transaction() as db:
            db.execute("DELETE FROM library_board_items WHERE board_id=?", (board_id,))
            db.execute("DELETE FROM library_boards WHERE id=?", (board_id,))
        self._publish("board_deleted", board_id)

    def _free_name(self, name: str, ignore: str | None = None) -> str:
        name = " ".join(name.split())
        if not name:
            raise LibraryError("a board needs a name")
        if len(name) > 80:
            raise LibraryError("a board name is at most 80 characters")
        taken = {b.name.casefold() for b in self.boards() if b.id != ignore}
        if name.casefold() in taken:
            raise LibraryError(f"there is already a board called {name!r}")
        return name

    def add_to_board(self, board_id: str, asset_ids: list[str]) -> int:
        """Returns how many outputs were new to the board."""
        self.board(board_id)
        known = self.store.get_assets_with_jobs(list(asset_ids))
        now = time.time()
        with self.store.transaction() as db:
            added = sum(db.execute("INSERT OR IGNORE INTO library_board_items VALUES (?, ?, ?)",
                                   (board_id, a, now)).rowcount for a in known)
        self._publish("board_items", board_id)
        return added

    def remove_from_board(self, board_id: str, asset_ids: list[str]) -> int:
        with self.store.transaction() as db:
            removed = sum(db.execute("DELETE FROM library_board_items WHERE board_id=? AND "
                                     "asset_id=?", (board_id, a)).rowcount for a in asset_ids)
        self._publish("board_items", board_id)
        return removed

    def boards_of(self, asset_id: str) -> list[str]:
        rows = self.store.query("SELECT b.name FROM library_boards b JOIN library_board_items "
                                "i ON i.board_id = b.id WHERE i.asset_id=? ORDER BY b.name "
                                "COLLATE NOCASE", (asset_id,))
        return [r[0] for r in rows]

    # -- trash --------------------------------------------------------------------------

    def trash(self, asset_ids: list[str]) -> int:
        known = self.store.get_assets_with_jobs(list(asset_ids))
        now = time.time()
        with self.store.transaction() as db:
            n = sum(db.execute("INSERT OR IGNORE INTO library_trash VALUES (?, ?)",
                               (a, now)).rowcount for a in known)
        self._publish("trashed")
        return n

    def restore(self, asset_ids: list[str]) -> int:
        with self.store.transaction() as db:
            n = sum(db.execute("DELETE FROM library_trash WHERE asset_id=?", (a,)).rowcount
                    for a in asset_ids)
        self._publish("restored")
        return n

    def trash_count(self) -> int:
        rows = self.store.query("SELECT COUNT(*) FROM library_trash t JOIN assets a ON "
                                "a.id = t.asset_id")
        return int(rows[0][0])

    def in_trash(self, asset_id: str) -> bool:
        return bool(self.store.query("SELECT 1 FROM library_trash WHERE asset_id=?",
                                     (asset_id,)))

    def empty_trash(self) -> EmptiedTrash:
        """Delete every trashed output: its file, its sidecar and its row. Files outside
        the outputs folder are never touched (their rows still go)."""
        ids = [r[0] for r in self.store.query("SELECT asset_id FROM library_trash")]
        assets = [asset for asset, _job in self.store.get_assets_with_jobs(ids).values()]
        root = self.assets_dir.resolve()
        files, kept = 0, []
        for asset in assets:
            path = Path(asset.path)
            if not path.resolve().is_relative_to(root):
                kept.append(asset.path)
                continue
            for file in (path, sidecar_path(path)):
                try:
                    file.unlink()
                    files += 1
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    log.warning("library.unlink_failed error=%s", type(exc).__name__)
                    kept.append(str(file))
            _remove_if_empty(path.parent, root)
        with self.store.transaction() as db:  # the rows, their boards and the trash at once
            deleted = self.store.delete_assets([a.id for a in assets])
            db.executemany("DELETE FROM library_board_items WHERE asset_id=?",
                           [(a.id,) for a in deleted])
            db.execute("DELETE FROM library_trash")
        self._publish("emptied")
        log.info("library.trash_emptied outputs=%d files=%d", len(assets), files)
        return EmptiedTrash(len(assets), files, kept)

    # -- listing ------------------------------------------------------------------------

    def asset_ids(self, query: LibraryQuery) -> list[str]:
        """Ordered ids; with a grouping (and no stack chosen), only each stack's cover."""
        if query.group != "none" and query.stack is None:
            return [s.cover for s in self.stacks(query)]
        return [r[0] for r in self._rows(query)]

    def stacks(self, query: LibraryQuery) -> list[Stack]:
        """One entry per fan-out (or job), in the order of their first output."""
        if query.group == "none":
            return [Stack(r[0], r[0], 1) for r in self._rows(query)]
        order: dict[str, list[str]] = {}
        for asset_id, key in self._rows(query):
            order.setdefault(key, []).append(asset_id)
        return [Stack(key, ids[0], len(ids)) for key, ids in order.items()]

    def _rows(self, query: LibraryQuery) -> list[Any]:
        key = _GROUP_KEY.get(query.group, "j.id")
        sql = (f"SELECT a.id, {key} AS stack FROM assets a JOIN jobs j ON j.id = a.job_id "
               f"WHERE {'' if query.trash else 'NOT '}EXISTS (SELECT 1 FROM library_trash t "
               "WHERE t.asset_id = a.id)")
        args: list[Any] = []
        if not query.include_masks and query.mode != "mask":
            sql += " AND j.mode != 'mask'"
        for column, value in (("j.provider", query.provider), ("j.model", query.model),
                              ("j.mode", query.mode)):
            if value:
                sql += f" AND {column}=?"
                args.append(value)
        if query.text:
            sql += " AND j.prompt LIKE ? ESCAPE '\\'"
            args.append("%" + query.text.replace("\\", "\\\\").replace("%", "\\%")
                        .replace("_", "\\_") + "%")
        if query.sandbox is not None:
            sql += " AND j.sandbox = ?"
            args.append(int(query.sandbox))
        if query.min_rating:
            sql += " AND a.rating >= ?"
            args.append(query.min_rating)
        if query.min_quality is not None:
            sql += f" AND {_QUALITY} >= ?"
            args.append(query.min_quality)
        if query.board:
            sql += (" AND EXISTS (SELECT 1 FROM library_board_items i WHERE i.asset_id = a.id "
                    "AND i.board_id = ?)")
            args.append(query.board)
        if query.stack is not None and query.group != "none":
            sql += f" AND {key} = ?"
            args.append(query.stack)
        sql += f" ORDER BY {_ORDER[query.sort]}"
        return self.store.query(sql, args)

    def _publish(self, what: str, board: str | None = None) -> None:
        self.store.publish(StoreEvent.library_changed(what, board))


def _remove_if_empty(folder: Path, root: Path) -> None:
    try:
        if folder.resolve() != root and not any(folder.iterdir()):
            folder.rmdir()
    except OSError:
        pass
