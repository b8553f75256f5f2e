"""API keys: the OS keyring (service `provider-studio`), overridden by environment variables.

Never writes a key anywhere else. When no secure keyring backend exists (headless Linux
without D-Bus, or only a plaintext backend), storing is refused with a clear message;
keys from the environment still work. The keys the studio knows of are read from the
keyring together (`preload`: one round with the Secret Service, core.keyring_batch), not
one connection each.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from studio.core.keyring_batch import read_service
from studio.core.keyring_choice import backend_name
from studio.providers.base import KeySpec

log = logging.getLogger(__name__)


def _skip_other_platforms_keychains() -> None:
    """keyring finds its backend by importing every one it ships. Off macOS the macOS
    backend's `api` module asks `ctypes.util.find_library` for Apple's frameworks, which
    runs `ldconfig` and then a C compiler and a linker looking for them: 50-100 ms of
    start-up for a backend that cannot be chosen there (its `priority` refuses anything
    but Darwin). A None entry makes that optional import fail, as keyring allows for
    (`keyring/backends/macOS/__init__.py` imports it inside try/except).

    Keyring is found on the thread that asks for it: finding it on a thread of its own
    while the service's modules imported once made PySide's import hook see pydantic
    half-imported and crash the app at start-up."""
    if sys.platform != "darwin":
        sys.modules.setdefault("keyring.backends.macOS.api", None)  # type: ignore[arg-type]


_skip_other_platforms_keychains()

SERVICE = "provider-studio"
SANDBOX_KEY = "sandbox-key-not-secret"

# Backends that would put a key in a readable file, or nowhere at all.
_INSECURE_MODULE_PREFIXES = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")


class KeySource(StrEnum):
    ENVIRONMENT = "environment"
    KEYRING = "keyring"
    SANDBOX = "sandbox"
    NONE = "none"


@dataclass(frozen=True)
class KeyLookup:
    """Where a provider's key was found (environment, keyring, sandbox), never shown."""
    value: str | None
    source: KeySource
    detail: str = ""

    @property
    def present(self) -> bool:
        return bool(self.value)

    def __repr__(self) -> str:  # never show the value
        return f"KeyLookup(source={self.source.value!r}, present={self.present})"


class KeyringUnavailable(RuntimeError):
    pass


def _backend_is_secure(backend: KeyringBackend) -> bool:
    backends = getattr(backend, "backends", None)  # ChainerBackend
    if backends is not None:
        return any(_backend_is_secure(b) for b in backends)
    module = type(backend).__module__
    return not module.startswith(_INSECURE_MODULE_PREFIXES) and backend.priority > 0


