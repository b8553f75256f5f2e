"""Exports that import their module on first use, so a package's `__init__` can name what
other packages may use without loading it all: the UI's feature packages (no widgets
before the first frame paints), the sandbox (the app starts its process without loading
its server)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import import_module
from typing import Any


def lazy_exports(package: str, exports: dict[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` (PEP 562) for `package`: NAME resolves to NAME in the
    submodule `exports[NAME]`, imported on first use and then cached on the package."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
