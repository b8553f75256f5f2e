"""The automation API's bearer token.

Kept in the OS keyring (service `provider-studio`, entry `automation-api-token`) when a
secure keyring is available, so scripts keep working across restarts; otherwise made up
for this session only and shown to the user. Compared in constant time.
"""

from __future__ import annotations

import hmac
import logging
import secrets

import keyring
import keyring.errors

from studio.core.redaction import Redactor
from studio.core.secrets import SERVICE, KeyStore

log = logging.getLogger(__name__)

ENTRY = "automation-api-token"
_MIN_LENGTH = 32


def new_token() -> str:
    return secrets.token_urlsafe(32)


class ApiToken:
    def __init__(self, keys: KeyStore, redactor: Redactor | None = None) -> None:
        self._keys = keys
        self._redactor = redactor
        self._value: str | None = None
        self.persistent = False
        self.detail = ""

    @property
    def value(self) -> str:
        if self._value is None:
            self._load()
        assert self._value is not None
        return self._value

    @property
    def where(self) -> str:
        """Where the token lives, in words for the Settings tab and the CLI."""
        self.value  # noqa: B018 (loads it)
        if self.persistent:
            return f"stored in the OS keyring ({SERVICE}/{ENTRY})"
        return f"kept in memory for this session only ({self.detail})"

    def peek(self) -> str | None:
        """The token if one exists already; never makes or stores one (Settings opening)."""
        if self._value is None and self._keys.backend_status()[0]:
            try:
                stored = keyring.get_password(SERVICE, ENTRY)
            except keyring.errors.KeyringError:
                stored = None
            if stored and len(stored) >= _MIN_LENGTH:
                self._set(stored, persistent=True)
        return self._value

    def matches(self, presented: str | None) -> bool:
        if not presented:
            return False
        return hmac.compare_digest(presented.encode(), self.value.encode())

    def regenerate(self) -> str:
        """A new token; the old one stops working at once."""
        self._store(new_token())
        return self.value

    def _load(self) -> None:
        usable, why = self._keys.backend_status()
        if usable:
            try:
                stored = keyring.get_password(SERVICE, ENTRY)
            except keyring.errors.KeyringError as exc:
                stored, why = None, f"keyring error: {type(exc).__name__}"
                usable = False
            if stored and len(stored) >= _MIN_LENGTH:
                self._set(stored, persistent=True)
                return
        if usable:
            self._store(new_token())
        else:
            self._set(new_token(), persistent=False, detail=_short(why))

    def _store(self, token: str) -> None:
        usable, why = self._keys.backend_status()
        if usable:
            try:
                keyring.set_password(SERVICE, ENTRY, token)
                self._set(token, persistent=True)
                return
            except keyring.errors.KeyringError as exc:
                why = f"the keyring refused it: {type(exc).__name__}"
        log.warning("api.token_in_memory reason=%s", _short(why))
        self._set(token, persistent=False, detail=_short(why))

    def _set(self, token: str, *, persistent: bool, detail: str = "") -> None:
        self._value = token
        self.persistent = persistent
        self.detail = detail
        if self._redactor is not None:
            self._redactor.add([token])


def _short(why: str) -> str:
    return "no secure keyring" if why.startswith("No secure OS keyring") else why


def bearer(header: str | None) -> str | None:
    """The token from an `Authorization: Bearer <token>` header, else None."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None
