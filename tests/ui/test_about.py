"""Help > About: version, the folders it names and opens, and the licences it lists."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication

from studio import __version__
from studio.core.paths import StudioPaths
from studio.ui.about_dialog import AboutDialog, bundled_components, runtime_distributions

pytestmark = pytest.mark.gui


@pytest.fixture
def opened(monkeypatch) -> list[QUrl]:
    """URLs the dialog asked the desktop to open (no file manager is started)."""
    urls: list[QUrl] = []

    def fake_open(url: QUrl) -> bool:
        urls.append(url)
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(fake_open))
    return urls


@pytest.fixture
def dialog(qtbot, tmp_path, monkeypatch) -> AboutDialog:
    monkeypatch.setenv("STUDIO_HOME", str(tmp_path / "home"))
    d = AboutDialog()
    qtbot.addWidget(d)
    d.show()
    return d


def _rows(d: AboutDialog) -> dict[str, tuple[str, str]]:
    table = d.table
    return {table.topLevelItem(i).text(0): (table.topLevelItem(i).text(1),
                                            table.topLevelItem(i).text(2))
            for i in range(table.topLevelItemCount())}


def test_shows_the_version_and_the_folders_of_this_home(dialog, tmp_path):
    assert dialog.title.text() == f"Provider Studio {__version__}"
    paths = StudioPaths.resolve()
    assert paths.config_dir == tmp_path / "home" / "config"
    assert dialog.paths == paths
    shown = dialog.details()
    for folder in (paths.config_dir, paths.data_dir, paths.log_dir):
        assert str(folder) in shown
    assert "Qt 6." in dialog.runtime.text() and "from source" in dialog.runtime.text()


def test_open_buttons_create_and_open_each_folder(dialog, opened, qtbot):
    paths = dialog.paths
    assert not paths.log_dir.exists()
    dialog.open_buttons["logs"].click()
    dialog.open_buttons["config"].click()
    dialog.open_buttons["data"].click()
    assert [Path(u.toLocalFile()) for u in opened] == [paths.log_dir, paths.config_dir,
                                                        paths.data_dir]
    assert all(u.isLocalFile() for u in opened)
    assert paths.log_dir.is_dir()  # a fresh home has no logs yet: it is made first
    assert dialog.status.isHidden()


def test_says_so_when_no_file_manager_answers(dialog, monkeypatch):
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: False))
    dialog.open_buttons["data"].click()
    assert not dialog.status.isHidden()
    assert str(dialog.paths.data_dir) in dialog.status.text()


def test_lists_bundled_components_with_their_declared_licences(dialog):
    rows = _rows(dialog)
    # Read from the installed distributions' metadata, not typed in.
    assert rows["PySide6_Essentials"][1].startswith("LGPL-3.0-only")
    assert rows["PySide6_Addons"][1].startswith("LGPL-3.0-only")
    assert rows["httpx"][1] == "BSD-3-Clause"
    assert rows["pydantic"][1] == "MIT"
    assert rows["keyring"][1] == "MIT"
    assert rows["c2pa-python"][1] == "MIT OR Apache-2.0"
    assert rows["pillow"][1] == "MIT-CMU"  # Pillow's HPND-style licence, as it declares it
    assert rows["av"][1] == "BSD-3-Clause"
    assert rows["qasync"][0]  # every Python package shows its version
    # Native parts with no metadata of their own.
    assert rows["Qt"] == (rows["PySide6_Essentials"][0], "LGPL-3.0-only")
    assert "LGPL" in rows["FFmpeg (in PyAV)"][1]
    assert rows["FFmpeg (in Qt Multimedia)"][1] == "LGPL-2.1-or-later"
    assert rows["Python"][1] == "PSF-2.0"
    assert rows["DejaVu fonts"][1].startswith("Bitstream-Vera")


def test_the_gpl_codecs_inside_pyav_are_not_hidden():
    import av

    configuration = av._core.library_meta["libavcodec"]["configuration"]
    names = {c.name: c.licence for c in bundled_components()}
    for lib in ("x264", "x265"):
        listed = f"{lib} (in PyAV's FFmpeg)" in names
        assert listed == (f"--enable-lib{lib}" in configuration)
        if listed:
            assert names[f"{lib} (in PyAV's FFmpeg)"] == "GPL-2.0-or-later"


def test_only_runtime_requirements_are_listed_not_test_tools():
    names = {d.metadata["Name"].lower() for d in runtime_distributions()}
    assert {"httpx", "pydantic", "pyside6_essentials", "anyio", "httpcore"} <= names
    assert not names & {"pytest", "hypothesis", "ruff", "respx", "pyinstaller", "mypy"}


def test_copy_details_puts_a_bug_report_header_on_the_clipboard(dialog):
    dialog.copy_button.click()
    text = QGuiApplication.clipboard().text()
    assert text.startswith(f"Provider Studio {__version__}\n")
    assert f"Logs: {dialog.paths.log_dir}" in text and "httpx " in text


def test_help_menu_opens_it_for_the_running_studio(window, qtbot):
    dialog = window.show_about()
    qtbot.waitExposed(dialog)
    assert isinstance(dialog, AboutDialog) and dialog.isVisible()
    assert dialog.paths == window.session.studio.paths
    dialog.close()
