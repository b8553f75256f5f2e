import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from studio.core.secrets import KeySource
from studio.ui.widgets.badges import BADGES
from tests.ui.conftest import UI_KEY, open_window

pytestmark = pytest.mark.gui


def _save(dialog, qtbot):
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save),
                     Qt.MouseButton.LeftButton)


def test_flag_tooltips_and_opening_with_ctrl_comma(window, qtbot):
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    dialog = window.settings_dialog
    assert dialog is not None and dialog.isVisible()
    assert not dialog.isModal() or dialog.windowModality() != Qt.WindowModality.ApplicationModal
    for box in dialog.flags.values():
        assert box.toolTip() == "API key required; dry-run only by default"
        assert not box.isChecked()


def test_turning_a_flag_on_makes_the_provider_live(window, qtbot, studio, ui_keyring):
    studio.store_key("fal", UI_KEY)
    window.session.reload_catalog()
    assert window.catalog.status_of("fal") == "dry-run"
    before = window.mode_label.text()
    dialog = window.open_settings()
    dialog.flags["enable_public_image_providers"].setChecked(True)
    _save(dialog, qtbot)
    assert not dialog.isVisible()
    assert studio.settings.features.enable_public_image_providers
    assert '"enable_public_image_providers": true' in studio.paths.config_file.read_text()
    assert window.catalog.status_of("fal") == "live"
    # The compose list follows too: the fal image models are live now.
    assert window.compose.targets.index_of("fal").data(BADGES)[0] == "live"
    live = lambda text: int(text.split("· ")[-1].split(" of ")[0])  # noqa: E731
    assert live(window.mode_label.text()) > live(before)


def test_storing_a_key_through_the_dialog(window, qtbot, studio, ui_keyring):
    assert window.catalog.status_of("fal") == "missing-credentials"
    dialog = window.open_settings()
    row = dialog.key_rows["fal"]
    assert row.edit.echoMode() == row.edit.EchoMode.Password
    assert "no key" in row.source.text()
    assert not row.save_button.isEnabled()
    qtbot.keyClicks(row.edit, UI_KEY)
    assert row.save_button.isEnabled()
    qtbot.mouseClick(row.save_button, Qt.MouseButton.LeftButton)
    assert studio.key_for("fal").source is KeySource.KEYRING
    assert ui_keyring.items[("provider-studio", "fal")] == UI_KEY
    assert "keyring" in row.source.text() and UI_KEY not in row.source.text()
    assert row.edit.text() == ""  # the typed key does not linger in the field
    assert window.catalog.status_of("fal") == "dry-run"  # key present, flag still off
    assert row.delete_button.isEnabled()
    qtbot.mouseClick(row.delete_button, Qt.MouseButton.LeftButton)
    assert studio.key_for("fal").source is KeySource.NONE
    assert window.catalog.status_of("fal") == "missing-credentials"


@pytest.fixture
def live_window(live_studio, qtbot):
    from studio.ui.session import Session

    session = Session(live_studio)
    yield from open_window(session, qtbot)
    session.detach()


def test_test_connection_reports_the_quota(live_window, qtbot):
    dialog = live_window.open_settings()
    row = dialog.key_rows["runway"]
    assert "sandbox" in row.source.text()
    assert row.test_button.isEnabled()
    qtbot.mouseClick(row.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Connected" in row.result.text(), timeout=10_000)
    assert "1,000 credits ($10.00) left" in row.result.text()
    # The catalog dock shows the quota it fetched, without a restart.
    price = live_window.catalog.picker.index_of("runway").siblingAtColumn(1)
    assert "credits" in price.data()


def test_no_keyring_banner_and_save_refused(window, qtbot, studio):
    old = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        dialog = window.open_settings()
        assert dialog.banner_frame.isVisible()
        assert "No secure OS keyring" in dialog.banner.text()
        row = dialog.key_rows["fal"]
        qtbot.keyClicks(row.edit, UI_KEY)
        assert not row.save_button.isEnabled()
        row.save()  # even if forced, the refusal is shown, not raised
        assert "keyring" in row.result.text().lower()
        assert studio.key_for("fal").source is KeySource.NONE
    finally:
        keyring.set_keyring(old)


def test_network_limits_and_policy_are_saved(window, qtbot, studio):
    dialog = window.open_settings()
    dialog.network.fields["max_concurrent_per_provider"].set_value(2)
    dialog.policy.fields["safety_checker"].set_value(False)
    _save(dialog, qtbot)
    assert studio.settings.network.max_concurrent_per_provider == 2
    assert studio.settings.content_policy.safety_checker is False


def test_invalid_network_value_keeps_the_dialog_open(window, qtbot, studio):
    dialog = window.open_settings()
    spin = dialog.network.fields["request_timeout_seconds"].editor
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin, "0")
    _save(dialog, qtbot)
    assert dialog.isVisible()
    assert "request_timeout_seconds" in dialog.error.text()
    assert studio.settings.network.request_timeout_seconds == 60


