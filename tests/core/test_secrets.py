import os
import sys

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


@pytest.mark.skipif(sys.platform == "darwin", reason="the macOS keychain is the backend there")
def test_the_macos_keychain_is_not_probed_off_macos():
    """Its api module runs ldconfig, a compiler and a linker looking for Apple's frameworks
    (50-100 ms of every start); studio.core.secrets makes that import fail instead, and
    keyring still finds the backend this platform has."""
    import subprocess

    probe = ("import ctypes.util\n"
             "asked = []\n"
             "find = ctypes.util.find_library\n"
             "ctypes.util.find_library = lambda name: asked.append(name) or find(name)\n"
             "import studio.core.secrets, keyring\n"
             "print('backend:', type(keyring.get_keyring()).__module__)\n"
             "print('asked for:', sorted(asked))\n"
             "from keyring.backends import macOS\n"
             "try:\n"
             "    macOS.Keyring.priority\n"
             "except RuntimeError as exc:\n"
             "    print('refused:', exc)\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "backend: keyring.backends." in out.stdout  # it still found one
    assert "Security" not in out.stdout.split("asked for:")[1]
    assert "refused: macOS required" in out.stdout


def test_a_backend_error_that_is_not_keyring_s_is_a_clear_answer(memory_keyring, monkeypatch):
    """The Secret Service backend lets D-Bus errors through (jeepney's, secretstorage's,
    a secret that is not UTF-8): the lookup says so instead of raising into the catalog."""
    def broken(service, username):
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    monkeypatch.setattr(memory_keyring, "get_password", broken)
    found = KeyStore(env={}).lookup(SPEC)
    assert not found.present and found.detail == "keyring error: UnicodeDecodeError"


def test_the_backend_check_is_asked_once_per_backend(memory_keyring, monkeypatch):
    asked = []
    monkeypatch.setattr(type(memory_keyring), "priority", property(
        lambda self: asked.append(1) or 1), raising=False)
    store = KeyStore(env={})
    for entry in ("a", "b", "c"):
        store.lookup(KeySpec(env=("NOPE",), keyring_entry=entry))
    assert len(asked) == 1
    store.forget()  # after an unlock, say: asked again
    store.lookup(SPEC)
    assert len(asked) == 2