class KeyStore:
    def __init__(self, env: Mapping[str, str] | None = None, *, sandbox: bool = False) -> None:
        self._env = env if env is not None else os.environ
        self._sandbox = sandbox
        # Keyring answers, cached: a locked Secret Service must not be asked on every repaint.
        self._cache: dict[str, KeyLookup] = {}
        self._known: dict[str, KeySpec] = {}  # what `preload` read: read again together
        # The backend's answer, kept: the Secret Service's is a D-Bus round trip each time.
        self._status: tuple[KeyringBackend, tuple[bool, str]] | None = None

    def forget(self) -> None:
        """Drop cached keyring answers (after the user unlocks the keyring, say)."""
        self._cache.clear()
        self._status = None

    # -- backend ------------------------------------------------------------------------

    def backend_status(self) -> tuple[bool, str]:
        """(usable, description) of the keyring backend, for the UI banner."""
        try:
            backend = keyring.get_keyring()
        except Exception as exc:  # a broken backend configuration
            return False, f"keyring could not start: {type(exc).__name__}"
        if self._status is not None and self._status[0] is backend:
            return self._status[1]
        name = backend_name(backend)
        try:
            secure = _backend_is_secure(backend)
        except Exception as exc:  # its daemon went away since keyring chose it
            return False, f"the keyring ({name}) cannot be reached: {type(exc).__name__}"
        status = (True, name) if secure else (False, (
            "No secure OS keyring is available (found " + name + "). Keys can still come "
            "from environment variables; install and unlock a Secret Service (e.g. "
            "gnome-keyring) to store them."))
        self._status = (backend, status)
        return status

    # -- lookups ------------------------------------------------------------------------

    def lookup(self, spec: KeySpec, *, real: bool = False) -> KeyLookup:
        """The key calls use (the emulator's in the sandbox); `real`: the key a call would
        use outside the sandbox (the environment, then the keyring)."""
        if self._sandbox and not real:
            return KeyLookup(SANDBOX_KEY, KeySource.SANDBOX, "sandbox key (local emulator)")
        for name in spec.env:
            value = self._env.get(name, "").strip()
            if value:
                return KeyLookup(value, KeySource.ENVIRONMENT, name)
        cached = self._cache.get(spec.keyring_entry)
        if cached is None and spec.keyring_entry in self._known:
            self.preload(list(self._known.values()))  # after `forget`: all again, in one round
            cached = self._cache.get(spec.keyring_entry)
        if cached is None:
            cached = self._cache[spec.keyring_entry] = self._from_keyring(spec)
        return cached

    def preload(self, specs: list[KeySpec]) -> None:
        """Read the keyring entries of `specs` (those the environment does not set) in one
        round where the backend allows it (the Secret Service); the rest are read one by
        one when first asked for. A dismissed unlock prompt answers for all of them."""
        self._known.update({s.keyring_entry: s for s in specs})
        if self._sandbox:
            return
        todo = [s for s in specs if s.keyring_entry not in self._cache
                and not any(self._env.get(n, "").strip() for n in s.env)]
        if not todo or not self.backend_status()[0]:
            return
        try:
            found = read_service(keyring.get_keyring(), SERVICE)
        except keyring.errors.KeyringError as exc:  # locked, the prompt dismissed: ask once
            for spec in todo:
                self._cache[spec.keyring_entry] = KeyLookup(
                    None, KeySource.NONE, f"keyring error: {type(exc).__name__}")
            return
        except Exception as exc:  # D-Bus went away, say: key by key, as keyring would
            log.warning("keyring.batch_read_failed error=%s", type(exc).__name__)
            return
        if found is None:
            return
        for spec in todo:
            self._cache[spec.keyring_entry] = self._answer(spec, found.get(spec.keyring_entry))

    def _from_keyring(self, spec: KeySpec) -> KeyLookup:
        env_names = " or ".join(spec.env)
        usable, _ = self.backend_status()
        if not usable:
            return KeyLookup(None, KeySource.NONE,
                             f"{env_names} is not set and no secure keyring is available")
        try:
            value = keyring.get_password(SERVICE, spec.keyring_entry)
        except Exception as exc:  # keyring's errors, and the D-Bus ones it lets through
            return KeyLookup(None, KeySource.NONE, f"keyring error: {type(exc).__name__}")
        return self._answer(spec, value)

    @staticmethod
    def _answer(spec: KeySpec, value: str | None) -> KeyLookup:
        if value:
            return KeyLookup(value, KeySource.KEYRING, f"{SERVICE}/{spec.keyring_entry}")
        return KeyLookup(None, KeySource.NONE,
                         f"{' or '.join(spec.env)} is not set and the keyring has no key")

    def store(self, spec: KeySpec, value: str) -> None:
        value = value.strip()
        if not value:
            raise ValueError("the key is empty")
        if any(c in value for c in "\r\n\x00"):
            raise ValueError("the key contains line breaks or NUL characters")
        self._require_backend()
        self._cache.pop(spec.keyring_entry, None)
        try:
            keyring.set_password(SERVICE, spec.keyring_entry, value)
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(
                f"the keyring refused to store the key ({type(exc).__name__}); is it locked?"
            ) from None

    def delete(self, spec: KeySpec) -> bool:
        self._require_backend()
        self._cache.pop(spec.keyring_entry, None)
        try:
            keyring.delete_password(SERVICE, spec.keyring_entry)
        except keyring.errors.PasswordDeleteError:
            return False
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(
                f"the keyring refused to delete the key ({type(exc).__name__})"
            ) from None
        return True

    def _require_backend(self) -> None:
        usable, why = self.backend_status()
        if not usable:
            raise KeyringUnavailable(why)

    def known_values(self, specs: list[KeySpec]) -> list[str]:
        """Every key value we could send, so logs and records can scrub them."""
        self.preload(specs)
        values = []
        for spec in specs:
            found = self.lookup(spec)
            if found.value and found.source is not KeySource.SANDBOX:
                values.append(found.value)
        return values
