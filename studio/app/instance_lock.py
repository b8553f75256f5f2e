"""The lock that makes one running app per STUDIO_HOME: an OS file lock (flock, or
msvcrt on Windows) on a file named after the data directory.

Pure Python on purpose: start-up takes it before Qt's network module is loaded. The OS
drops the lock when the holder exits or crashes, so a stale lock cannot block a start.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import sys
import tempfile
from pathlib import Path
from typing import IO


def instance_name(data_dir: str | os.PathLike[str]) -> str:
    """A name for one user's data directory (same dir, same name)."""
    where = os.path.normcase(str(Path(data_dir).expanduser().resolve()))
    try:
        user = getpass.getuser()
    except Exception:  # no login name (some containers): the directory alone will do
        user = ""
    digest = hashlib.sha256(f"{user}\0{where}".encode()).hexdigest()[:20]
    return f"provider-studio-{digest}"


class InstanceLock:
    def __init__(self, name: str) -> None:
        self.name = name
        self.path = Path(tempfile.gettempdir()) / f"{name}.lock"
        self._file: IO[bytes] | None = None

    @property
    def held(self) -> bool:
        return self._file is not None

    def acquire(self) -> bool:
        """True if we now hold it; False if another process (or object) does."""
        if self._file is not None:
            return True
        fh = open(self.path, "a+b")  # noqa: SIM115 (held open for the app's lifetime)
        try:
            _lock(fh)
        except OSError:
            fh.close()
            return False
        self._file = fh
        return True

    def release(self) -> None:
        if self._file is not None:
            try:
                _unlock(self._file)
            finally:
                self._file.close()
                self._file = None


if sys.platform == "win32":  # pragma: no cover - exercised on Windows builds
    import msvcrt

    def _lock(fh: IO[bytes]) -> None:
        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)

    def _unlock(fh: IO[bytes]) -> None:
        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fh: IO[bytes]) -> None:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fh: IO[bytes]) -> None:
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
