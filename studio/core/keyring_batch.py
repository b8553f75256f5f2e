"""Every key of one service read from the Secret Service in one round: one D-Bus
connection, one unlock, one encrypted session for all the secrets.

keyring's own `get_password` opens a connection, checks the lock and negotiates an
encrypted session (a Diffie-Hellman exchange in pure Python) for each key it reads. The
studio reads 11 keys at start-up: ~65 ms on the GUI thread with gnome-keyring, ~15 ms read
together (bench/keyring_lookup.py). Other backends give None: the caller asks key by key.
"""

from __future__ import annotations

from contextlib import closing
from typing import Any


def read_service(backend: Any, service: str) -> dict[str, str] | None:
    """{entry name: secret} of every item of `service` in the backend's collection, or
    None when the backend is not the Secret Service. A locked collection asks once (the
    backend's own unlock); a dismissed prompt raises keyring's KeyringLocked."""
    # Asked by name first: any other backend (a headless fail.Keyring, KWallet, macOS)
    # is answered without loading secretstorage and cryptography (~15 ms of start-up).
    kind = type(backend)
    if (kind.__module__, kind.__qualname__) != ("keyring.backends.SecretService", "Keyring"):
        return None  # a subclass may store keys its own way
    try:
        from keyring.backends.SecretService import Keyring as SecretServiceKeyring
        from secretstorage.collection import Collection
        from secretstorage.util import open_session
    except ImportError:  # secretstorage missing: keyring itself cannot use this backend
        return None
    if kind is not SecretServiceKeyring:  # a class of that name from somewhere else
        return None
    names = backend.schemes[backend.scheme]
    collection = backend.get_preferred_collection()
    with closing(collection.connection):
        shared = Collection(collection.connection, collection.collection_path,
                            open_session(collection.connection))
        found: dict[str, str] = {}
        for item in shared.search_items({names["service"]: service}):
            entry = item.get_attributes().get(names["username"])
            if entry is None or entry in found:  # the first one wins, as in get_password
                continue
            backend.unlock(item)
            found[entry] = item.get_secret().decode("utf-8")
    return found
