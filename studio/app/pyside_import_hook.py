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
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from types import ModuleType

FEATURE_MODULE = "shibokensupport.feature"
_MARK = "_studio_reads_bytes"
STDLIB_DIR = os.path.dirname(os.__file__) + os.sep
_PACKAGE_DIRS = ("site-packages", "dist-packages")  # under the stdlib's folder, not of it


def cheapen() -> bool:
    """Install the cheaper check; False if this PySide6 has no such hook (or it is done)."""
    feature = sys.modules.get(FEATURE_MODULE)
    original = getattr(feature, "_mod_uses_pyside", None)
    if not callable(original) or getattr(original, _MARK, False):
        return False
    check = uses_pyside_by_bytes(original)
    setattr(check, _MARK, True)
    feature._mod_uses_pyside = check  # type: ignore[union-attr]
    return True


def in_stdlib(path: str) -> bool:
    """A module file of the standard library itself (not a package installed beside it)."""
    return path.startswith(STDLIB_DIR) and not path[len(STDLIB_DIR):].startswith(_PACKAGE_DIRS)


def uses_pyside_by_bytes(fallback: Callable[[ModuleType], bool]) -> Callable[[ModuleType], bool]:
    def uses_pyside(module: ModuleType) -> bool:
        path = getattr(module, "__file__", None)
        if not (isinstance(path, str) and path.endswith(".py")):
            return fallback(module)
        if in_stdlib(path):
            return False
        try:
            with open(path, "rb") as source:
                return b"PySide6" in source.read()
        except OSError:
            return False if getattr(sys, "frozen", False) else fallback(module)

    return uses_pyside
