"""HiDPI: icons are drawn at the device pixel ratio they are shown at (resources/icons/ui
SVGs, status dots), never a small pixmap scaled up."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QImage

from studio.ui.widgets.theme import icon, status_icon

ROOT = Path(__file__).resolve().parents[3]


def image(pm) -> QImage:
    return pm.toImage().convertToFormat(QImage.Format.Format_ARGB32)


@pytest.mark.parametrize("make", [lambda: icon("copy"), lambda: icon("settings"),
                                  lambda: status_icon("succeeded")])
def test_an_icon_at_2x_has_native_resolution(qapp, make):
    ic: QIcon = make()
    double = ic.pixmap(QSize(24, 24), 2.0)
    assert (double.width(), double.height()) == (48, 48)
    assert double.devicePixelRatio() == 2.0
    native = image(ic.pixmap(QSize(48, 48), 1.0))
    assert image(double) == native  # drawn at 48 device pixels, like a 48 px icon
    small = image(ic.pixmap(QSize(24, 24), 1.0))
    upscaled = small.scaled(48, 48, Qt.AspectRatioMode.IgnoreAspectRatio,
                            Qt.TransformationMode.SmoothTransformation)
    assert upscaled != native  # what scaling a 1x pixmap up would have shown
    drawn = sum(native.pixelColor(x, y).alpha() > 128 for x in range(48) for y in range(48))
    assert drawn > 48  # something was drawn, not a blank pixmap


def test_disabled_icons_are_drawn_in_the_disabled_colour(qapp):
    ic = icon("copy")
    normal = image(ic.pixmap(QSize(32, 32), 2.0, QIcon.Mode.Normal))
    disabled = image(ic.pixmap(QSize(32, 32), 2.0, QIcon.Mode.Disabled))
    assert normal != disabled and disabled.width() == 64


def test_the_app_scales_icons_with_the_screen():
    """A 200 % screen (QT_SCALE_FACTOR=2): the app's pixel ratio is 2 and a 16 px toolbar
    icon comes out at 32 device pixels, identical to the icon drawn at 32 px."""
    code = """
import sys
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication, QToolButton
from studio.app.launch import use_exact_scale
use_exact_scale()
app = QApplication([])
from studio.ui.widgets.theme import icon
button = QToolButton()
button.setIconSize(QSize(16, 16))
button.setIcon(icon("refresh"))
button.show()
app.processEvents()
ratio = button.devicePixelRatioF()
pm = button.icon().pixmap(button.iconSize(), ratio)
same = pm.toImage() == icon("refresh").pixmap(QSize(32, 32), 1.0).toImage()
grab = button.grab()
print(app.devicePixelRatio(), ratio, pm.width(), pm.devicePixelRatio(), same,
      grab.devicePixelRatio())
"""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": "2",
           "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=60, check=True).stdout.split()
    assert out == ["2.0", "2.0", "32", "2.0", "True", "2.0"]
