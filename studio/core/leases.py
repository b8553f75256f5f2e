"""One owner per job: a lease row in studio.db (owner, heartbeat, expiry).

A process takes a job's lease before it submits or polls, renews it while it works and
drops it when done. Another process (the GUI, `studio-cli resume`, `serve`, a `--wait`
run on the same STUDIO_HOME) that finds a live lease leaves the job alone. A lease whose
owner stopped renewing expires and can be taken over; on the same machine a lease held by
a process that no longer exists is taken over at once (a crash, a SIGKILL).
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from studio.core.store import Store

# How long a lease lives without a heartbeat, and how often holders renew it.
LEASE_SECONDS = 30.0
HEARTBEAT_SECONDS = LEASE_SECONDS / 3


@dataclass(frozen=True)
class Lease:
    """Which process may send a job, until when."""
    job_id: str
    owner: str
    taken_at: float
    heartbeat_at: float
    expires_at: float

    @property
    def pid(self) -> int | None:
        host, _, rest = self.owner.partition(":")
        pid = rest.partition(":")[0]
        return int(pid) if host == _HOST and pid.isdigit() else None


_HOST = socket.gethostname().replace(":", "_")


def new_owner_id() -> str:
    """host:pid:random, unique per Studio instance (two in one process differ too)."""
    return f"{_HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _process_gone(pid: int) -> bool:
    """True only when this machine certainly has no process `pid` (POSIX)."""
    if os.name != "posix" or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by someone else
        return False
    return False


class Leases:
    def __init__(self, store: Store, owner: str, *, seconds: float = LEASE_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.owner = owner
        self.seconds = seconds
        self.clock = clock

    def take(self, job_id: str) -> bool:
        """Take (or keep) the job's lease; False when another live owner holds it."""
        now = self.clock()
        with self.store.transaction() as db:
            current = self._get(db, job_id)
            if current is not None and current.owner != self.owner and self.live(current, now):
                return False
            db.execute("INSERT OR REPLACE INTO leases (job_id, owner, taken_at, heartbeat_at, "
                       "expires_at) VALUES (?, ?, ?, ?, ?)",
                       (job_id, self.owner, now, now, now + self.seconds))
        return True

    def live(self, lease: Lease, now: float | None = None) -> bool:
        if lease.expires_at <= (self.clock() if now is None else now):
            return False
        pid = lease.pid
        return pid is None or not _process_gone(pid)

    def holder(self, job_id: str) -> Lease | None:
        """The live lease on a job, whoever holds it, or None."""
        rows = self.store.query("SELECT * FROM leases WHERE job_id=?", (job_id,))
        lease = _lease(rows[0]) if rows else None
        return lease if lease is not None and self.live(lease) else None

    def held_elsewhere(self, job_id: str) -> Lease | None:
        lease = self.holder(job_id)
        return lease if lease is not None and lease.owner != self.owner else None

    def renew(self) -> set[str]:
        """Extend every lease this owner holds; returns the job ids still held."""
        now = self.clock()
        with self.store.transaction() as db:
            db.execute("UPDATE leases SET heartbeat_at=?, expires_at=? WHERE owner=?",
                       (now, now + self.seconds, self.owner))
            rows = db.execute("SELECT job_id FROM leases WHERE owner=?",
                              (self.owner,)).fetchall()
        return {r[0] for r in rows}

    def release(self, job_id: str) -> None:
        with self.store.transaction() as db:
            db.execute("DELETE FROM leases WHERE job_id=? AND owner=?", (job_id, self.owner))

    def drop(self, job_id: str) -> None:
        """Remove whoever's lease (the user cancelled the job here): its holder, if any,
        finds out at its next write (LeaseLost) and stops."""
        with self.store.transaction() as db:
            db.execute("DELETE FROM leases WHERE job_id=?", (job_id,))

    @staticmethod
    def _get(db: sqlite3.Connection, job_id: str) -> Lease | None:
        row = db.execute("SELECT * FROM leases WHERE job_id=?", (job_id,)).fetchone()
        return _lease(row) if row else None


def _lease(row: sqlite3.Row) -> Lease:
    return Lease(row["job_id"], row["owner"], row["taken_at"], row["heartbeat_at"],
                 row["expires_at"])
