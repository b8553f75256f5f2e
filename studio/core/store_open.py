"""Opening studio.db: refuse what cannot be used, upgrade what can, never write to a
damaged file.

Checks that only read come first (the schema version, `PRAGMA quick_check`); WAL mode and
migrations (core.migrations) follow. A new file is created 0600; SQLite gives its -wal
and -shm files the same mode.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
from pathlib import Path

from studio.core import migrations
from studio.core.store_errors import StoreDamaged, StoreTooNew, translate

log = logging.getLogger(__name__)


def open_database(path: Path, *, busy_ms: int = 5000) -> sqlite3.Connection:
    """A connection (autocommit, Row factory) to an upgraded database; raises
    StoreDamaged, StoreTooNew or StoreBusy."""
    if str(path) != ":memory:":
        _prepare_file(path)
    try:
        db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreDamaged(path, str(exc)) from None
    db.row_factory = sqlite3.Row
    try:
        _check_and_upgrade(db, path, busy_ms)
    except BaseException:
        db.close()
        raise
    return db


def _check_and_upgrade(db: sqlite3.Connection, path: Path, busy_ms: int) -> None:
    try:
        # Another process writing: wait this long for it before StoreBusy.
        db.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        found = migrations.version_of(db)
        if found > migrations.LATEST:
            raise StoreTooNew(path, found, migrations.LATEST)
        check = [r[0] for r in db.execute("PRAGMA quick_check").fetchall()]
        if check != ["ok"]:
            raise StoreDamaged(path, "; ".join(str(c) for c in check[:3]))
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        for step in migrations.pending(db):
            if migrations.apply(db, step):
                log.info("store.migrated to=%s what=%s", step.version, step.what)
    except sqlite3.Error as exc:
        raise translate(exc, path) or StoreDamaged(path, str(exc)) from None


def _prepare_file(path: Path) -> None:
    """Refuse what cannot be a database file; create a new one private to this user."""
    if path.is_dir():
        raise StoreDamaged(path, "it is a directory, not a file")
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # An empty file is a new database to SQLite.
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    elif os.name == "posix" and path.stat().st_mode & 0o077:
        path.chmod(0o600)
    # SQLite would call an unwritable file "unable to open": not damage, permissions.
    for target, mode in ((path, os.R_OK | os.W_OK), (path.parent, os.W_OK | os.X_OK)):
        if not os.access(target, mode):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(target))
