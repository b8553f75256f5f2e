"""Settings: a typed key is saved by the dialog's Save (or the artist is told it was not),
Test connection tries the typed key, and the theme applies at once."""

import httpx
import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QDialogButtonBox

from studio.app.launch import saved_theme
from studio.core.paths import StudioPaths
from studio.core.secrets import KeySource
from studio.core.service import Studio
from studio.ui.session import Session
from studio.ui.widgets import apply_theme, set_theme_preference
from tests.ui.conftest import UI_KEY, open_window, run

pytestmark = pytest.mark.gui
TYPED = "sk-typed-0c9b8a7d6e5f4a3b2c1d"


def _save(dialog, qtbot):
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save),
                     Qt.MouseButton.LeftButton)


def test_the_dialog_save_keeps_a_typed_key(window, qtbot, studio, ui_keyring):
    dialog = window.open_settings()
    row = dialog.key_rows["fal"]
    qtbot.keyClicks(row.edit, UI_KEY)  # typed, but its own "Save to keyring" not pressed
    _save(dialog, qtbot)
    assert not dialog.isVisible()
    assert studio.key_for("fal").source is KeySource.KEYRING
    assert studio.key_for("fal").value == UI_KEY
    assert window.catalog.status_of("fal") == "dry-run"  # a key now; the flag is still off


def test_a_key_that_cannot_be_saved_is_said_so(window, qtbot, studio):
    old = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        dialog = window.open_settings()
        row = dialog.key_rows["stability"]
        row.edit.setText(UI_KEY)
        dialog.flags["enable_public_image_providers"].setChecked(True)
        _save(dialog, qtbot)
        assert dialog.isVisible()  # stays open on the key that was not saved
        assert "the key for Stability AI was not" in dialog.error.text()
        assert "Not saved" in row.result.text()
        assert studio.settings.features.enable_public_image_providers  # the rest was saved
        assert studio.key_for("stability").source is KeySource.NONE
        dialog.reject()
    finally:
        keyring.set_keyring(old)


def test_test_connection_uses_the_typed_key(tmp_path, ui_keyring, loop, qtbot):
    seen = []

    def stability(request: httpx.Request) -> httpx.Response:
        if request.url.host == "127.0.0.1":  # the window asks ComfyUI whether it answers
            return httpx.Response(404)
        seen.append(request.headers.get("authorization"))
        return httpx.Response(200, json={"credits": 42})

    studio = Studio(StudioPaths.resolve(tmp_path / "home"), env={},
                    transport=httpx.MockTransport(stability))
    session = Session(studio)
    gen = open_window(session, qtbot)
    window = next(gen)
    try:
        dialog = window.open_settings()
        row = dialog.key_rows["stability"]
        assert not row.test_button.isEnabled()  # no key at all yet
        qtbot.keyClicks(row.edit, TYPED)
        assert row.test_button.isEnabled()
        qtbot.mouseClick(row.test_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "typed key works" in row.result.text(), timeout=5000)
        assert "42 credits" in row.result.text() and TYPED not in row.result.text()
        assert seen == [f"Bearer {TYPED}"]
        assert studio.key_for("stability").source is KeySource.NONE  # tested, not stored
        dialog.reject()
    finally:
        next(gen, None)
        session.detach()
        run(qtbot, studio.aclose())


def test_theme_applies_at_once_and_is_kept(window, qtbot, studio, qapp):
    def dark() -> bool:
        return qapp.palette().color(QPalette.ColorRole.Window).lightness() < 128

    assert not dark()
    dialog = window.open_settings()
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    try:
        assert dark()  # live, before Save
        dialog.reject()
        assert not dark()  # Cancel goes back
        dialog = window.open_settings()
        dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
        _save(dialog, qtbot)
        assert dark() and studio.preferences().theme == "dark"
        assert saved_theme(studio.paths.config_dir) == "dark"  # what the next start reads
    finally:
        set_theme_preference("system")
        apply_theme(qapp, dark=False)


def test_settings_open_again_after_closing(window, qtbot):
    first = window.open_settings()
    first.reject()
    qtbot.waitUntil(lambda: window.settings_dialog is None)
    qtbot.wait(50)  # the closed dialog is deleted on the next turn of the loop
    again = window.open_settings()
    assert again is not first and again.isVisible()
    again.reject()
