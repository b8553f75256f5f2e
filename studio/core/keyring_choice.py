"""The keyring backend, remembered from the last start of the app.

keyring picks its backend the first time it is asked, by loading every backend it can
find: an entry-point scan of every installed package (~10 ms) and each backend's module
(the Secret Service's pulls in `cryptography`: ~15 ms), then asking each whether it can
run here (bench/RESULTS.md, "keyring backend"). Its answer depends on the installed
packages, on keyring's own settings (PYTHON_KEYRING_BACKEND, keyringrc.cfg) and on the
desktop session, and changes when they do. So the app keeps the answer beside those
inputs (`KeyringChoice`):

- `remembered()`: the last start's backend, when the inputs are the same and the backend
  still says it can run here; otherwise None, and keyring searches as usual;
- `search()` (after start-up, off the GUI thread): keyring's own search, whose answer is
  kept for the next start; the app switches to it if it differs from the one in use.

Not remembered: a chain of backends (keyring's answer when several can run: it searches
again to build itself) and anything when keyring's own settings name the backend.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import sys
from collections.abc import Mapping
from pathlib import Path

import keyring.backend
import keyring.core
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.util import platform_

from studio.core.atomic import write_atomic
from studio.core.paths import make_private_dir

log = logging.getLogger(__name__)

# What the backends look at to say whether they can run (the session bus, the desktop).
SESSION_VARIABLES = ("DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "XDG_CURRENT_DESKTOP",
                     "DESKTOP_SESSION", "KDE_FULL_SESSION", "KDE_SESSION_VERSION")
_CHAINER = "keyring.backends.chainer.ChainerBackend"


def backend_name(backend: KeyringBackend) -> str:
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


class KeyringChoice:
    def __init__(self, path: Path, env: Mapping[str, str] | None = None) -> None:
        self.path = path
        self.env = env if env is not None else os.environ

    def inputs(self) -> list[str] | None:
        """What keyring's answer depends on; None when its own settings decide."""
        if self.env.get("PYTHON_KEYRING_BACKEND"):
            return None
        if (Path(platform_.config_root()) / "keyringrc.cfg").exists():
            return None
        found = [sys.platform, sys.version, getattr(keyring.core, "__file__", "")]
        for entry in sys.path:  # a package installed or removed changes its folder's time
            try:
                facts = os.stat(entry or ".")
            except OSError:
                continue
            if stat.S_ISDIR(facts.st_mode):
                found.append(f"{entry}@{facts.st_mtime_ns}")
        found += [f"{name}={self.env.get(name, '')}" for name in SESSION_VARIABLES]
        return found

    def remembered(self) -> KeyringBackend | None:
        """The backend keyring chose last time, if nothing it depends on has changed and
        it can still run here; None otherwise (keyring then searches as usual)."""
        inputs = self.inputs()
        if inputs is None:
            return None
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(saved, dict) or saved.get("inputs") != inputs:
            return None
        name = saved.get("backend")
        if not isinstance(name, str) or name == _CHAINER:
            return None
        try:
            return keyring.core.load_keyring(name)  # raises unless it can run here
        except Exception as exc:  # gone, or cannot run now: keyring searches instead
            log.info("keyring.remembered_unusable backend=%s error=%s", name,
                     type(exc).__name__)
            return None

    def search(self) -> KeyringBackend | None:
        """keyring's own search for the best backend (what it does when first asked
        without settings), remembered for the next start; None when its settings name
        the backend (nothing to search for)."""
        inputs = self.inputs()
        if inputs is None:
            return None
        found = max(keyring.backend.get_all_keyring(), key=keyring.backend.by_priority,
                    default=fail.Keyring())
        try:
            make_private_dir(self.path.parent)
            write_atomic(self.path, json.dumps(
                {"backend": backend_name(found), "inputs": inputs}).encode(), durable=False)
        except OSError as exc:  # the next start searches again, nothing worse
            log.info("keyring.remember_failed error=%s", type(exc).__name__)
        return found
