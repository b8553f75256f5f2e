import pytest

from studio.core.secrets import SERVICE, KeyringUnavailable, KeySource, KeyStore
from studio.providers.base import KeySpec
from tests.conftest import TEST_KEY

SPEC = KeySpec(env=("FAL_KEY", "FAL_KEY_ALT"), keyring_entry="fal")


def test_environment_overrides_keyring(memory_keyring):
    store = KeyStore(env={"FAL_KEY": "from-env-1234567"})
    store.store(SPEC, TEST_KEY)
    found = store.lookup(SPEC)
    assert found.value == "from-env-1234567" and found.source is KeySource.ENVIRONMENT
    assert KeyStore(env={}).lookup(SPEC).source is KeySource.KEYRING
    assert memory_keyring.items[(SERVICE, "fal")] == TEST_KEY


def test_second_env_name_is_used(memory_keyring):
    found = KeyStore(env={"FAL_KEY_ALT": "alt-key-123456"}).lookup(SPEC)
    assert found.value == "alt-key-123456" and found.detail == "FAL_KEY_ALT"


def test_no_backend_refuses_to_store_but_env_works(no_keyring):
    store = KeyStore(env={})
    usable, why = store.backend_status()
    assert not usable and "No secure OS keyring" in why
    with pytest.raises(KeyringUnavailable):
        store.store(SPEC, TEST_KEY)
    assert store.lookup(SPEC).source is KeySource.NONE
    assert KeyStore(env={"FAL_KEY": TEST_KEY}).lookup(SPEC).value == TEST_KEY


def test_plaintext_backend_is_not_trusted(monkeypatch):
    import keyring
    from keyring.backend import KeyringBackend

    class PlaintextKeyring(KeyringBackend):
        priority = 1

        def get_password(self, s, u):
            return None

        def set_password(self, s, u, p):
            raise AssertionError("must not be called")

        def delete_password(self, s, u):
            pass

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    old = keyring.get_keyring()
    keyring.set_keyring(PlaintextKeyring())
    try:
        with pytest.raises(KeyringUnavailable):
            KeyStore(env={}).store(SPEC, TEST_KEY)
    finally:
        keyring.set_keyring(old)


def test_lookup_repr_never_shows_the_key(memory_keyring):
    store = KeyStore(env={})
    store.store(SPEC, TEST_KEY)
    assert TEST_KEY not in repr(store.lookup(SPEC))


def test_bad_key_values_are_refused(memory_keyring):
    store = KeyStore(env={})
    for bad in ("", "   ", "abc\ndef"):
        with pytest.raises(ValueError):
            store.store(SPEC, bad)
    assert memory_keyring.items == {}


def test_sandbox_mode_never_uses_real_keys(memory_keyring):
    store = KeyStore(env={"FAL_KEY": TEST_KEY}, sandbox=True)
    found = store.lookup(SPEC)
    assert found.source is KeySource.SANDBOX and found.value != TEST_KEY
