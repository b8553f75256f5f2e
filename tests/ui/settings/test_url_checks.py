"""Settings checks URLs and webhook hosts when they are saved, not when a job first uses
them: a refused value keeps the dialog open with the reason, and nothing is saved."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

pytestmark = pytest.mark.gui


def _save(dialog, qtbot):
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save),
                     Qt.MouseButton.LeftButton)


@pytest.mark.parametrize("url", ["file:///tmp/bucket", "http://s3.example.com",
                                 "ftp://s3.example.com"])
def test_a_file_or_plain_http_endpoint_is_refused_when_saved(window, qtbot, studio, url):
    dialog = window.open_settings()
    dialog.image_host.fields["s3_endpoint_url"].set_value(url)
    _save(dialog, qtbot)
    assert dialog.isVisible()
    assert "s3_endpoint_url" in dialog.error.text()
    assert studio.settings.image_host.s3_endpoint_url == ""
    assert not studio.paths.config_file.exists()  # nothing was written
    dialog.image_host.fields["s3_endpoint_url"].set_value("http://127.0.0.1:9000")
    _save(dialog, qtbot)  # a local S3 (MinIO) over plain http is fine
    assert not dialog.isVisible()
    assert studio.settings.image_host.s3_endpoint_url == "http://127.0.0.1:9000"


def test_the_webhook_allow_list_is_a_settings_row(window, qtbot, studio):
    dialog = window.open_settings()
    row = dialog.automation.webhook_hosts
    assert row.text() == "" and "public addresses" in row.placeholderText()
    row.setText("127.1")  # an address in disguise is not a host name
    _save(dialog, qtbot)
    assert dialog.isVisible() and "127.1" in dialog.error.text()
    assert studio.settings.automation_api.webhook_allowed_hosts == []
    row.setText("10.0.0.0/8, nas.home")
    _save(dialog, qtbot)
    assert not dialog.isVisible()
    assert studio.settings.automation_api.webhook_allowed_hosts == ["10.0.0.0/8", "nas.home"]
    again = window.open_settings()
    assert again.automation.webhook_hosts.text() == "10.0.0.0/8, nas.home"
