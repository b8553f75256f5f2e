"""SQLite store (WAL) for jobs, their events and their assets; publishes changes.

Subscribers are called after each commit, on the thread that made the change; the Qt
side bridges them onto the GUI thread with a queued signal.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.core.jobs import Asset, Job, JobStatus, check_transition

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1

_JOB_FIELDS = [f.name for f in dataclasses.fields(Job)]
_ASSET_FIELDS = [f.name for f in dataclasses.fields(Asset)]
_JSON_JOB = {"request", "prepared", "estimate", "actual_cost", "remote", "input_hashes"}
_JSON_ASSET = {"provenance"}

_DDL = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs ({", ".join(
    "id TEXT PRIMARY KEY" if n == "id" else f'"{n}"' for n in _JOB_FIELDS)});
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status);
CREATE INDEX IF NOT EXISTS jobs_created ON jobs(created_at);
CREATE INDEX IF NOT EXISTS jobs_group ON jobs(compare_group);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL, at REAL NOT NULL,
    kind TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_job ON events(job_id);
CREATE TABLE IF NOT EXISTS assets ({", ".join(
    "id TEXT PRIMARY KEY" if n == "id" else f'"{n}"' for n in _ASSET_FIELDS)});
CREATE INDEX IF NOT EXISTS assets_job ON assets(job_id);
CREATE INDEX IF NOT EXISTS assets_created ON assets(created_at);
"""


@dataclass(frozen=True)
class StoreEvent:
    kind: str  # job_created, job_updated, status_changed, progress, asset_added, asset_rated
    job_id: str
    job: Job | None = None
    asset: Asset | None = None
    data: dict[str, Any] | None = None


Subscriber = Callable[[StoreEvent], None]


