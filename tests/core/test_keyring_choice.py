"""core.keyring_choice: the backend keyring chose is used again while nothing it depends
on has changed and it can still run; otherwise keyring searches, and its answer is kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import keyring.backend
import pytest
from keyring.backends import fail
from keyring.compat import properties

from studio.core import keyring_choice
from studio.core.keyring_choice import KeyringChoice, backend_name

ROOT = Path(__file__).resolve().parents[2]
_RUNNABLE: set[str] = set()  # which fakes may say they can run (only inside these tests)


class _Fake(keyring.backend.KeyringBackend):
    """keyring registers every backend class it sees: these run only when a test says."""

    level = 0.0

    @properties.classproperty
    def priority(cls) -> float:
        if cls.__name__ not in _RUNNABLE:
            raise RuntimeError(f"{cls.__name__} cannot run here")
        return cls.level

    def get_password(self, service, username):
        return None

    def set_password(self, service, username, password):
        raise NotImplementedError

    def delete_password(self, service, username):
        raise NotImplementedError


class Desk(_Fake):
    level = 5.0


class Better(_Fake):
    level = 9.0


@pytest.fixture
def choice(tmp_path, monkeypatch) -> KeyringChoice:
    """Keyring's search sees only the runnable fakes; its settings are not in play."""
    monkeypatch.setattr(keyring_choice.platform_, "config_root", lambda: str(tmp_path / "kr"))
    monkeypatch.setattr(keyring.backend, "get_all_keyring",
                        lambda: [cls() for cls in (Desk, Better) if cls.__name__ in _RUNNABLE])
    _RUNNABLE.clear()
    _RUNNABLE.add("Desk")
    yield KeyringChoice(tmp_path / "cache" / "keyring.json",
                        env={"DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1/bus"})
    _RUNNABLE.clear()


def test_the_backend_found_is_used_again_without_a_search(choice, monkeypatch):
    assert choice.remembered() is None  # nothing kept yet: keyring searches
    found = choice.search()
    assert type(found) is Desk
    saved = json.loads(choice.path.read_text())
    assert saved["backend"] == backend_name(found) == f"{__name__}.Desk"

    monkeypatch.setattr(keyring.backend, "get_all_keyring",
                        lambda: pytest.fail("searched although nothing changed"))
    assert type(choice.remembered()) is Desk


@pytest.mark.parametrize("change", ["session", "package", "setting-env", "setting-file"])
def test_a_change_to_what_decides_means_a_new_search(choice, tmp_path, monkeypatch, change):
    choice.search()
    if change == "session":  # logged into another desktop
        choice.env = {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/2/bus"}
    elif change == "package":  # a folder on sys.path gained or lost a package
        site = tmp_path / "site"
        site.mkdir()
        monkeypatch.syspath_prepend(str(site))
        choice.search()
        (site / "keyrings_plugin-1.0.dist-info").mkdir()
        os.utime(site, ns=(1, 1))
    elif change == "setting-env":
        choice.env = {**choice.env, "PYTHON_KEYRING_BACKEND": f"{__name__}.Better"}
    else:
        (tmp_path / "kr").mkdir()
        (tmp_path / "kr" / "keyringrc.cfg").write_text("[backend]\ndefault-keyring=x.Y\n")
    assert choice.remembered() is None
    if change.startswith("setting"):
        assert choice.search() is None  # keyring's own settings decide: nothing to keep


def test_a_backend_that_cannot_run_now_is_not_used(choice):
    choice.search()
    _RUNNABLE.clear()  # its daemon went away
    assert choice.remembered() is None


def test_a_better_backend_found_later_is_kept_for_next_time(choice):
    choice.search()
    _RUNNABLE.add("Better")
    assert type(choice.remembered()) is Desk  # still runs: used at start-up...
    assert type(choice.search()) is Better  # ...and the search after it says otherwise
    assert type(choice.remembered()) is Better


def test_a_chain_of_backends_is_not_remembered(choice, monkeypatch):
    from keyring.backends.chainer import ChainerBackend

    monkeypatch.setattr(keyring.backend, "get_all_keyring", lambda: [ChainerBackend()])
    monkeypatch.setattr(ChainerBackend, "priority", 10)
    assert isinstance(choice.search(), ChainerBackend)
    assert choice.remembered() is None


@pytest.mark.parametrize("content", ["", "{not json", "[]", '{"backend": 3, "inputs": []}',
                                     '{"backend": "no.such.Module", "inputs": null}'])
def test_a_damaged_file_means_a_search(choice, content):
    choice.path.parent.mkdir(parents=True)
    choice.path.write_text(content)
    assert choice.remembered() is None


def test_no_backend_at_all_is_remembered_too(choice, monkeypatch):
    _RUNNABLE.clear()
    assert type(choice.search()) is fail.Keyring  # keyring's answer when nothing runs
    assert type(choice.remembered()) is fail.Keyring


def test_a_file_that_cannot_be_written_costs_only_the_search(choice, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder would be")
    choice.path = blocker / "keyring.json"
    assert type(choice.search()) is Desk
    assert choice.remembered() is None


def test_keys_are_read_again_when_the_backend_changes(home, memory_keyring):
    """What the app does when keyring's search disagrees with the remembered backend."""
    from studio.core.service import Studio

    studio = Studio(home, env={})
    try:
        spec = studio.providers["stability"].info.key
        assert studio.keys.lookup(spec).value is None
        memory_keyring.set_password("provider-studio", spec.keyring_entry, "sk-found-9f8e7d6c")
        studio.keyring_changed()
        assert studio.keys.lookup(spec).value == "sk-found-9f8e7d6c"
        assert "sk-found-9f8e7d6c" not in studio.redactor.text("key sk-found-9f8e7d6c")
    finally:
        studio.store.close()


def test_another_backend_is_answered_without_loading_the_secret_service():
    """core.keyring_batch asks the backend's class by name before importing anything:
    a headless or KWallet desktop does not load secretstorage and cryptography."""
    child = ("import sys\n"
             "from keyring.backends import fail\n"
             "from studio.core.keyring_batch import read_service\n"
             "assert read_service(fail.Keyring(), 'provider-studio') is None\n"
             "print(sorted(m for m in ('secretstorage', 'cryptography') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True,
                         cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
