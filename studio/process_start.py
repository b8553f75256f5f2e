"""How the app, the CLI and the sandbox start: the modules they load, loaded for less.

Each imports a few hundred modules before it does anything (pydantic, httpx, keyring, the
providers, the store); what is here trims what that costs without changing what loads:
- `skip_httpx_cli`: httpx's command-line client is never imported;
- `skip_pydantic_plugins`: pydantic does not read every package's entry points looking
  for plugins;
- `collector_paused`: no cyclic garbage collection while those modules load. The ~180
  collections they set off only walk objects that live as long as the process (classes,
  schemas, Qt wrappers): ~45 ms of the app's start-up, ~40 ms of every CLI command;
- `imports_settled`: the CLI's and the sandbox's form of it. The collector is back on as
  soon as the modules are loaded, and what they made is frozen first (`gc.freeze`), so
  the next collections never walk it again.
Figures: bench/RESULTS.md (gui_startup, fourth pass; "CLI start").
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Iterator


def skip_httpx_cli() -> None:
    """httpx imports its command-line client (click, rich, pygments: ~40-60 ms where they
    are installed) only to offer `httpx.main`, which nothing here runs. A None entry in
    sys.modules makes that optional import fail as if they were not installed, and httpx
    defines its fallback `main` instead (httpx/__init__.py)."""
    if "httpx" not in sys.modules:
        sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]


def skip_pydantic_plugins() -> None:
    """pydantic looks for plugins by reading every installed package's entry points
    before it builds its first model (~6 ms here); nothing here uses one. Its documented
    switch, unless the user set it."""
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off inside, back as it was on the way out (any way)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextlib.contextmanager
def imports_settled() -> Iterator[None]:
    """Load a command's modules: httpx's client and pydantic's plugin scan skipped, no
    collection meanwhile, then what they made frozen out of the collector's way."""
    skip_httpx_cli()
    skip_pydantic_plugins()
    with collector_paused():
        try:
            yield
        finally:
            gc.freeze()
