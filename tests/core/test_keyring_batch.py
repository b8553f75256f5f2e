"""Keys read from a real Secret Service (gnome-keyring on a private D-Bus session): the
studio's keys come back together, over one connection for the collection, where keyring's
own get_password opens one (and negotiates an encrypted session) per key."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest

from studio.core.secrets import KeySource, KeyStore
from studio.providers.base import KeySpec
from tests.secret_service import available, private_secret_service

pytestmark = pytest.mark.skipif(not available(), reason="needs dbus-daemon and gnome-keyring")

SPECS = [KeySpec(env=(f"PS_TEST_{n.upper()}_KEY",), keyring_entry=f"{n}-api-key")
         for n in ("fal", "runway", "luma", "pika", "stability")]


@pytest.fixture(scope="module")
def bus_address() -> Iterator[str]:
    service = private_secret_service()
    try:
        address = service.__enter__()
    except RuntimeError as exc:  # the machine's daemons, not the studio: said, not failed
        pytest.skip(f"no private Secret Service here: {exc}")
    try:
        yield address
    finally:
        service.__exit__(None, None, None)


@pytest.fixture
def secret_service(bus_address, monkeypatch) -> Iterator[None]:
    import secretstorage
    from keyring.backends.SecretService import Keyring

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus_address)
    old = keyring.get_keyring()
    keyring.set_keyring(Keyring())
    try:
        yield
    finally:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus_address)  # a test may move it
        with secretstorage.dbus_init() as connection:  # every test starts empty
            for item in secretstorage.get_default_collection(connection).get_all_items():
                item.delete()
        keyring.set_keyring(old)


@pytest.fixture
def connections(monkeypatch) -> list[int]:
    """How many D-Bus connections keyring and the batch read open."""
    import secretstorage

    opened: list[int] = []
    real = secretstorage.dbus_init

    def counted():
        opened.append(1)
        return real()

    monkeypatch.setattr(secretstorage, "dbus_init", counted)
    return opened


def test_the_studio_s_keys_come_back_together(secret_service, connections):
    writer = KeyStore(env={})
    for spec, value in zip(SPECS[:3], ("fal-secret", "runway-secret", "luma-secret"),
                           strict=True):
        writer.store(spec, value)
    keyring.set_password("another-app", SPECS[0].keyring_entry, "not ours")

    connections.clear()
    store = KeyStore(env={})
    values = store.known_values(SPECS)
    assert sorted(values) == ["fal-secret", "luma-secret", "runway-secret"]
    assert len(connections) <= 2  # the backend's check and the collection, once each
    found = [store.lookup(spec) for spec in SPECS]  # answered from what was read
    assert [f.source for f in found] == [KeySource.KEYRING] * 3 + [KeySource.NONE] * 2
    assert found[3].detail == "PS_TEST_PIKA_KEY is not set and the keyring has no key"
    assert len(connections) <= 2

    # keyring key by key, as before: a connection (and a session) for every key
    connections.clear()
    assert [keyring.get_password("provider-studio", s.keyring_entry) for s in SPECS] == [
        "fal-secret", "runway-secret", "luma-secret", None, None]
    assert len(connections) == len(SPECS)


def test_after_forget_the_keys_are_read_again_in_one_round(secret_service, connections):
    store = KeyStore(env={})
    store.preload(SPECS)
    assert not store.lookup(SPECS[1]).present
    KeyStore(env={}).store(SPECS[1], "new-runway-secret")  # saved by another process
    store.forget()
    connections.clear()
    assert store.lookup(SPECS[1]).value == "new-runway-secret"
    assert [store.lookup(s).present for s in SPECS] == [False, True, False, False, False]
    assert len(connections) <= 2


def test_keys_from_the_environment_are_not_asked_of_the_keyring(secret_service, connections):
    store = KeyStore(env={spec.env[0]: f"env-{i}" for i, spec in enumerate(SPECS)})
    connections.clear()
    assert store.known_values(SPECS) == [f"env-{i}" for i in range(len(SPECS))]
    assert connections == []


def test_a_keyring_that_went_away_is_said_not_raised(secret_service, monkeypatch):
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    store = KeyStore(env={})
    usable, why = store.backend_status()
    assert not usable and "cannot be reached" in why
    assert store.known_values(SPECS) == []
    assert "no secure keyring" in store.lookup(SPECS[0]).detail


def test_a_secret_that_is_not_text_is_said_and_the_others_still_read(secret_service):
    import secretstorage

    KeyStore(env={}).store(SPECS[0], "fal-secret")
    with secretstorage.dbus_init() as connection:  # written by some other tool, as bytes
        secretstorage.get_default_collection(connection).create_item(
            "garbage", {"service": "provider-studio", "username": SPECS[1].keyring_entry},
            b"\xff\xfe not utf-8")
    store = KeyStore(env={})
    assert store.known_values(SPECS) == ["fal-secret"]
    found = store.lookup(SPECS[1])
    assert not found.present and found.detail == "keyring error: UnicodeDecodeError"
