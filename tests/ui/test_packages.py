"""The feature packages' exports: every name resolves, and importing the window frame and
the theme (what start-up needs before its first paint) loads no feature module."""

import importlib
import subprocess
import sys

import pytest

FEATURES = ["assist", "catalog", "compare", "compose", "export", "gallery", "iterate", "mask",
            "queue", "settings", "viewer", "widgets"]


@pytest.mark.parametrize("name", FEATURES)
def test_every_export_resolves(name):
    package = importlib.import_module(f"studio.ui.{name}")
    assert package.__all__
    for export in package.__all__:
        assert getattr(package, export) is not None, f"studio.ui.{name}.{export}"
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        package.nothing_here  # noqa: B018


def test_the_first_frame_needs_no_feature_module():
    code = ("import sys\n"
            "import studio.ui.main_window\n"
            "from studio.ui.widgets import apply_theme, app_icon\n"
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('studio.'))))\n")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=60).stdout.split()
    assert "studio.ui.widgets.theme" in loaded
    assert not [m for m in loaded if m.startswith(("studio.core", "studio.api"))
                or m.startswith(tuple(f"studio.ui.{f}." for f in FEATURES if f != "widgets"))]
    assert "studio.ui.widgets.thumb_loader" not in loaded  # Pillow stays unloaded