class Store:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._subscribers: list[Subscriber] = []
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._db.executescript(_DDL)
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)",
                             (str(SCHEMA_VERSION),))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- for other core modules with tables of their own (compare groups, votes) ------------

    def ensure_schema(self, ddl: str) -> None:
        """Create another core module's tables in this database (idempotent DDL)."""
        with self._lock:
            self._db.executescript(ddl)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write; publish events after it, with `publish`."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def query(self, sql: str, args: Iterable[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, list(args)).fetchall()

    def publish(self, event: StoreEvent) -> None:
        self._publish(event)

    # -- events ---------------------------------------------------------------------------

    def subscribe(self, fn: Subscriber) -> Callable[[], None]:
        self._subscribers.append(fn)
        return lambda: self._subscribers.remove(fn) if fn in self._subscribers else None

    def _publish(self, event: StoreEvent) -> None:
        for fn in list(self._subscribers):
            try:
                fn(event)
            except Exception:  # a broken view must not break the runner
                log.exception("store.subscriber_failed")

    def _event_row(self, job_id: str, kind: str, data: dict[str, Any]) -> None:
        self._db.execute("INSERT INTO events (job_id, at, kind, data) VALUES (?, ?, ?, ?)",
                         (job_id, time.time(), kind, json.dumps(data)))

    def events(self, job_id: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT at, kind, data FROM events WHERE job_id=? ORDER BY id", (job_id,)
            ).fetchall()
        return [{"at": r["at"], "kind": r["kind"], **json.loads(r["data"])} for r in rows]

    # -- jobs -----------------------------------------------------------------------------

    def create_job(self, job: Job) -> Job:
        now = time.time()
        job.created_at = job.created_at or now
        job.updated_at = now
        row = _to_row(job, _JOB_FIELDS, _JSON_JOB)
        with self._lock:
            self._db.execute("BEGIN")
            self._db.execute(
                f"INSERT INTO jobs ({_cols(_JOB_FIELDS)}) VALUES "
                f"({', '.join('?' * len(_JOB_FIELDS))})", row)
            self._event_row(job.id, "created", {"status": job.status.value})
            self._db.execute("COMMIT")
        self._publish(StoreEvent("job_created", job.id, job=job))
        return job

    def update_job(self, job_id: str, **changes: Any) -> Job:
        """Apply changes atomically; a status change is checked against the state machine."""
        with self._lock:
            job = self.get_job(job_id)
            if job is None:
                raise KeyError(job_id)
            old_status = job.status
            new_status = JobStatus(changes.get("status", old_status))
            check_transition(old_status, new_status)
            for key, value in changes.items():
                if key not in _JOB_FIELDS or key == "id":
                    raise AttributeError(f"jobs have no field {key!r}")
                setattr(job, key, value)
            job.status = new_status
            job.updated_at = time.time()
            cols = [*changes.keys(), "updated_at", "status"]
            row = _to_row(job, cols, _JSON_JOB)
            self._db.execute("BEGIN")
            self._db.execute(
                "UPDATE jobs SET " + ", ".join(f'"{c}"=?' for c in cols) + " WHERE id=?",
                [*row, job_id])
            if new_status != old_status:
                self._event_row(job_id, "status", {
                    "from": old_status.value, "to": new_status.value,
                    **({"error": job.error} if job.error else {})})
            self._db.execute("COMMIT")
        kind = "status_changed" if new_status != old_status else (
            "progress" if set(changes) <= {"progress", "queue_position", "message"}
            else "job_updated")
        self._publish(StoreEvent(kind, job_id, job=job))
        return job

    def get_job(self, job_id: str) -> Job | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM jobs WHERE id=?", (job_id,)).fetchone()
        return _job_from_row(row) if row else None

    def find_job(self, prefix: str) -> Job | None:
        """A job by full id or unique id prefix (CLI convenience)."""
        job = self.get_job(prefix)
        if job is not None:
            return job
        with self._lock:
            rows = self._db.execute("SELECT * FROM jobs WHERE id LIKE ? LIMIT 2",
                                    (prefix.replace("%", "") + "%",)).fetchall()
        return _job_from_row(rows[0]) if len(rows) == 1 else None

    def list_jobs(
        self,
        *,
        statuses: Iterable[JobStatus] | None = None,
        limit: int = 1000,
        offset: int = 0,
        newest_first: bool = True,
    ) -> list[Job]:
        sql, args = "SELECT * FROM jobs", []
        if statuses is not None:
            st = [s.value for s in statuses]
            sql += f" WHERE status IN ({', '.join('?' * len(st))})"
            args.extend(st)
        sql += f" ORDER BY created_at {'DESC' if newest_first else 'ASC'} LIMIT ? OFFSET ?"
        args.extend([limit, offset])
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [_job_from_row(r) for r in rows]

    def recent_durations(self, provider: str, model: str, limit: int = 20) -> list[float]:
        """Submit-to-finish seconds of the newest successful jobs of one model."""
        with self._lock:
            rows = self._db.execute(
                "SELECT finished_at - submitted_at FROM jobs WHERE provider=? AND model=? "
                "AND status='succeeded' AND submitted_at IS NOT NULL AND finished_at IS NOT "
                "NULL ORDER BY created_at DESC LIMIT ?", (provider, model, limit)).fetchall()
        return [float(r[0]) for r in rows]

    def count_jobs(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0])

    # -- assets ---------------------------------------------------------------------------

    def add_asset(self, asset: Asset) -> Asset:
        asset.created_at = asset.created_at or time.time()
        with self._lock:
            self._db.execute("BEGIN")
            self._db.execute(
                f"INSERT INTO assets ({_cols(_ASSET_FIELDS)}) VALUES "
                f"({', '.join('?' * len(_ASSET_FIELDS))})",
                _to_row(asset, _ASSET_FIELDS, _JSON_ASSET))
            self._event_row(asset.job_id, "output_saved",
                            {"asset": asset.id, "sha256": asset.sha256})
            self._db.execute("COMMIT")
        self._publish(StoreEvent("asset_added", asset.job_id, asset=asset))
        return asset

    def assets_for_job(self, job_id: str) -> list[Asset]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM assets WHERE job_id=? ORDER BY \"index\"", (job_id,)).fetchall()
        return [_asset_from_row(r) for r in rows]

    def get_asset(self, asset_id: str) -> Asset | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM assets WHERE id=?", (asset_id,)).fetchone()
        return _asset_from_row(row) if row else None

    def get_assets(self, ids: list[str]) -> dict[str, Asset]:
        if not ids:
            return {}
        with self._lock:
            rows = self._db.execute(
                f"SELECT * FROM assets WHERE id IN ({', '.join('?' * len(ids))})", ids
            ).fetchall()
        return {r["id"]: _asset_from_row(r) for r in rows}

    def get_assets_with_jobs(self, ids: list[str]) -> dict[str, tuple[Asset, Job]]:
        """Assets and their jobs in one query: what a gallery row needs."""
        if not ids:
            return {}
        cols = ", ".join(f'j."{c}" AS "j_{c}"' for c in _JOB_FIELDS)
        with self._lock:
            rows = self._db.execute(
                f"SELECT a.*, {cols} FROM assets a JOIN jobs j ON j.id = a.job_id "
                f"WHERE a.id IN ({', '.join('?' * len(ids))})", ids).fetchall()
        out = {}
        for r in rows:
            asset = _asset_from_row({k: r[k] for k in _ASSET_FIELDS})
            job = _job_from_row({c: r[f"j_{c}"] for c in _JOB_FIELDS})
            out[asset.id] = (asset, job)
        return out

    def asset_ids(
        self,
        *,
        provider: str | None = None,
        model: str | None = None,
        mode: str | None = None,
        text: str | None = None,
        min_rating: int | None = None,
        newest_first: bool = True,
    ) -> list[str]:
        """Ordered ids for the gallery; details are fetched for the visible range only."""
        sql = "SELECT a.id FROM assets a JOIN jobs j ON j.id = a.job_id WHERE 1=1"
        args: list[Any] = []
        for column, value in (("j.provider", provider), ("j.model", model), ("j.mode", mode)):
            if value:
                sql += f" AND {column}=?"
                args.append(value)
        if text:
            sql += " AND j.prompt LIKE ? ESCAPE '\\'"
            args.append("%" + text.replace("\\", "\\\\").replace("%", "\\%")
                        .replace("_", "\\_") + "%")
        if min_rating:
            sql += " AND a.rating >= ?"
            args.append(min_rating)
        sql += f" ORDER BY a.created_at {'DESC' if newest_first else 'ASC'}, a.\"index\""
        with self._lock:
            return [r[0] for r in self._db.execute(sql, args).fetchall()]

    def set_rating(self, asset_id: str, rating: int | None) -> Asset:
        if rating is not None and not 1 <= rating <= 5:
            raise ValueError("a rating is 1 to 5 stars")
        with self._lock:
            self._db.execute("UPDATE assets SET rating=? WHERE id=?", (rating, asset_id))
            asset = self.get_asset(asset_id)
        if asset is None:
            raise KeyError(asset_id)
        self._publish(StoreEvent("asset_rated", asset.job_id, asset=asset))
        return asset


def _cols(names: list[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def _to_row(obj: Any, cols: list[str], json_cols: set[str]) -> list[Any]:
    out = []
    for c in cols:
        v = getattr(obj, c)
        if c in json_cols:
            v = None if v is None else json.dumps(v)
        elif isinstance(v, bool):
            v = int(v)
        elif hasattr(v, "value"):  # enums
            v = v.value
        out.append(v)
    return out


def _job_from_row(row: sqlite3.Row | dict[str, Any]) -> Job:
    data = {k: row[k] for k in row.keys()}  # noqa: SIM118 (sqlite3.Row)
    for k in _JSON_JOB:
        data[k] = json.loads(data[k]) if data[k] is not None else None
    data["input_hashes"] = data["input_hashes"] or []
    data["status"] = JobStatus(data["status"])
    data["dry_run"] = bool(data["dry_run"])
    data["sandbox"] = bool(data["sandbox"])
    return Job(**data)


def _asset_from_row(row: sqlite3.Row | dict[str, Any]) -> Asset:
    data = {k: row[k] for k in row.keys()}  # noqa: SIM118
    data["provenance"] = json.loads(data["provenance"]) if data["provenance"] else None
    return Asset(**data)
