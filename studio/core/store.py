"""SQLite store (WAL) for jobs, their events and their assets; publishes changes.

Subscribers are called after each commit, on the thread that made the change; the Qt
side bridges them onto the GUI thread with a queued signal.
"""

from __future__ import annotations

import itertools
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from studio.core import migrations
from studio.core.events import EventKind, StoreEvent, Subscriber
from studio.core.jobs import Asset, Job, JobStatus, check_transition
from studio.core.store_errors import BadRow, LeaseLost, translate
from studio.core.store_open import open_database
from studio.core.store_rows import (
    ASSET_FIELDS,
    JOB_FIELDS,
    JSON_ASSET,
    JSON_JOB,
    asset_from_row,
    cols,
    job_from_row,
    to_row,
)

log = logging.getLogger(__name__)

SCHEMA_VERSION = migrations.LATEST

# Unfinished jobs, and finished ones the provider may still hold outputs for.
_RESUMABLE = ("queued", "submitting", "submitted", "running")


class Store:
    """Raises StoreDamaged, StoreTooNew or StoreBusy (store_errors) when studio.db cannot
    be used; nothing is written to a database that fails its check."""

    def __init__(self, path: Path | str, *, busy_ms: int = 5000) -> None:
        self.path = Path(path)
        # Rows that could not be read (bad status, bad JSON): skipped by listings.
        self.problems: list[BadRow] = []
        self._db = open_database(self.path, busy_ms=busy_ms)
        self._lock = threading.RLock()
        self._savepoints = itertools.count()
        self._subscribers: list[Subscriber] = []

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- for other core modules with tables of their own (compare groups, votes) ------------

    def ensure_schema(self, ddl: str) -> None:
        """Create another core module's tables in this database (idempotent DDL)."""
        with self._lock, self._errors():
            self._db.executescript(ddl)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write, rolled back on any error; publish events after it, with
        `publish`. Nested use becomes a savepoint of the outer transaction."""
        with self._lock, self._errors():
            if self._db.in_transaction:
                name = f"sp{next(self._savepoints)}"
                self._db.execute(f"SAVEPOINT {name}")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute(f"ROLLBACK TO {name}")
                    self._db.execute(f"RELEASE {name}")
                    raise
                self._db.execute(f"RELEASE {name}")
                return
            # IMMEDIATE takes the write lock up front: no deadlock when a read turns
            # into a write while another process writes.
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """SQLite's failures as typed StoreErrors (locked, damaged); bugs pass through."""
        try:
            yield
        except sqlite3.Error as exc:
            typed = translate(exc, self.path)
            if typed is None:
                raise
            raise typed from None

    def query(self, sql: str, args: Iterable[Any] = ()) -> list[sqlite3.Row]:
        with self._lock, self._errors():
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
        rows = self.query("SELECT at, kind, data FROM events WHERE job_id=? ORDER BY id",
                          (job_id,))
        out = []
        for r in rows:
            try:
                data = json.loads(r["data"])
            except (TypeError, ValueError):
                data = {"unreadable": True}
            out.append({"at": r["at"], "kind": r["kind"],
                        **(data if isinstance(data, dict) else {"data": data})})
        return out

    # -- jobs -----------------------------------------------------------------------------

    def create_job(self, job: Job) -> Job:
        now = time.time()
        job.created_at = job.created_at or now
        job.updated_at = now
        row = to_row(job, JOB_FIELDS, JSON_JOB)
        with self.transaction() as db:
            db.execute(f"INSERT INTO jobs ({cols(JOB_FIELDS)}) VALUES "
                       f"({', '.join('?' * len(JOB_FIELDS))})", row)
            self._event_row(job.id, "created", {"status": job.status.value})
        self._publish(StoreEvent.for_job(EventKind.JOB_CREATED, job))
        return job

    def update_job(self, job_id: str, *, lease_owner: str | None = None,
                   **changes: Any) -> Job:
        """Apply changes atomically; a status change is checked against the state machine.

        With `lease_owner`, the change is made only while that owner holds the job's lease
        (else LeaseLost): a process that lost its job never writes over the new owner."""
        with self.transaction():
            job, old_status = self._apply(job_id, lease_owner, changes)
        self._publish(StoreEvent.for_job(_change_kind(job.status, old_status, changes), job))
        return job

    def complete_job(self, job_id: str, assets: list[Asset], *, lease_owner: str | None,
                     **changes: Any) -> Job:
        """The outputs' asset rows and the job's final status in one transaction: either
        the job is succeeded with every asset, or nothing changed."""
        now = time.time()
        with self.transaction() as db:
            job, old_status = self._apply(job_id, lease_owner, changes)
            for asset in assets:
                asset.created_at = asset.created_at or now
                db.execute(f"INSERT INTO assets ({cols(ASSET_FIELDS)}) VALUES "
                           f"({', '.join('?' * len(ASSET_FIELDS))})",
                           to_row(asset, ASSET_FIELDS, JSON_ASSET))
                self._event_row(job_id, "output_saved",
                                {"asset": asset.id, "sha256": asset.sha256})
        for asset in assets:
            self._publish(StoreEvent.for_asset(EventKind.ASSET_ADDED, asset))
        self._publish(StoreEvent.for_job(_change_kind(job.status, old_status, changes), job))
        return job

    def _apply(self, job_id: str, lease_owner: str | None,
               changes: dict[str, Any]) -> tuple[Job, JobStatus]:
        """Inside a transaction: check the lease and the transition, write the row."""
        if lease_owner is not None:
            held = self._db.execute("SELECT owner FROM leases WHERE job_id=?",
                                    (job_id,)).fetchone()
            if held is None or held[0] != lease_owner:
                raise LeaseLost(job_id)
        job = self.get_job(job_id)
        if job is None:
            raise KeyError(job_id)
        old_status = job.status
        new_status = JobStatus(changes.get("status", old_status))
        for key, value in changes.items():
            if key not in JOB_FIELDS or key == "id":
                raise AttributeError(f"jobs have no field {key!r}")
            setattr(job, key, value)
        check_transition(old_status, new_status, remote_id=job.remote_id)
        job.status = new_status
        job.updated_at = time.time()
        names = [*changes.keys(), "updated_at", "status"]
        row = to_row(job, names, JSON_JOB)
        self._db.execute(
            "UPDATE jobs SET " + ", ".join(f'"{c}"=?' for c in names) + " WHERE id=?",
            [*row, job_id])
        if new_status != old_status:
            self._event_row(job_id, "status", {
                "from": old_status.value, "to": new_status.value,
                **({"error": job.error} if job.error else {})})
        return job, old_status

    def get_job(self, job_id: str) -> Job | None:
        """One job, or None; raises BadRow when its row cannot be read."""
        rows = self.query("SELECT * FROM jobs WHERE id=?", (job_id,))
        return job_from_row(rows[0]) if rows else None

    def find_job(self, prefix: str) -> Job | None:
        """A job by full id or unique id prefix (CLI convenience)."""
        job = self.get_job(prefix)
        if job is not None:
            return job
        rows = self.query("SELECT * FROM jobs WHERE id LIKE ? LIMIT 2",
                          (prefix.replace("%", "") + "%",))
        return job_from_row(rows[0]) if len(rows) == 1 else None

    def list_jobs(
        self,
        *,
        statuses: Iterable[JobStatus] | None = None,
        limit: int = 1000,
        offset: int = 0,
        newest_first: bool = True,
    ) -> list[Job]:
        """Jobs, newest first; unreadable rows are skipped and listed in `problems`."""
        sql, args = "SELECT * FROM jobs", list[Any]()
        if statuses is not None:
            st = [s.value for s in statuses]
            sql += f" WHERE status IN ({', '.join('?' * len(st))})"
            args.extend(st)
        sql += f" ORDER BY created_at {'DESC' if newest_first else 'ASC'} LIMIT ? OFFSET ?"
        args.extend([limit, offset])
        return self._readable(self.query(sql, args), job_from_row)

    def resumable_jobs(self) -> list[Job]:
        """Unfinished jobs, and finished-unsuccessfully ones that kept a remote id and may
        still have outputs at the provider (`recoverable`), oldest first."""
        rows = self.query(
            f"SELECT * FROM jobs WHERE status IN ({', '.join('?' * len(_RESUMABLE))}) "
            "OR (recoverable = 1 AND remote IS NOT NULL AND status IN ('unknown', 'failed')) "
            "ORDER BY created_at", _RESUMABLE)
        return self._readable(rows, job_from_row)

    def _readable(self, rows: list[sqlite3.Row], parse: Callable[[Any], Any]) -> list[Any]:
        out = []
        for row in rows:
            try:
                out.append(parse(row))
            except BadRow as bad:
                self._report(bad)
        return out

    def _report(self, bad: BadRow) -> None:
        if all((p.table, p.row_id) != (bad.table, bad.row_id) for p in self.problems):
            self.problems.append(bad)
            log.warning("store.bad_row table=%s id=%s reason=%s", bad.table, bad.row_id,
                        bad.reason)

    def sent_at(self, job_id: str) -> float | None:
        """When the job's request started going out: it entered `submitting` (a status
        event, so it survives a restart). None if it never did."""
        rows = self.query("SELECT MIN(at) FROM events WHERE job_id = ? AND kind = 'status' "
                          "AND json_extract(data, '$.to') = 'submitting'", (job_id,))
        return float(rows[0][0]) if rows and rows[0][0] is not None else None

    def recent_durations(self, provider: str, model: str, limit: int = 20) -> list[float]:
        """Request-start-to-finish seconds of the newest successful jobs of one model (the
        request starts when the job enters `submitting`; synchronous providers answer with
        the picture, so their submit time alone would read about 0 s)."""
        rows = self.query(
            "SELECT j.finished_at - COALESCE((SELECT MIN(e.at) FROM events e WHERE "
            "e.job_id = j.id AND e.kind = 'status' AND json_extract(e.data, '$.to') = "
            "'submitting'), j.submitted_at) FROM jobs j WHERE j.provider=? AND j.model=? "
            "AND j.status='succeeded' AND j.submitted_at IS NOT NULL AND j.finished_at IS NOT "
            "NULL ORDER BY j.created_at DESC LIMIT ?", (provider, model, limit))
        return [float(r[0]) for r in rows if isinstance(r[0], int | float)]

    def count_jobs(self) -> int:
        return int(self.query("SELECT COUNT(*) FROM jobs")[0][0])

    # -- assets ---------------------------------------------------------------------------

    def add_asset(self, asset: Asset) -> Asset:
        asset.created_at = asset.created_at or time.time()
        with self.transaction() as db:
            db.execute(
                f"INSERT INTO assets ({cols(ASSET_FIELDS)}) VALUES "
                f"({', '.join('?' * len(ASSET_FIELDS))})",
                to_row(asset, ASSET_FIELDS, JSON_ASSET))
            self._event_row(asset.job_id, "output_saved",
                            {"asset": asset.id, "sha256": asset.sha256})
        self._publish(StoreEvent.for_asset(EventKind.ASSET_ADDED, asset))
        return asset

    def assets_for_job(self, job_id: str) -> list[Asset]:
        rows = self.query('SELECT * FROM assets WHERE job_id=? ORDER BY "index"', (job_id,))
        return self._readable(rows, asset_from_row)

    def get_asset(self, asset_id: str) -> Asset | None:
        rows = self.query("SELECT * FROM assets WHERE id=?", (asset_id,))
        return asset_from_row(rows[0]) if rows else None

    def get_assets_with_jobs(self, ids: list[str]) -> dict[str, tuple[Asset, Job]]:
        """Assets and their jobs in one query: what a gallery row needs."""
        if not ids:
            return {}
        cols = ", ".join(f'j."{c}" AS "j_{c}"' for c in JOB_FIELDS)
        rows = self.query(
            f"SELECT a.*, {cols} FROM assets a JOIN jobs j ON j.id = a.job_id "
            f"WHERE a.id IN ({', '.join('?' * len(ids))})", ids)

        def parse(r: sqlite3.Row) -> tuple[Asset, Job]:
            return (asset_from_row({k: r[k] for k in ASSET_FIELDS}),
                    job_from_row({c: r[f"j_{c}"] for c in JOB_FIELDS}))

        return {asset.id: (asset, job) for asset, job in self._readable(rows, parse)}

    def asset_ids(
        self,
        *,
        provider: str | None = None,
        model: str | None = None,
        mode: str | None = None,
        text: str | None = None,
        min_rating: int | None = None,
        newest_first: bool = True,
        include_masks: bool = False,
        min_quality: float | None = None,
        by_quality: bool = False,
    ) -> list[str]:
        """Ordered ids for the gallery; details are fetched for the visible range only.
        Masks (assets of their own, core.local_assets) are left out unless asked for.
        `by_quality`: best quality score first (unmeasured last), then by date."""
        sql = "SELECT a.id FROM assets a JOIN jobs j ON j.id = a.job_id"
        if min_quality is not None or by_quality:
            sql += " LEFT JOIN asset_metrics m ON m.asset_id = a.id"
        sql += " WHERE 1=1"
        args: list[Any] = []
        if not include_masks and mode != "mask":
            sql += " AND j.mode != 'mask'"
        if min_quality is not None:
            sql += " AND m.quality_score >= ?"
            args.append(min_quality)
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
        order = "m.quality_score IS NULL, m.quality_score DESC, " if by_quality else ""
        sql += f" ORDER BY {order}a.created_at {'DESC' if newest_first else 'ASC'}, a.\"index\""
        return [r[0] for r in self.query(sql, args)]

    def delete_assets(self, ids: Sequence[str]) -> list[Asset]:
        """Delete these outputs' rows, each logged on its job as `output_deleted`, in one
        transaction (inside a caller's, as a savepoint). Their files are the caller's to
        remove; lineage rows naming them stay as a record. Returns the assets deleted."""
        with self.transaction() as db:
            found = self.get_assets_with_jobs(list(ids))
            for asset, _job in found.values():
                db.execute("DELETE FROM assets WHERE id=?", (asset.id,))
                self._event_row(asset.job_id, "output_deleted",
                                {"asset": asset.id, "sha256": asset.sha256})
        return [asset for asset, _job in found.values()]

    def set_rating(self, asset_id: str, rating: int | None) -> Asset:
        if rating is not None and not 1 <= rating <= 5:
            raise ValueError("a rating is 1 to 5 stars")
        with self.transaction() as db:
            db.execute("UPDATE assets SET rating=? WHERE id=?", (rating, asset_id))
            asset = self.get_asset(asset_id)
        if asset is None:
            raise KeyError(asset_id)
        self._publish(StoreEvent.for_asset(EventKind.ASSET_RATED, asset))
        return asset


def _change_kind(new: JobStatus, old: JobStatus, changes: dict[str, Any]) -> EventKind:
    if new != old:
        return EventKind.STATUS_CHANGED
    if set(changes) <= {"progress", "queue_position", "message"}:
        return EventKind.PROGRESS
    return EventKind.JOB_UPDATED
