"""A home the app cannot use (a damaged studio.db, a folder where a file belongs) gets a
dialog naming the file, never a traceback; a damaged database can be set aside from it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget

from studio.app.startup_error import ask_what_to_do
from studio.core.store_errors import StoreDamaged
from tests.ui.conftest import loop  # noqa: F401 (the qasync loop fixture)

pytestmark = pytest.mark.gui
ROOT = Path(__file__).resolve().parents[2]
RANDOM = bytes((i * 7919 + 13) % 251 for i in range(8192))


def test_a_damaged_database_is_named_and_left_untouched(tmp_path):
    home = tmp_path / "home"
    (home / "data").mkdir(parents=True)
    (home / "data" / "studio.db").write_bytes(RANDOM)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    env.pop("STUDIO_HOME", None)
    done = subprocess.run([sys.executable, "-m", "studio.app", "--home", str(home),
                           "--quit-after", "0.5"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "studio.db is damaged" in done.stderr
    assert (home / "data" / "studio.db").read_bytes() == RANDOM


def _answer(qtbot, parent, exc, button_text: str | None):
    task = asyncio.ensure_future(ask_what_to_do(parent, exc))
    qtbot.waitUntil(lambda: parent.findChild(QWidget, "startupError") is not None)
    box = parent.findChild(QWidget, "startupError")
    qtbot.waitUntil(box.isVisible)
    if button_text is None:
        box.reject()
    else:
        [button] = [b for b in box.buttons() if b.text().startswith(button_text)]
        button.click()
    qtbot.waitUntil(task.done)
    return box.text(), task.result()


def test_the_dialog_sets_a_damaged_database_aside(qtbot, loop, tmp_path):  # noqa: F811
    db = tmp_path / "studio.db"
    db.write_bytes(RANDOM)
    (tmp_path / "studio.db.bad").write_bytes(b"an older one")
    parent = QWidget()
    qtbot.addWidget(parent)
    text, again = _answer(qtbot, parent, StoreDamaged(db, "file is not a database"),
                          "Keep it as studio.db.1.bad")
    assert str(db) in text and again is True
    assert not db.exists() and (tmp_path / "studio.db.1.bad").read_bytes() == RANDOM
    assert (tmp_path / "studio.db.bad").read_bytes() == b"an older one"  # never overwritten


def test_closing_the_dialog_quits_and_keeps_everything(qtbot, loop, tmp_path):  # noqa: F811
    parent = QWidget()
    qtbot.addWidget(parent)
    error = NotADirectoryError(20, "Not a directory", str(tmp_path / "home" / "config"))
    text, again = _answer(qtbot, parent, error, None)
    assert again is False and "home/config: Not a directory" in text
