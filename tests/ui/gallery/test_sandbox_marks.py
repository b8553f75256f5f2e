"""The sandbox in the window: the first Generate makes a picture whatever the flags say,
and a sandbox render is marked wherever it could pass for a provider's output."""

import asyncio
import time
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import Qt

from studio.core.paths import StudioPaths
from studio.core.service import Studio
from studio.ui.gallery.model import ID_ROLE, INFO_ROLE
from tests.ui.conftest import add_output, open_window

pytestmark = pytest.mark.gui


@pytest.fixture
def sandbox_window(tmp_path: Path, ui_keyring, loop, qapp, ui_sandbox, qtbot):
    """The app as `--sandbox` opens it: every flag off, no key."""
    from studio.ui.session import Session

    httpx.delete(f"{ui_sandbox.url}/_sandbox/faults")
    studio = Studio(StudioPaths.resolve(tmp_path / "home"), env={}, sandbox_url=ui_sandbox.url)
    session = Session(studio)
    yield from open_window(session, qtbot)
    session.detach()
    task = asyncio.ensure_future(studio.aclose())
    deadline = time.monotonic() + 10
    while not task.done() and time.monotonic() < deadline:
        qapp.processEvents()
        time.sleep(0.002)


def test_the_first_generate_in_the_sandbox_makes_a_picture(sandbox_window, qtbot):
    window = sandbox_window
    assert not window.session.studio.settings.features.enable_public_image_providers
    entry = window.session.entry("fal")
    assert entry.status == "live" and "outside the sandbox" in entry.reason
    # The picker's tooltip says it too; the empty gallery teaches the same.
    model = window.catalog.picker.model
    tips = [model.data(model.index(r, 0), 3) or "" for r in range(model.rowCount())]
    assert any("outside the sandbox this would be a dry-run" in t for t in tips)
    window.tabs.setCurrentWidget(window.gallery)
    summary = window.gallery.first_run.summary.text()
    assert "runs live here" in summary and "would be <b>dry-runs</b>" in summary
    window.tabs.setCurrentWidget(window.compose)
    window.compose.prompt.setPlainText("a fox")
    window.compose.targets.set_checked(("fal", "fal-ai/flux/schnell"))
    window.compose.revalidate()
    window.compose.generate()
    window.tabs.setCurrentWidget(window.gallery)
    g = window.gallery
    qtbot.waitUntil(lambda: g.model.rowCount() == 1, timeout=15000)
    assert g.stack.currentWidget() is g.view  # a picture, not the "press Ctrl+Enter" panel
    info = g.model.data(g.model.index(0), INFO_ROLE)
    assert info.sandbox
    # The self-hosted server was asked as the window opened, and it answers.
    qtbot.waitUntil(lambda: window.session.entry("comfyui").status == "live", timeout=5000)


def test_settings_say_the_flags_are_overridden_in_the_sandbox(sandbox_window, qtbot):
    window = sandbox_window
    window.open_settings()
    dialog = window.settings_dialog
    qtbot.waitUntil(dialog.isVisible)
    note = dialog.findChild(type(dialog.error), "flagsNote")
    assert "outside the sandbox" in note.text().lower()
    assert "outside the sandbox this would be a dry-run" in dialog.flags[
        "enable_public_image_providers"].toolTip()


def test_sandbox_renders_are_marked_and_can_be_filtered(window, qtbot, studio):
    add_output(studio, prompt="a real fox", color=(13, 57, 91))
    add_output(studio, prompt="an emulated fox", color=(91, 13, 57), sandbox=True)
    window.tabs.setCurrentWidget(window.gallery)
    g = window.gallery
    qtbot.waitUntil(lambda: g.model.rowCount() == 2)
    tips = [g.model.data(g.model.index(r), 3) for r in range(2)]  # ToolTipRole
    assert sum("Sandbox render" in t for t in tips) == 1
    g.origin.setCurrentIndex(g.origin.findData(True))
    qtbot.waitUntil(lambda: g.model.rowCount() == 1)
    assert g.model.data(g.model.index(0), INFO_ROLE).prompt == "an emulated fox"
    g.origin.setCurrentIndex(g.origin.findData(False))
    qtbot.waitUntil(lambda: g.model.rowCount() == 1)
    assert g.model.data(g.model.index(0), INFO_ROLE).prompt == "a real fox"
    g.origin.setCurrentIndex(g.origin.findData(None))
    qtbot.waitUntil(lambda: g.model.rowCount() == 2)
    row = next(r for r in range(2) if g.model.data(g.model.index(r), INFO_ROLE).sandbox)
    viewer = window.open_viewer(row)
    qtbot.waitExposed(viewer)
    assert viewer.title.text().startswith("SANDBOX RENDER · ")
    assert "sandbox render" in viewer.windowTitle()
    viewer.activateWindow()
    qtbot.waitUntil(viewer.isActiveWindow)
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    assert not viewer.isVisible()
    window.session.assetSelected.emit(g.model.data(g.model.index(row), ID_ROLE))
    qtbot.waitUntil(lambda: "sandbox render" in window.inspector.inspector.title.text())
