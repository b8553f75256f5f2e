"""Typed errors of the job store, each with a message a user can act on.

The CLI turns these into a message and exit 2, the GUI into a dialog; neither needs to
read SQLite's own wording.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


class StoreError(RuntimeError):
    """Something about studio.db stops this operation; nothing was changed."""


class StoreDamaged(StoreError):
    """studio.db cannot be read as a database. `set_aside_damaged` keeps it as a .bad copy
    so a fresh one can start; nothing is deleted."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"the job database {self.path} is damaged ({reason}); it was left "
                         "untouched. Move it aside to start a fresh one (it is kept as a "
                         ".bad copy), or restore it from a backup.")


class StoreTooNew(StoreError):
    """studio.db was written by a newer release whose schema this one does not know."""

    def __init__(self, path: Path, found: int, known: int) -> None:
        self.path, self.found, self.known = Path(path), found, known
        super().__init__(f"the job database {self.path} was made by a newer Provider Studio "
                         f"(schema {found}; this version knows up to {known}); it was left "
                         "untouched: update the app to open it")


class StoreBusy(StoreError):
    """Another process held studio.db locked for longer than the busy timeout."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        super().__init__(f"the job database {self.path} is locked by another Provider Studio "
                         "process; nothing was written, try again in a moment")


class BadRow(StoreError):
    """One row cannot be read (an unknown status, bad JSON); the others can."""

    def __init__(self, table: str, row_id: str, reason: str) -> None:
        self.table, self.row_id, self.reason = table, row_id, reason
        super().__init__(f"{table} row {row_id!r} cannot be read: {reason}")


class LeaseLost(StoreError):
    """This process no longer owns the job (its lease expired and was taken over)."""

    def __init__(self, job_id: str) -> None:
        self.job_id = job_id
        super().__init__(f"job {job_id} is now driven by another process; this one let go")


_DAMAGE_WORDS = ("malformed", "not a database", "disk image", "file is encrypted",
                 "unable to open", "disk i/o error")


def translate(exc: sqlite3.Error, path: Path) -> StoreError | None:
    """The typed error for a SQLite failure, or None when it is a plain bug to re-raise."""
    text = str(exc).lower()
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
        return StoreBusy(path)
    if isinstance(exc, sqlite3.DatabaseError) and any(w in text for w in _DAMAGE_WORDS):
        return StoreDamaged(path, str(exc))
    if "disk is full" in text or "database or disk is full" in text:
        return StoreError(f"the disk holding {path} is full; nothing was written: free "
                          "some space and try again")
    return None
