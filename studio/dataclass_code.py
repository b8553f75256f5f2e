"""The methods `dataclasses` writes for each class, compiled once per machine, not per start.

Python 3.11's `dataclasses` writes a class's `__init__`, `__repr__`, `__eq__` (and for a
frozen class `__setattr__`, `__delattr__` and `__hash__`) as source text and compiles each
with `exec` when the class is defined. Compiling is most of what a dataclass costs: ~0.3 ms
a class, ~50 ms of the app's start-up for the ~160 classes loaded before its window is
filled in (bench/RESULTS.md, "dataclass code").

The text holds only names (of fields, of the defaults' and types' variables) and the
class's flags; every value reaches the function through the variables `exec` is given. So
the code compiled from one text is the same at every start, and it can be kept, as Python
keeps a module's bytecode in a .pyc file: `CodeCache` keeps the code of each text it has
seen in one file, marked with this Python's bytecode magic number, and `exec` compiles only
a text it does not have. What is defined does not change: same text, same compiler, same
code object. A file that is missing, damaged, or written by another Python is ignored and
written again; one that cannot be written only means the next start compiles again.
"""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import importlib.util
import marshal
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from types import CodeType
from typing import Any

# This Python's bytecode magic number, then the file's own format version.
HEADER = importlib.util.MAGIC_NUMBER + b"studio-dataclass-code-1\n"
MAX_ENTRIES = 4096  # beyond this, a save keeps only what this process used


class CodeCache:
    """Source text -> compiled code, loaded from and saved to `path`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._codes = _read(path)
        self._lock = threading.Lock()  # the warm-up thread defines classes too
        self.used: set[str] = set()
        self.compiled = 0  # texts compiled by this process (not found in the file)
        self._saved = dict(self._codes)

    def __len__(self) -> int:
        return len(self._codes)

    def exec(self, source: Any, globals: dict[str, Any] | None = None,
             locals: dict[str, Any] | None = None) -> None:
        """`exec` as `dataclasses` calls it, with the text's code from the cache."""
        if not isinstance(source, str):
            builtins.exec(source, globals, locals)
            return
        code = self._codes.get(source)
        if code is None:
            # dont_inherit: compiled as dataclasses' own exec would (no __future__ flags
            # from this module, so annotations stay objects, not strings).
            code = compile(source, "<string>", "exec", dont_inherit=True)
            with self._lock:
                self._codes[source] = code
                self.compiled += 1
        self.used.add(source)
        builtins.exec(code, globals, locals)

    def save(self) -> bool:
        """Write the file if it would change; True when it was written. Never raises for
        the disk: a cache that cannot be written costs a compile next time, nothing more."""
        with self._lock:
            codes = dict(self._codes)
            if len(codes) > MAX_ENTRIES:  # classes renamed over many versions pile up
                codes = {text: codes[text] for text in set(self.used)}
            if codes.keys() == self._saved.keys():
                return False
            try:
                data = HEADER + marshal.dumps(codes)
                self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                temp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
                temp.write_bytes(data)
                os.replace(temp, self.path)  # a reader sees the old file or the new one
            except (OSError, ValueError):
                return False
            self._saved = codes
            return True


def _read(path: Path) -> dict[str, CodeType]:
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    if not data.startswith(HEADER):  # another Python's bytecode, or not ours at all
        return {}
    try:
        codes = marshal.loads(data[len(HEADER):])
    except (EOFError, ValueError, TypeError):
        return {}
    if not isinstance(codes, dict):
        return {}
    return {text: code for text, code in codes.items()
            if isinstance(text, str) and isinstance(code, CodeType)}


@contextlib.contextmanager
def cached_dataclass_code(path: Path) -> Iterator[CodeCache]:
    """Inside: every dataclass defined gets its methods' code from the cache at `path`;
    on the way out the cache is saved if this process compiled anything new."""
    cache = CodeCache(path)
    if "exec" in vars(dataclasses):  # someone else's hook: leave it alone
        yield cache
        return
    dataclasses.exec = cache.exec  # type: ignore[attr-defined]  # found before builtins
    try:
        yield cache
    finally:
        del dataclasses.exec  # type: ignore[attr-defined]
        cache.save()
