"""How the app, the CLI and the sandbox start (studio.process_start): httpx's client and
pydantic's plugin scan skipped, no collection while the modules load, the collector always
back on."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import weakref
from pathlib import Path

import pytest

from studio import process_start

ROOT = Path(__file__).resolve().parents[1]


def test_the_collector_is_paused_inside_and_back_on_after(collector_on):
    with process_start.collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_comes_back_on_when_start_up_fails(collector_on):
    with pytest.raises(RuntimeError), process_start.collector_paused():
        raise RuntimeError("the home cannot be used")
    assert gc.isenabled()


def test_a_collector_someone_else_turned_off_stays_off(collector_on):
    gc.disable()
    with process_start.collector_paused():
        pass
    assert not gc.isenabled()
    gc.enable()


def test_pydantic_plugins_are_skipped_unless_the_user_chose(monkeypatch):
    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS", raising=False)
    process_start.skip_pydantic_plugins()
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == "__all__"
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "logfire-plugin")
    process_start.skip_pydantic_plugins()
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == "logfire-plugin"


def test_imports_settled_freezes_what_loaded_and_collects_again_after(collector_on,
                                                                     monkeypatch):
    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS", raising=False)

    class Made:
        pass

    frozen_before = gc.get_freeze_count()
    try:
        with process_start.imports_settled():
            assert not gc.isenabled()
            kept = Made()  # a module's object: lives on, frozen out of the collector's way
        assert gc.isenabled()
        assert gc.get_freeze_count() > frozen_before
        assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == "__all__"
        a, b = Made(), Made()  # garbage made afterwards is collected as usual
        a.other, b.other = b, a
        gone = weakref.ref(a)
        del a, b
        gc.collect()
        assert gone() is None and isinstance(kept, Made)
    finally:
        gc.unfreeze()


def test_the_cli_starts_without_httpx_s_command_line_client():
    child = ("import sys\n"
             "from studio.cli import main\n"
             "print(sorted(m for m in ('httpx._main', 'rich', 'pygments') "
             "if sys.modules.get(m) is not None), __import__('gc').isenabled())\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", child], env=env, capture_output=True,
                         text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["[]", "True"]
    version = subprocess.run([sys.executable, "-m", "studio.cli", "--version"], env=env,
                             capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert version.returncode == 0 and version.stdout.startswith("studio-cli ")