def test_compliance_toggle_enables_firefly(window, qtbot, studio):
    """Firefly stays disabled until the workspace is marked as entitled in Settings."""
    assert window.session.entry("firefly").status == "disabled"
    dialog = window.open_settings()
    qtbot.waitExposed(dialog)
    # The switch comes from Firefly's declaration (its compliance gate), not from core.
    box = dialog.compliance.fields["firefly"].editor
    assert not box.isChecked()
    box.setChecked(True)
    dialog.save()
    assert studio.settings.compliance == {"firefly": True}
    qtbot.waitUntil(lambda: window.session.entry("firefly").status != "disabled", timeout=2000)
    assert window.session.entry("firefly").status == "missing-credentials"


def test_a_provider_added_from_one_module_gets_its_key_row_and_switch(
        qtbot, tmp_path, loop, ui_keyring):
    """Settings draws its rows from the declarations: nothing to edit for a new provider."""
    from studio.core.paths import StudioPaths
    from studio.core.service import Studio
    from studio.ui.session import Session
    from studio.ui.settings import SettingsDialog
    from tests.ui.conftest import run

    studio = Studio(StudioPaths.resolve(tmp_path / "toy-home"),
                    env={"STUDIO_PROVIDER_MODULES": "tests.providers.toy_provider"})
    session = Session(studio)
    dialog = SettingsDialog(session)
    qtbot.addWidget(dialog)
    try:
        assert dialog.key_rows["toy"].title() == "Toy Images"
        assert "TOY_API_KEY" in dialog.key_rows["toy"].findChildren(type(dialog.error))[-1].text()
        switch = dialog.compliance.fields["toy"].editor
        switch.setChecked(True)
        dialog.save()
        assert studio.settings.compliance["toy"] is True
    finally:
        session.detach()
        run(qtbot, studio.aclose())


def test_the_s3_secret_is_saved_by_the_dialogs_save_and_kept_out_of_the_settings(
        window, qtbot, studio, ui_keyring):
    secret = "s3-secret-ui-5f4e3d2c1b0a99887766554433221100"
    dialog = window.open_settings()
    row = dialog.s3_secret
    assert row.edit.echoMode() == row.edit.EchoMode.Password
    assert "no key" in row.source.text() and not row.delete_button.isEnabled()
    qtbot.keyClicks(row.edit, secret)
    dialog.save()  # the dialog's Save stores the typed secret too
    assert not dialog.isVisible()
    assert ui_keyring.items[("provider-studio", "image-host-s3")] == secret
    assert studio.image_host_secret().source is KeySource.KEYRING
    assert secret not in studio.paths.config_file.read_text()
    dialog = window.open_settings()
    assert "keyring" in dialog.s3_secret.source.text()
    assert secret not in dialog.s3_secret.source.text() and dialog.s3_secret.edit.text() == ""
    qtbot.mouseClick(dialog.s3_secret.delete_button, Qt.MouseButton.LeftButton)
    assert ("provider-studio", "image-host-s3") not in ui_keyring.items
    dialog.reject()


def test_an_s3_secret_that_cannot_be_stored_keeps_the_dialog_open_on_its_tab(
        window, qtbot, studio):
    old = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        dialog = window.open_settings()
        qtbot.keyClicks(dialog.s3_secret.edit, "some-secret")
        dialog.save()
        assert dialog.isVisible()
        assert "the S3 image host" in dialog.error.text()
        assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Network"
        assert studio.image_host_secret().source is KeySource.NONE
    finally:
        keyring.set_keyring(old)
