"""A STUDIO_HOME the user cannot read or write: a message naming the file, exit 2, no
traceback, nothing changed. Run in a child process without root's power to ignore file
permissions (when the tests run as root)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from studio.core.paths import StudioPaths
from tests.cli.bad_inputs import good_db

ROOT = os.geteuid() == 0 if hasattr(os, "geteuid") else False
SETPRIV = shutil.which("setpriv")
pytestmark = pytest.mark.skipif(os.name != "posix" or (ROOT and not SETPRIV),
                                reason="needs POSIX permissions (and setpriv as root)")


def cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    prefix = [SETPRIV, "--bounding-set=-dac_override,-dac_read_search"] if ROOT else []
    env = {**os.environ, "STUDIO_HOME": str(home),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    return subprocess.run([*prefix, sys.executable, "-m", "studio.cli", *args], env=env,
                          capture_output=True, text=True, timeout=60)


def populated(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    StudioPaths.resolve(home).ensure()
    good_db(home, tmp_path)
    return home


@pytest.fixture
def restore(tmp_path):
    """Give every path back its rights at the end, so pytest can clean up."""
    changed: list[Path] = []
    yield changed
    for path in changed:
        path.chmod(0o700)


@pytest.mark.parametrize(("what", "mode", "words"), [
    ("", 0o000, "Permission denied"),  # the home itself, unreadable
    ("", 0o500, "Permission denied"),  # the home, read-only and empty
    ("data", 0o500, "data"),  # the folder of studio.db, read-only
    ("data/studio.db", 0o400, "studio.db"),  # the database, read-only
    ("data/studio.db", 0o000, "studio.db"),  # the database, unreadable
    ("config/studio.json", 0o000, "studio.json"),  # the settings, unreadable
])
def test_unreadable_or_read_only_home(tmp_path, restore, what, mode, words):
    home = tmp_path / "home"
    if what:
        home = populated(tmp_path)
        if what.endswith("studio.json"):
            (home / what).write_text("{}")
    else:
        home.mkdir()
    target = home / what if what else home
    before = {p: p.read_bytes() for p in home.rglob("*") if p.is_file()} if what else {}
    target.chmod(mode)
    restore.append(target)
    done = cli(home, "jobs")
    assert "Traceback" not in done.stdout + done.stderr
    assert done.returncode == 2, done.stderr
    assert words in done.stderr and "permission" in done.stderr.lower()
    assert len(done.stderr.strip().splitlines()) <= 3
    target.chmod(0o700)
    assert {p: p.read_bytes() for p in before} == before  # nothing was changed
    assert not list(home.rglob("*.bad"))  # and nothing was set aside as "damaged"
