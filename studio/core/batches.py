"""Batches: N variations of one request (N seeds, or N jobs when the model takes no seed),
kept together so the Gallery can show them as one group (table job_batches, migration
step 3)."""

from __future__ import annotations

import uuid

from studio.core.store import Store

MAX_VARIATIONS = 16


def new_batch_id() -> str:
    return "b" + uuid.uuid4().hex[:15]


class BatchRecords:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, batch_id: str, job_id: str, position: int) -> None:
        with self.store.transaction() as db:
            db.execute("INSERT OR REPLACE INTO job_batches VALUES (?, ?, ?)",
                       (job_id, batch_id, position))

    def jobs(self, batch_id: str) -> list[str]:
        """The batch's job ids in order."""
        rows = self.store.query("SELECT job_id FROM job_batches WHERE batch_id=? "
                                "ORDER BY position", (batch_id,))
        return [r[0] for r in rows]

    def batch_of(self, job_id: str) -> str | None:
        rows = self.store.query("SELECT batch_id FROM job_batches WHERE job_id=?", (job_id,))
        return rows[0][0] if rows else None

    def assets(self, batch_id: str) -> list[str]:
        """The asset ids of the batch's outputs, in batch order (what the Gallery groups)."""
        rows = self.store.query(
            'SELECT a.id FROM job_batches b JOIN assets a ON a.job_id = b.job_id '
            'WHERE b.batch_id=? ORDER BY b.position, a."index"', (batch_id,))
        return [r[0] for r in rows]
