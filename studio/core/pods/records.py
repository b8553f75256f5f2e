"""The pods' rows in studio.db: every action as it was decided, and the registered servers
(so a new process, e.g. `studio-cli providers`, lists a running pod's ComfyUI too)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from typing import Any, Protocol


class PodTables(Protocol):
    def query(self, sql: str, args: Iterable[Any] = ()) -> list[Any]: ...

    def transaction(self) -> AbstractContextManager[Any]: ...


@dataclass(frozen=True)
class PodAction:
    """A pod action as recorded: what was asked, live or not, and the answer."""
    id: str
    created_at: float
    action: str  # create, start, stop, restart, terminate
    pod_id: str | None
    live: bool
    reason: str  # why live or dry-run
    usd_per_hour: float | None  # what the pod costs while it runs (paid actions)
    request: dict[str, Any]  # the exact call, secrets masked
    result: dict[str, Any] | None = None
    error: str | None = None

    @property
    def dry_run(self) -> bool:
        return not self.live

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "dry_run": self.dry_run}


@dataclass(frozen=True)
class ServerRow:
    """A pod's ComfyUI server as registered: address and checkpoints."""
    pod_id: str
    provider_id: str
    name: str
    base_url: str
    checkpoints: tuple[str, ...]
    usd_per_hour: float | None


@dataclass(frozen=True)
class SeenRow:
    """A pod as last read: its status, rate while it runs, and cost so far (pod_seen)."""

    pod_id: str
    name: str
    status: str
    usd_per_hour: float | None
    cost_so_far: float | None


def pods_in_use(tables: PodTables) -> bool:
    """Has this studio run pods (a registered ComfyUI server, a create that was sent)?
    Then the app reads them at start, so the status bar and the idle guard know them."""
    return bool(tables.query("SELECT 1 FROM pod_servers LIMIT 1")) or bool(tables.query(
        "SELECT 1 FROM pod_actions WHERE live = 1 AND action = 'create' LIMIT 1"))


class PodRecords:
    def __init__(self, tables: PodTables) -> None:
        self.tables = tables

    def record(self, action: str, pod_id: str | None, *, live: bool, reason: str,
               usd_per_hour: float | None, request: dict[str, Any]) -> PodAction:
        row = PodAction(uuid.uuid4().hex[:16], time.time(), action, pod_id, live, reason,
                        usd_per_hour, request)
        with self.tables.transaction() as db:
            db.execute("INSERT INTO pod_actions (id, created_at, action, pod_id, live, reason, "
                       "usd_per_hour, request) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (row.id, row.created_at, action, pod_id, int(live), reason,
                        usd_per_hour, json.dumps(request)))
        return row

    def finish(self, row: PodAction, *, pod_id: str | None = None,
               result: dict[str, Any] | None = None, error: str | None = None) -> PodAction:
        with self.tables.transaction() as db:
            db.execute("UPDATE pod_actions SET pod_id = COALESCE(?, pod_id), result = ?, "
                       "error = ? WHERE id = ?",
                       (pod_id, None if result is None else json.dumps(result), error, row.id))
        return PodAction(row.id, row.created_at, row.action, pod_id or row.pod_id, row.live,
                         row.reason, row.usd_per_hour, row.request, result, error)

    def actions(self, limit: int = 100) -> list[PodAction]:
        rows = self.tables.query("SELECT * FROM pod_actions ORDER BY created_at DESC LIMIT ?",
                                 (limit,))
        return [PodAction(r["id"], r["created_at"], r["action"], r["pod_id"], bool(r["live"]),
                          r["reason"], r["usd_per_hour"], json.loads(r["request"]),
                          json.loads(r["result"]) if r["result"] else None, r["error"])
                for r in rows]

    def save_server(self, row: ServerRow) -> None:
        with self.tables.transaction() as db:
            db.execute("INSERT OR REPLACE INTO pod_servers (pod_id, provider_id, name, base_url, "
                       "checkpoints, usd_per_hour, registered_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (row.pod_id, row.provider_id, row.name, row.base_url,
                        json.dumps(list(row.checkpoints)), row.usd_per_hour, time.time()))

    def drop_server(self, pod_id: str) -> None:
        with self.tables.transaction() as db:
            db.execute("DELETE FROM pod_servers WHERE pod_id = ?", (pod_id,))

    def idle_seconds(self, pod_id: str, provider_id: str, unfinished: Iterable[str]) -> float:
        """How long the pod's server has had no job, by the database: since its newest job
        on it moved (or since it was registered), 0 while one of them is not finished.
        Counts time the studio was closed, which the idle guard's clock cannot see."""
        states = list(unfinished)
        busy = self.tables.query(
            f"SELECT 1 FROM jobs WHERE provider = ? AND status IN "
            f"({', '.join('?' * len(states))}) LIMIT 1", (provider_id, *states))
        if busy:
            return 0.0
        [row] = self.tables.query(
            "SELECT MAX(s.registered_at, COALESCE((SELECT MAX(updated_at) FROM jobs "
            "WHERE provider = ?), 0)) AS used FROM pod_servers s WHERE s.pod_id = ?",
            (provider_id, pod_id)) or [None]
        if row is None or row["used"] is None:
            return 0.0
        return max(0.0, time.time() - float(row["used"]))

    def servers(self) -> Sequence[ServerRow]:
        rows = self.tables.query("SELECT * FROM pod_servers ORDER BY registered_at")
        return [ServerRow(r["pod_id"], r["provider_id"], r["name"], r["base_url"],
                          tuple(json.loads(r["checkpoints"])), r["usd_per_hour"])
                for r in rows]

    def save_seen(self, rows: Sequence[SeenRow], *, every: bool = False) -> None:
        """The pods as just read (`every`: the whole list, so the others are gone)."""
        now = time.time()
        with self.tables.transaction() as db:
            if every:
                db.execute("DELETE FROM pod_seen")
            for row in rows:
                db.execute("INSERT OR REPLACE INTO pod_seen (pod_id, name, status, usd_per_hour, "
                           "cost_so_far, seen_at) VALUES (?, ?, ?, ?, ?, ?)",
                           (row.pod_id, row.name, row.status, row.usd_per_hour,
                            row.cost_so_far, now))

    def drop_seen(self, pod_id: str) -> None:
        with self.tables.transaction() as db:
            db.execute("DELETE FROM pod_seen WHERE pod_id = ?", (pod_id,))
