"""Code compiled from source at every start, kept compiled instead (like a .pyc file).

Three parts of Python 3.11 compile source text they write themselves while modules load:
- `dataclasses` writes each class's `__init__`, `__repr__`, `__eq__` (and for a frozen
  class `__setattr__`, `__delattr__`, `__hash__`) and compiles each with `exec`: ~0.3 ms a
  class, ~50 ms for the ~160 classes the app loads before its window is filled in;
- `typing.ForwardRef` compiles every annotation written as a string, as each `TypedDict`
  field is (pydantic-core's schema types: ~760 of them) and as pydantic reads the models'
  annotations: ~1000 compiles, ~9 ms;
- `collections.namedtuple` compiles each class's `__new__` with `eval`: ~30, ~1.5 ms.
One library does the same with its own modules: PySide6 ships its support modules
(shibokensupport: the signature parser, the feature switch) as source in a zip inside the
library and compiles the 14 of them at every start, ~13 ms (`compiling`, around
`import PySide6`). (bench/RESULTS.md, "generated code".)

The text holds only names (of fields, of the variables that carry defaults and types) and
the class's flags; every value reaches the code through the namespaces it runs in. So the
code compiled from one text is the same at every start, and it can be kept, as Python
keeps a module's bytecode in a .pyc file. `CodeCache` keeps the code of each text it has
seen in one file, marked with this Python's bytecode magic number, and compiles only a
text it does not have. What is defined does not change: same text, same compiler, same
flags (the `__future__` features the call would have inherited, part of the key), same
code.
A file that is missing, damaged, or written by another Python is ignored and written
again; one that cannot be written only means the next start compiles again.
"""

from __future__ import annotations
import __future__

import builtins
import collections
import contextlib
import dataclasses
import functools
import importlib.util
import operator
import sys
import threading
import typing
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any

from studio.core.cache_files import read_cache, write_cache

# This Python's bytecode magic number and optimisation level (-O changes the code), then
# the file's own format version.
HEADER = (importlib.util.MAGIC_NUMBER + f"studio-code-cache-2 O{sys.flags.optimize}\n".encode())
MAX_ENTRIES = 8192  # beyond this, a save keeps only what this process used
# The compiler flags a caller can pass on or inherit: its __future__ features.
FUTURE_FLAGS = functools.reduce(operator.or_, (getattr(__future__, name).compiler_flag
                                               for name in __future__.all_feature_names))
Key = tuple[str, str, int, str | bytes]  # (mode, file name, __future__ flags, source)
_compile = builtins.compile  # the real one, also while `compiling` stands in for it


class CodeCache:
    """(mode, file name, flags, source) -> compiled code, loaded from and saved to `path`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._codes = _read(path)
        self._lock = threading.Lock()  # the warm-up thread loads modules too
        self.used: set[Key] = set()
        self.compiled = 0  # texts compiled by this process (not found in the file)
        self._saved = set(self._codes)

    def __len__(self) -> int:
        return len(self._codes)

    def code(self, source: str | bytes, mode: str, filename: str = "<string>",
             flags: int = 0) -> CodeType:
        """The code of `source` compiled with exactly these `flags` (nothing inherited)."""
        key = (mode, filename, flags, source)
        code = self._codes.get(key)
        if code is None:
            code = _compile(source, filename, mode, flags, dont_inherit=True)
            with self._lock:
                self._codes[key] = code
                self.compiled += 1
        self.used.add(key)
        return code

    def exec(self, source: Any, globals: dict[str, Any] | None = None,
             locals: dict[str, Any] | None = None) -> None:
        """`exec` as `dataclasses` calls it, with the text's code from the cache."""
        builtins.exec(self.code(source, "exec") if isinstance(source, str) else source,
                      globals, locals)

    def eval(self, source: Any, globals: dict[str, Any] | None = None,
             locals: Mapping[str, Any] | None = None) -> Any:
        """`eval` as `collections.namedtuple` calls it (its `__new__`, from the field
        names), with the text's code from the cache."""
        return builtins.eval(self.code(source, "eval") if isinstance(source, str) else source,
                             globals, locals)

    def compile(self, source: Any, filename: Any, mode: str, flags: int = 0,
                dont_inherit: bool = False, optimize: int = -1, **kwargs: Any) -> Any:
        """`compile` as `typing.ForwardRef` calls it, and as a library calls it for its
        own modules: source text (or bytes) compiled with its caller's __future__
        features unless told not to, from the cache; anything else (an AST, other flags,
        another optimisation) compiled as asked."""
        if not dont_inherit:  # what compile() would take from the code that calls it
            flags |= sys._getframe(1).f_code.co_flags & FUTURE_FLAGS
        if not (isinstance(source, (str, bytes)) and isinstance(filename, str)
                and mode in ("exec", "eval") and not flags & ~FUTURE_FLAGS
                and optimize == -1 and not kwargs):
            return _compile(source, filename, mode, flags, True, optimize, **kwargs)
        return self.code(source, mode, filename, flags)

    @contextlib.contextmanager
    def compiling(self) -> Iterator[None]:
        """Inside: every `compile` call goes through the cache (for one import that
        compiles its modules from source at every start: PySide6's)."""
        builtins.compile = self.compile
        try:
            yield
        finally:
            builtins.compile = _compile

    def save(self) -> bool:
        """Write the file if it would change; True when it was written. Never raises for
        the disk: a cache that cannot be written costs a compile next time, nothing more."""
        with self._lock:
            codes = dict(self._codes)
            if len(codes) > MAX_ENTRIES:  # classes renamed over many versions pile up
                codes = {key: codes[key] for key in set(self.used)}
            if set(codes) == self._saved or not write_cache(self.path, HEADER, codes):
                return False
            self._saved = set(codes)
            return True


def _read(path: Path) -> dict[Key, CodeType]:
    codes = read_cache(path, HEADER)  # None: missing, damaged or another Python's
    if not isinstance(codes, dict):
        return {}
    return {key: code for key, code in codes.items()
            if isinstance(key, tuple) and len(key) == 4 and key[0] in ("exec", "eval")
            and isinstance(key[1], str) and type(key[2]) is int
            and isinstance(key[3], (str, bytes)) and isinstance(code, CodeType)}


# Where each hook goes: the module whose global name, found before the builtin, it sets.
_HOOKS: tuple[tuple[ModuleType, str], ...] = (
    (dataclasses, "exec"), (typing, "compile"), (collections, "eval"))


@contextlib.contextmanager
def cached_generated_code(path: Path) -> Iterator[CodeCache]:
    """Inside: dataclasses and typing get the code they generate from the cache at `path`;
    on the way out the cache is saved if this process compiled anything new. A hook
    someone else already put in place is left alone."""
    cache = CodeCache(path)
    installed = [(module, name) for module, name in _HOOKS if name not in vars(module)]
    for module, name in installed:
        setattr(module, name, getattr(cache, name))
    try:
        yield cache
    finally:
        for module, name in installed:
            delattr(module, name)
        cache.save()
