"""Keep an unreadable file as a numbered `.bad` copy: never overwrite an earlier one."""

from __future__ import annotations

import os
from pathlib import Path


def bad_name(path: Path) -> Path:
    """The first free name of `name.bad`, `name.1.bad`, `name.2.bad`, ..."""
    candidate = path.with_name(path.name + ".bad")
    n = 1
    while candidate.exists() or candidate.is_symlink():
        candidate = path.with_name(f"{path.name}.{n}.bad")
        n += 1
    return candidate


def keep_as_bad(path: Path) -> Path:
    """Rename `path` (file or directory) to its first free .bad name and return that name."""
    target = bad_name(path)
    os.replace(path, target)
    return target


def set_aside_database(db_file: Path) -> Path:
    """Move a damaged studio.db (with its -wal and -shm files) aside as numbered .bad
    copies, so the next start makes a fresh one. Returns where the database went."""
    target = bad_name(db_file)
    os.replace(db_file, target)
    for suffix in ("-wal", "-shm"):
        side = db_file.with_name(db_file.name + suffix)
        if side.exists():
            os.replace(side, target.with_name(target.name + suffix))
    return target
