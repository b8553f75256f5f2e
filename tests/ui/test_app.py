import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QPalette

from studio import __version__
from studio.app import main
from studio.app.pyside_import_hook import ANSWERS_HEADER
from studio.code_cache import HEADER, CodeCache
from studio.ui.widgets.theme import apply_theme, font_warning, status_color

pytestmark = pytest.mark.gui
ROOT = Path(__file__).resolve().parents[2]


class _Emitter(QObject):
    fired = Signal(bool)


def test_signal_emit_does_not_leak_bool_references(qapp):
    """PySide6 6.12.0 on CPython 3.11 drops a reference to True per emit and later aborts
    with `bool_dealloc`; this fails (without crashing) on that combination."""
    emitter = _Emitter()
    got = []
    emitter.fired.connect(got.append)
    before = sys.getrefcount(True)
    for _ in range(100):
        emitter.fired.emit(True)
    assert len(got) == 100
    assert sys.getrefcount(True) >= before


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert __version__ in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "--sandbox" in out and "--home" in out and "quit-after" not in out


def test_the_app_starts_with_a_sandbox_and_quits_cleanly(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    env.pop("STUDIO_HOME", None)
    home = tmp_path / "home"
    result = subprocess.run(
        [sys.executable, "-m", "studio.app", "--home", str(home), "--sandbox",
         "--quit-after", "1.5"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (home / "config" / "ui.ini").exists()  # window geometry was remembered
    # The code dataclasses and typing generated, for the next start (studio.code_cache).
    assert (home / "cache" / "generated-code.bin").read_bytes().startswith(HEADER)
    kept = CodeCache(home / "cache" / "generated-code.bin")
    assert any(key[1] == "shibokensupport/feature.py" for key in kept._codes)  # PySide's own
    assert oct((home / "cache").stat().st_mode & 0o777) == "0o700"
    assert [f.name for f in (home / "cache").iterdir() if f.stat().st_mode & 0o077] == []
    # Which loaded files mention PySide6, for the next start (app.pyside_import_hook).
    assert (home / "cache" / "pyside-imports.bin").read_bytes().startswith(ANSWERS_HEADER)
    # The keyring backend keyring's search found, for the next start (core.keyring_choice).
    if not env.get("PYTHON_KEYRING_BACKEND"):
        assert "backend" in json.loads((home / "cache" / "keyring-backend.json").read_text())
    log = (home / "logs" / "studio.log").read_text()
    assert "app.start" in log and "sandbox=True" in log and "app.stop" in log


def test_a_sandbox_that_does_not_start_is_said_and_the_app_quits(tmp_path):
    """The sandbox starts before the window and is awaited when the service starts; one
    that exits instead is named in a dialog and on stderr, and the app exits with 1."""
    child = (
        "import sys\n"
        "import studio.sandbox.process as sp\n"
        "real = sp.start_sandbox_process\n"
        "sp.start_sandbox_process = lambda **kw: real(host='192.0.2.1')  # refuses to start\n"
        "from studio.app.launch import main\n"
        "sys.exit(main(sys.argv[1:]))\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    env.pop("STUDIO_HOME", None)
    result = subprocess.run(
        [sys.executable, "-c", child, "--home", str(tmp_path / "home"), "--sandbox",
         "--quit-after", "0.5"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "studio: the sandbox did not start: sandbox process exited" in result.stderr
    assert "loopback" in result.stderr  # the sandbox's own reason
    assert "Traceback" not in result.stderr


def test_window_layout_is_remembered(session, qtbot, studio):
    from studio.ui.main_window import MainWindow

    first = MainWindow(session)
    qtbot.addWidget(first)
    first.show()
    first.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, first.inspector)
    first.queue.hide()
    first.close()
    ini = (studio.paths.config_dir / "ui.ini").read_text()
    assert "geometry" in ini and "state" in ini
    second = MainWindow(session)
    qtbot.addWidget(second)
    second.show()
    assert not second.queue.isVisible()
    assert second.dockWidgetArea(second.inspector) == Qt.DockWidgetArea.LeftDockWidgetArea
    assert second.catalog.isVisible()


def test_palettes_and_status_colours(qapp):
    try:
        apply_theme(qapp, dark=True)
        assert qapp.palette().color(QPalette.ColorRole.Window).lightness() < 80
        dark_live = status_color("live")
        apply_theme(qapp, dark=False)
        assert qapp.palette().color(QPalette.ColorRole.Window).lightness() > 200
        light_live = status_color("live")
        assert dark_live.lightness() > light_live.lightness()  # brighter on dark
        assert font_warning(qapp) is None  # DejaVu is installed on this machine
    finally:
        apply_theme(qapp, dark=False)


def test_shortcuts_are_wired(window, qtbot):
    assert window.generate_action.shortcut().toString() == "Ctrl+Return"
    assert window.settings_action.shortcut().toString() == "Ctrl+,"
    assert window.quit_action.shortcut().toString() == "Ctrl+Q"
    assert window.catalog.refresh_action.shortcut().toString() == "F5"
    assert window.queue.actions_["cancel"].shortcut().toString() == "Del"
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.gallery


def test_the_palette_follows_the_system_colour_scheme(qapp, monkeypatch):
    from studio.ui.widgets.theme import follow_system_scheme

    monkeypatch.delenv("STUDIO_THEME", raising=False)
    hints = qapp.styleHints()
    stop = follow_system_scheme(qapp)
    try:
        # Offscreen has no platform theme to switch, so play the system's part.
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
        assert qapp.palette().color(QPalette.ColorRole.Window).lightness() < 80
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
        assert qapp.palette().color(QPalette.ColorRole.Window).lightness() > 200
    finally:
        stop()
        apply_theme(qapp, dark=False)


@pytest.mark.timeout(300)  # two window sizes of every view, with live sandbox jobs
def test_screenshot_tool_renders_every_view(tmp_path):
    from PIL import Image, ImageStat

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "studio.ui.screenshots", str(tmp_path)],
                            env=env, capture_output=True, text=True, timeout=280)
    assert result.returncode == 0, result.stderr[-2000:]
    names = {p.stem for p in tmp_path.glob("*.png")}
    views = {"main_window", "main_window_empty", "main_window_gallery", "main_window_compare",
             "main_window_toasts", "main_window_dark", "compose", "providers", "picker_search",
             "picker_inpaint", "queue", "queue_failed", "gallery", "gallery_stacks",
             "gallery_board", "gallery_trash", "inspector", "compare", "compare_9up",
             "compare_fullscreen", "compare_new", "compare_wipe", "compare_scoreboard",
             "viewer", "viewer_video", "settings", "settings_appearance"}
    views |= {"main_window_dashboard", "dashboard", "dashboard_week_scrolled"}
    for size in ("1024x700", "1600x1000"):
        assert {f"{v}_{size}" for v in views} <= names
        with Image.open(tmp_path / f"main_window_{size}.png") as im:
            assert im.size == tuple(int(n) for n in size.split("x"))
    with Image.open(tmp_path / "gallery_1600x1000.png") as im:
        assert max(ImageStat.Stat(im.convert("L")).stddev) > 20  # pictures, not a blank grab


def test_a_keyring_search_that_disagrees_switches_and_reads_the_keys_again(
        session, studio, ui_keyring, qtbot):
    """The start-up used the remembered backend; keyring's own search afterwards found
    another: the app uses that one from then on, its keys read, scrubbed and shown."""
    import keyring

    from studio.app.launch import _confirm_keyring
    from tests.conftest import MemoryKeyring
    from tests.ui.conftest import run

    class SearchFound(MemoryKeyring):
        """Another kind of backend than the one in use (ui_keyring's MemoryKeyring)."""

    spec = studio.providers["stability"].info.key
    found = SearchFound()
    found.set_password("provider-studio", spec.keyring_entry, "sk-from-search-7c6b5a49")

    class Search:
        def search(self):
            return found

    with qtbot.waitSignal(session.catalogChanged):
        run(qtbot, _confirm_keyring(Search(), studio, session))  # type: ignore[arg-type]
    assert keyring.get_keyring() is found
    assert studio.keys.lookup(spec).value == "sk-from-search-7c6b5a49"
    assert "sk-from-search-7c6b5a49" not in studio.redactor.text("sk-from-search-7c6b5a49")

    class Same:
        def search(self):
            return SearchFound()  # the kind of backend in use: nothing to switch

    run(qtbot, _confirm_keyring(Same(), studio, session))  # type: ignore[arg-type]
    assert keyring.get_keyring() is found
