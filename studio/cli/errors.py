"""One line a user can act on for errors that are about their files, not their arguments:
the studio's folders, its database, its settings."""

from __future__ import annotations

import errno
import os

from studio.core.set_aside import bad_name
from studio.core.store_errors import BadRow, StoreDamaged, StoreError

_HINTS = {
    errno.EACCES: "check its permissions",
    errno.EPERM: "check its permissions",
    errno.EROFS: "it is on a read-only disk",
    errno.ENOTDIR: "part of that path is a file, not a folder",
    errno.EISDIR: "it is a folder, not a file",
    errno.EEXIST: "something else is already there",
    errno.ENOSPC: "the disk is full",
    errno.ENOENT: "it does not exist",
}


def describe_os_error(exc: OSError) -> str:
    where = exc.filename if exc.filename is not None else "a file"
    what = exc.strerror or str(exc)
    hint = _HINTS.get(exc.errno or 0)
    home = os.environ.get("STUDIO_HOME")
    text = f"{where}: {what}" + (f" ({hint})" if hint else "")
    if home and str(where).startswith(home.rstrip("/")):
        text += f"; STUDIO_HOME is {home}"
    return text


def describe_store_error(exc: StoreError) -> str:
    if isinstance(exc, StoreDamaged) and exc.path.exists():
        return (f"{exc}\n  `studio-cli db set-aside` keeps it as {bad_name(exc.path).name} and "
                "the next command starts a fresh database")
    if isinstance(exc, BadRow):
        return f"{exc}; it was left as it is (`studio-cli db check` lists every such row)"
    return str(exc)
