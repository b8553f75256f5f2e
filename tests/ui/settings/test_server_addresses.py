"""Settings: the addresses of ComfyUI, RunPod and Vivid Flow, each with Test; saving one
makes the catalog ask that server again."""

import socket

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

pytestmark = pytest.mark.gui


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_addresses_are_edited_tested_and_saved(window, qtbot, studio, ui_sandbox):
    dialog = window.open_settings()
    rows = dialog.servers.rows
    assert {"comfyui", "runpod", "vividflow"} <= set(rows)
    comfy = rows["comfyui"]
    assert comfy.edit.placeholderText() == "http://127.0.0.1:8188"
    assert comfy.edit.accessibleName() == "ComfyUI address"
    # Nothing listens there: Test says so, and nothing is saved.
    comfy.edit.setText(f"http://127.0.0.1:{_closed_port()}")
    qtbot.mouseClick(comfy.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: comfy.test_button.isEnabled() and "Testing" not in
                    comfy.result.text(), timeout=5000)
    assert "connect" in comfy.result.text().lower()
    assert studio.settings.base_urls == {}
    # The emulator's ComfyUI answers.
    comfy.edit.setText(f"{ui_sandbox.url}/comfyui")
    qtbot.mouseClick(comfy.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "The server answers" in comfy.result.text(), timeout=5000)
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save),
                     Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert studio.settings.base_urls == {"comfyui": f"{ui_sandbox.url}/comfyui"}
    # Saved: the catalog asks the new address at once and shows ComfyUI live.
    qtbot.waitUntil(lambda: window.catalog.status_of("comfyui") == "live", timeout=5000)


def test_a_refused_address_is_not_saved(window, qtbot, studio):
    dialog = window.open_settings()
    dialog.servers.rows["comfyui"].edit.setText("file:///etc/passwd")
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save),
                     Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "base_urls.comfyui" in dialog.error.text()
    assert studio.settings.base_urls == {}
