"""The start-up caches' files under `<home>/cache` (studio.code_cache, PySide's import
hook): a header saying whose file it is and in which format, then marshal data.

Written like the rest of the home: private (folder 0700, file 0600) and atomically, so a
reader sees the old file or the new one. A cache is never worth an error: a file that is
missing, damaged or somebody else's reads as None, and one that cannot be written is
reported as False (the next start rebuilds what it held)."""

from __future__ import annotations

import marshal
from pathlib import Path
from typing import Any

from studio.core.atomic import write_atomic
from studio.core.paths import make_private_dir

MAX_BYTES = 64 * 1024 * 1024  # ours are ~1 MB: a bigger file is not one of them


def read_cache(path: Path, header: bytes) -> Any | None:
    """What `write_cache` kept at `path` under this `header`; None for anything else
    (a file far bigger than a cache is not read at all)."""
    try:
        if path.stat().st_size > MAX_BYTES:
            return None
        data = path.read_bytes()
        if not data.startswith(header):
            return None
        return marshal.loads(memoryview(data)[len(header):])
    except (OSError, EOFError, ValueError, TypeError):
        return None


def write_cache(path: Path, header: bytes, value: Any) -> bool:
    """Keep `value` (marshal's types only) at `path`; False when it could not be written."""
    try:
        make_private_dir(path.parent)
        write_atomic(path, header + marshal.dumps(value), durable=False)
    except (OSError, ValueError):
        return False
    return True
