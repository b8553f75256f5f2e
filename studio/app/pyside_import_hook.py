"""PySide6's import hook, made cheap.

Once PySide6 is loaded, it replaces `builtins.__import__` and asks of every module imported
afterwards whether its source mentions "PySide6" (shibokensupport/feature.py,
`_mod_uses_pyside`, PYSIDE-2029: the answer decides whether `from __feature__ import
snake_case` can apply to that module). It asks through `inspect.getsource`, which walks every
loaded module (`inspect.getmodule`) and keeps each module's source in `linecache`: for the
~750 modules the app imports after PySide6, tens of milliseconds of start-up and megabytes
that are never read again. It also touches other modules' attributes from whichever thread
is importing, which is how a half-imported module on one thread could be seen from another.

`cheapen()` swaps that check for the same question asked of the file's bytes. Modules that
have no `.py` file (built-ins, extension modules) still get PySide's own answer. In the
frozen bundle a module's `.py` is not on disk, and PySide's check would walk every module
to find that out: the answer there is False, as PySide's own would be. The standard
library never mentions PySide6 (tests/app check the installed one), so its ~160 modules of
start-up are answered without being read (~4 ms).

The other ~270 (ours and the packages') were still read at every start: ~3 MB, ~7 ms.
`remembered_answers` keeps each file's answer with its size and modification time, so a
file that has not changed since is answered from one `stat`, as Python's own .pyc check
does; a changed file is read again.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

from studio.core.cache_files import read_cache, write_cache

FEATURE_MODULE = "shibokensupport.feature"
_MARK = "_studio_reads_bytes"
STDLIB_DIR = os.path.dirname(os.__file__) + os.sep
_PACKAGE_DIRS = ("site-packages", "dist-packages")  # under the stdlib's folder, not of it


# A file's answer: (st_mtime_ns, st_size, mentions PySide6).
Answers = dict[str, tuple[int, int, bool]]
ANSWERS_HEADER = b"studio-pyside-answers-1\n"
MAX_ANSWERS = 4096


def cheapen(answers: Answers | None = None) -> bool:
    """Install the cheaper check; False if this PySide6 has no such hook (or it is done).
    `answers`: what earlier starts found (remembered_answers), kept up to date."""
    feature = sys.modules.get(FEATURE_MODULE)
    original = getattr(feature, "_mod_uses_pyside", None)
    if not callable(original) or getattr(original, _MARK, False):
        return False
    check = uses_pyside_by_bytes(original, answers)
    setattr(check, _MARK, True)
    feature._mod_uses_pyside = check  # type: ignore[union-attr]
    return True


def in_stdlib(path: str) -> bool:
    """A module file of the standard library itself (not a package installed beside it)."""
    return path.startswith(STDLIB_DIR) and not path[len(STDLIB_DIR):].startswith(_PACKAGE_DIRS)


def uses_pyside_by_bytes(fallback: Callable[[ModuleType], bool],
                         answers: Answers | None = None) -> Callable[[ModuleType], bool]:
    def uses_pyside(module: ModuleType) -> bool:
        path = getattr(module, "__file__", None)
        if not (isinstance(path, str) and path.endswith(".py")):
            return fallback(module)
        if in_stdlib(path):
            return False
        try:
            if answers is None:
                return _mentions_pyside(path)
            facts = os.stat(path)  # before the read: a change after it is seen next time
            known = answers.get(path)
            if known is not None and known[:2] == (facts.st_mtime_ns, facts.st_size):
                return known[2]
            answer = _mentions_pyside(path)
            answers[path] = (facts.st_mtime_ns, facts.st_size, answer)
            return answer
        except OSError:
            return False if getattr(sys, "frozen", False) else fallback(module)

    return uses_pyside


def _mentions_pyside(path: str) -> bool:
    with open(path, "rb") as source:
        return b"PySide6" in source.read()


@contextlib.contextmanager
def remembered_answers(path: Path) -> Iterator[Answers]:
    """The answers saved at `path` by the last start (none if the file is missing or
    damaged); on the way out, the answers this process gave are saved if they changed
    (never raising for the disk: a file that cannot be written is read again next time)."""
    before = _read_answers(path)
    answers: Answers = dict(before)
    try:
        yield answers
    finally:
        if len(answers) > MAX_ANSWERS:  # paths of many old versions: start again
            answers = {}
        if answers != before:
            write_cache(path, ANSWERS_HEADER, answers)


def _read_answers(path: Path) -> Answers:
    loaded = read_cache(path, ANSWERS_HEADER)
    if not isinstance(loaded, dict):
        return {}
    return {key: value for key, value in loaded.items()
            if isinstance(key, str) and isinstance(value, tuple) and len(value) == 3
            and type(value[0]) is int and type(value[1]) is int and type(value[2]) is bool}
