"""Settings > Automation API: the toggle starts the server on the GUI's qasync loop, the
token is shown, copyable and regenerable, and API jobs reach the GUI through store events."""

import socket
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialogButtonBox, QLineEdit

from studio.api.auth import ENTRY
from studio.core.secrets import SERVICE
from tests.ui.conftest import add_output, run

pytestmark = pytest.mark.gui


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _save(dialog, qtbot):
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save),
                     Qt.MouseButton.LeftButton)


async def _get(url: str, token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(trust_env=False, timeout=5) as client:
        return await client.get(url, headers=headers)


async def _generate(url: str, token: str) -> httpx.Response:
    async with httpx.AsyncClient(trust_env=False, timeout=5) as client:
        return await client.post(f"{url}/api/providers/image/generate", json={
            "provider": "fal", "model": "fal-ai/flux/dev", "prompt": "from a script"},
            headers={"Authorization": f"Bearer {token}"})


def test_toggle_starts_and_stops_the_server_and_shows_the_token(
        session, studio, qtbot, ui_keyring):
    from studio.ui.settings.dialog import SettingsDialog

    dialog = SettingsDialog(session)
    qtbot.addWidget(dialog)
    tab = dialog.automation
    assert not tab.enabled.isChecked() and tab.port.value() == 8765  # off by default
    assert tab.token.text() == "" and (SERVICE, ENTRY) not in ui_keyring.items

    port = _free_port()
    tab.enabled.setChecked(True)
    tab.port.setValue(port)
    with qtbot.waitSignal(session.apiChanged, timeout=5000):
        _save(dialog, qtbot)
    assert studio.settings.automation_api.enabled
    assert studio.settings.automation_api.port == port
    assert session.api.url == f"http://127.0.0.1:{port}"
    token = ui_keyring.items[(SERVICE, ENTRY)]
    assert tab.token.text() == token and "OS keyring" in tab.where.text()
    assert tab.token.echoMode() == QLineEdit.EchoMode.Password
    tab.show_token.setChecked(True)
    assert tab.token.echoMode() == QLineEdit.EchoMode.Normal
    tab.copy_button.click()
    assert QGuiApplication.clipboard().text() == token
    url = f"http://127.0.0.1:{port}"
    try:
        assert run(qtbot, _get(f"{url}/health")).json() == {"status": "ok"}
        assert run(qtbot, _get(f"{url}/api/jobs")).status_code == 401
        with qtbot.waitSignal(session.storeEvent, timeout=5000,
                              check_params_cb=lambda e: e.kind == "job_created"):
            created = run(qtbot, _generate(url, token))
        assert created.status_code == 201 and created.json()["dry_run"] is True

        dialog = SettingsDialog(session)
        qtbot.addWidget(dialog)
        assert "Running at" in dialog.automation.status.text()
        dialog.automation.regenerate_button.click()
        new = dialog.automation.token.text()
        assert new != token and ui_keyring.items[(SERVICE, ENTRY)] == new
        assert run(qtbot, _get(f"{url}/api/jobs", token)).status_code == 401
        assert run(qtbot, _get(f"{url}/api/jobs", new)).status_code == 200
        asset = add_output(studio)  # a gallery item, streamed off a worker thread
        download = run(qtbot, _get(f"{url}/api/assets/{asset.id}", new))
        assert download.headers["content-type"] == "image/png"
        assert download.content == Path(asset.path).read_bytes()

        dialog.automation.enabled.setChecked(False)
        with qtbot.waitSignal(session.apiChanged, timeout=5000):
            _save(dialog, qtbot)
        assert session.api.url is None and "Off" in dialog.automation.status.text()
        with pytest.raises(httpx.ConnectError):
            run(qtbot, _get(f"{url}/health"))
    finally:
        run(qtbot, session.api.stop())


def test_a_taken_port_is_reported_not_fatal(session, studio, qtbot, ui_keyring):
    from studio.ui.settings.dialog import SettingsDialog

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        dialog = SettingsDialog(session)
        qtbot.addWidget(dialog)
        dialog.automation.enabled.setChecked(True)
        dialog.automation.port.setValue(busy.getsockname()[1])
        with qtbot.waitSignal(session.toast, timeout=5000) as toast:
            _save(dialog, qtbot)
        assert toast.args[0] == "error" and "cannot listen" in toast.args[1]
        assert session.api.url is None
