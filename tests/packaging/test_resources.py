"""The resources the app and the bundle ship: icons, style sheets, fonts, the Linux
desktop files and the default config."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from studio.core.config import Settings
from studio.resources import ROOT as RESOURCES
from tests.packaging.conftest import ROOT, packaging_module

LINUX = RESOURCES / "linux"
APP_ID = "io.github.providerstudio.ProviderStudio"
icons = packaging_module("render_icons")


def test_app_icon_pngs_are_the_svg_rendered_at_every_size(qapp):
    from PySide6.QtGui import QImage

    svg = icons.APP_SVG.read_bytes()
    for size in icons.SIZES:
        png = QImage(str(icons.png_path(size))).convertToFormat(QImage.Format.Format_ARGB32)
        assert (png.width(), png.height()) == (size, size)
        fresh = icons.render(svg, size)
        # Same pixels as a fresh rendering: the PNGs were regenerated after the last edit.
        step = max(1, size // 32)
        diff = max(abs(a - b)
                   for x in range(0, size, step) for y in range(0, size, step)
                   for a, b in zip(png.pixelColor(x, y).getRgb(),
                                   fresh.pixelColor(x, y).getRgb(), strict=True))
        assert diff <= 2, f"provider-studio-{size}.png is stale: run render_icons.py"
        centre = png.pixelColor(size // 2, size // 2)
        assert centre.alpha() == 255  # a solid tile, not an empty canvas
        assert png.pixelColor(0, 0).alpha() == 0  # rounded corners stay transparent


def test_app_icon_has_every_size_for_the_window(qapp):
    from PySide6.QtCore import QSize

    from studio.ui.widgets.theme import app_icon

    sizes = app_icon().availableSizes()
    assert {QSize(s, s) for s in icons.SIZES} <= set(sizes)


def test_ui_icons_are_one_consistent_set_drawn_in_the_theme_colour(qapp):
    from PySide6.QtGui import QPalette

    from studio.ui.widgets.theme import apply_theme, icon

    files = sorted((RESOURCES / "icons" / "ui").glob("*.svg"))
    assert len(files) >= 12
    for path in files:
        text = path.read_text()
        assert 'viewBox="0 0 24 24"' in text and 'stroke="currentColor"' in text, path.name
        assert 'stroke-width="1.75"' in text, path.name
    try:
        for dark in (False, True):
            apply_theme(qapp, dark=dark)
            want = qapp.palette().color(QPalette.ColorRole.WindowText)
            image = icon("cancel").pixmap(48, 48).toImage()
            inked = [image.pixelColor(x, y) for x in range(48) for y in range(48)
                     if image.pixelColor(x, y).alpha() == 255]
            assert inked, "the icon drew nothing"
            assert all(abs(c.lightness() - want.lightness()) < 8 for c in inked)
    finally:
        apply_theme(qapp, dark=False)


def test_bundled_font_is_used_when_the_system_has_none(tmp_path):
    """With an empty fontconfig, text would be empty boxes; the bundled DejaVu steps in."""
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<fontconfig></fontconfig>\n')
    script = (
        "import json\n"
        "from PySide6.QtGui import QFontInfo\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from studio.ui.widgets.theme import font_warning, register_bundled_fonts\n"
        "app = QApplication([])\n"
        "before = QFontInfo(app.font()).family()\n"
        "warning = bool(font_warning(app))\n"
        "families = register_bundled_fonts(app)\n"
        "print(json.dumps([before, warning, families, QFontInfo(app.font()).family(),\n"
        "                  font_warning(app)]))\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "FONTCONFIG_FILE": str(conf),
           "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                            text=True, timeout=60, check=True)
    before, warned, families, after, warning_after = json.loads(result.stdout.splitlines()[-1])
    assert before == "" and warned  # the precondition: no fonts at all
    assert {"DejaVu Sans", "DejaVu Sans Mono"} <= set(families)
    assert after == "DejaVu Sans" and warning_after is None


def test_bundled_fonts_stay_out_of_the_way_when_system_fonts_exist(qapp):
    from studio.ui.widgets.theme import register_bundled_fonts

    assert register_bundled_fonts(qapp) == []


def test_default_config_holds_the_shipped_defaults():
    shipped = json.loads((RESOURCES / "default_config.json").read_text())
    Settings.model_validate(shipped)  # a valid settings file

    def same(ours: dict, defaults: dict, where: str = "") -> None:
        for key, value in ours.items():
            assert key in defaults, f"{where}{key} is no longer a setting"
            if isinstance(value, dict) and value:
                same(value, defaults[key], f"{where}{key}.")
            else:
                assert defaults[key] == value, f"{where}{key} differs from the default"

    # Settings added since stay optional here; a changed or removed default fails.
    same(shipped, Settings().model_dump(mode="json"))


def test_desktop_entry_names_the_app_its_icon_and_executable():
    text = (LINUX / f"{APP_ID}.desktop").read_text()
    assert "Exec=studio\n" in text and f"Icon={APP_ID}\n" in text
    assert "StartupWMClass=studio\n" in text  # Qt's WM_CLASS instance is the executable name
    from studio.app import DESKTOP_ID

    assert DESKTOP_ID == APP_ID


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="desktop-file-utils is not installed")
def test_desktop_entry_is_valid():
    result = subprocess.run(["desktop-file-validate", str(LINUX / f"{APP_ID}.desktop")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstream is not installed")
def test_metainfo_is_valid():
    path = LINUX / f"{APP_ID}.metainfo.xml"
    result = subprocess.run(["appstreamcli", "validate", "--no-net", str(path)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    text = path.read_text()
    assert f"<id>{APP_ID}</id>" in text and f"{APP_ID}.desktop</launchable>" in text
    from studio import __version__

    assert f'<release version="{__version__}"' in text


def test_every_resource_has_its_licence_noted():
    notes = (RESOURCES / "LICENSES.md").read_text()
    patterns = [re.sub(r"\{[^}]*\}", "*", name)
                for line in notes.splitlines() if line.startswith("| `")
                for name in re.findall(r"`([^`]+)`", line.split("|")[1])]
    files = [p.relative_to(RESOURCES).as_posix() for p in RESOURCES.rglob("*")
             if p.is_file() and "workflows" not in p.parts and "__pycache__" not in p.parts
             and p.suffix != ".py" and p.name not in ("LICENSES.md", "LICENSE-DejaVu.txt")]
    assert len(files) > 30
    for rel in files:
        assert any(fnmatch.fnmatch(rel, pattern) for pattern in patterns), \
            f"{rel} is not listed in resources/LICENSES.md"
    assert "Bitstream" in (RESOURCES / "fonts" / "LICENSE-DejaVu.txt").read_text()


def test_an_installed_wheel_carries_every_resource(tmp_path):
    """resources/ sits outside studio/; the build maps it to studio/resources/ (what a
    wheel installs), with every file in it."""
    build = tmp_path / "lib"
    result = subprocess.run([sys.executable, "setup.py", "-q", "build_py", "--build-lib",
                             str(build)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    shipped = {p.relative_to(RESOURCES).as_posix() for p in RESOURCES.rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    built = build / "studio" / "resources"
    assert shipped <= {p.relative_to(built).as_posix() for p in built.rglob("*") if p.is_file()}
    assert {"__init__.py", "icons/provider-studio.svg", "workflows/sdxl_txt2img.json"} <= shipped
    assert (build / "studio" / "ui" / "widgets" / "theme.py").is_file()
