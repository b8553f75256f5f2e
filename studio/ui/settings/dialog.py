"""Settings: feature flags, API keys (masked; keyring or environment), content policy,
network limits and paths. Opened non-modally with open(); Save writes atomically."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studio.core.config import (
    ContentPolicy,
    ImageHostSettings,
    NetworkLimits,
    QuotaSettings,
    Settings,
)
from studio.core.declarations import compliance_form, compliance_labels, key_owners
from studio.core.secrets import KeyringUnavailable, KeySource
from studio.ui.session import Session
from studio.ui.settings.assistant_tab import AssistantTab
from studio.ui.settings.automation_tab import AutomationTab
from studio.ui.widgets import SPACING, ParamForm, status_color

FLAG_TOOLTIP = "API key required; dry-run only by default"
FLAGS = {
    "enable_public_image_providers": "Enable public image providers",
    "enable_public_video_providers": "Enable public video providers",
}
LABELS = {
    "safety_checker": "Keep providers' NSFW filters on",
    "allow_weaker_safety": "Allow settings that weaken a filter",
    "max_concurrent_per_provider": "Concurrent jobs per provider",
    "request_timeout_seconds": "Request timeout (seconds)",
    "max_download_mb": "Largest download (MB)",
    "low_quota_usd": "Low-quota warning below (USD)",
    "cache_seconds": "Re-check quotas after (seconds)",
    "host": "Image host",
}
_SOURCE_TEXT = {
    KeySource.KEYRING: "stored in the OS keyring",
    KeySource.ENVIRONMENT: "from the environment",
    KeySource.SANDBOX: "sandbox key (local emulator)",
    KeySource.NONE: "no key",
}


class KeyRow(QGroupBox):
    """One provider's key: masked entry, source, save / delete / test."""

    def __init__(self, session: Session, provider_id: str, parent: QWidget | None = None):
        provider = session.studio.providers[provider_id]
        super().__init__(provider.info.name, parent)
        self.setObjectName(f"keyRow:{provider_id}")
        self.session = session
        self.provider_id = provider_id
        self.edit = QLineEdit(self)
        self.edit.setObjectName("keyEdit")
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setClearButtonEnabled(True)
        self.source = QLabel(self)
        self.source.setObjectName("keySource")
        self.source.setWordWrap(True)
        self.result = QLabel(self)
        self.result.setObjectName("keyResult")
        self.result.setWordWrap(True)
        self.save_button = QPushButton("Save to keyring", self)
        self.delete_button = QPushButton("Delete", self)
        self.test_button = QPushButton("Test connection", self)
        self.save_button.clicked.connect(self.save)
        self.delete_button.clicked.connect(self.delete)
        self.test_button.clicked.connect(self.test)
        self.edit.textChanged.connect(self._update_buttons)
        env = " or ".join(provider.info.key.env)
        hint = QLabel(f"{env} in the environment overrides the keyring. "
                      f"<a href='{provider.info.pricing_url}'>Pricing</a>", self)
        hint.setOpenExternalLinks(True)
        hint.setWordWrap(True)
        hint.setProperty("role", "muted")
        self.result.hide()
        top = QHBoxLayout()
        top.setSpacing(SPACING)
        top.addWidget(self.edit, 1)
        top.addWidget(self.save_button)
        top.addWidget(self.delete_button)
        middle = QHBoxLayout()
        middle.setSpacing(SPACING)
        middle.addWidget(self.source, 1)
        middle.addWidget(self.test_button)
        box = QVBoxLayout(self)
        box.setSpacing(SPACING)
        box.setContentsMargins(12, SPACING, 12, 12)
        box.addLayout(top)
        box.addLayout(middle)
        box.addWidget(self.result)
        box.addWidget(hint)
        self.refresh()

    def refresh(self) -> None:
        lookup = self.session.studio.key_for(self.provider_id)
        text = _SOURCE_TEXT[lookup.source]
        if lookup.source is KeySource.ENVIRONMENT:
            text += f" ({lookup.detail})"
        self.source.setText(f"Current key: {'•' * 12 + ' ' if lookup.present else ''}{text}")
        self.source.setProperty("source", lookup.source.value)
        self.edit.setPlaceholderText("Paste a new key to replace it" if lookup.present
                                     else "Paste your API key")
        self._update_buttons()

    def _update_buttons(self) -> None:
        usable, _ = self.session.studio.keys.backend_status()
        lookup = self.session.studio.key_for(self.provider_id)
        self.save_button.setEnabled(usable and bool(self.edit.text().strip()))
        self.delete_button.setEnabled(usable and lookup.source is KeySource.KEYRING)
        self.test_button.setEnabled(lookup.present)

    def _say(self, text: str, error: bool = False) -> None:
        color = status_color("error" if error else "live").name()
        self.result.setText(f"<span style='color:{color}'>{html.escape(text)}</span>")
        self.result.show()

    def save(self) -> None:
        value = self.edit.text()
        try:
            self.session.studio.store_key(self.provider_id, value)
        except (KeyringUnavailable, ValueError) as exc:
            self._say(str(exc), error=True)
            return
        finally:
            self.edit.clear()
        self._say("Saved to the keyring.")
        self.session.reload_catalog()
        self.refresh()

    def delete(self) -> None:
        try:
            removed = self.session.studio.delete_key(self.provider_id)
        except KeyringUnavailable as exc:
            self._say(str(exc), error=True)
            return
        self._say("Deleted from the keyring." if removed else "The keyring had no key.")
        self.session.reload_catalog()
        self.refresh()

    def test(self) -> None:
        self.test_button.setEnabled(False)
        self.result.setText("Testing…")
        self.result.show()
        self.session.spawn(self._test(), what="Testing the connection")

    async def _test(self) -> None:
        try:
            ok, message = await self.session.studio.check_connection(self.provider_id)
        finally:
            self._update_buttons()
        self._say(message, error=not ok)
        self.session.reload_catalog()


class SettingsDialog(QDialog):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.session = session
        studio = session.studio
        s = studio.settings
        tabs = QTabWidget(self)
        tabs.setDocumentMode(True)
        self.tabs = tabs

        # Providers: banner, flags, keys.
        providers = QWidget(self)
        pbox = QVBoxLayout(providers)
        pbox.setSpacing(SPACING * 2)
        usable, why = studio.keys.backend_status()
        self.banner = QLabel(why, self)
        self.banner.setObjectName("keyringBanner")
        self.banner.setWordWrap(True)
        self.banner.setProperty("role", "error")
        banner_frame = QFrame(self)
        banner_frame.setProperty("role", "banner")
        QVBoxLayout(banner_frame).addWidget(self.banner)
        banner_frame.setVisible(not usable)
        self.banner_frame = banner_frame
        pbox.addWidget(banner_frame)
        flags = QGroupBox("Live calls", self)
        fbox = QVBoxLayout(flags)
        self.flags: dict[str, QCheckBox] = {}
        for name, text in FLAGS.items():
            box = QCheckBox(text, self)
            box.setObjectName(name)
            box.setToolTip(FLAG_TOOLTIP)
            box.setChecked(bool(getattr(s.features, name)))
            fbox.addWidget(box)
            self.flags[name] = box
        note = QLabel("With a flag off, every job is a dry-run: the exact request is recorded "
                      "with its price estimate and nothing is sent.", self)
        note.setWordWrap(True)
        note.setProperty("role", "muted")
        fbox.addWidget(note)
        pbox.addWidget(flags)
        self.key_rows = {pid: KeyRow(session, pid, self) for pid in key_owners(studio.providers)}
        for row in self.key_rows.values():
            pbox.addWidget(row)
        pbox.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(providers)
        tabs.addTab(scroll, "Providers && keys")

        self.policy = ParamForm(ContentPolicy, self, LABELS)
        self.policy.set_values(s.content_policy.model_dump())
        self.network = ParamForm(NetworkLimits, self, LABELS)
        self.network.set_values(s.network.model_dump())
        self.quota = ParamForm(QuotaSettings, self, LABELS)
        self.quota.set_values(s.quota.model_dump())
        # One switch per provider whose declaration has a compliance gate.
        self.compliance = ParamForm(compliance_form(studio.providers), self,
                                    compliance_labels(studio.providers))
        self.compliance.set_values({p: s.compliance.get(p, False)
                                    for p in compliance_labels(studio.providers)})
        self.image_host = ParamForm(ImageHostSettings, self, LABELS)
        self.image_host.set_values(s.image_host.model_dump())
        tabs.addTab(self._page(("Content policy", self.policy),
                               ("Compliance (enterprise providers)", self.compliance)),
                    "Content policy")
        tabs.addTab(self._page(("Network limits", self.network), ("Quota", self.quota),
                               ("Image host (providers that fetch images by URL)",
                                self.image_host)), "Network")
        tabs.addTab(self._paths_page(), "Paths")
        self.automation = AutomationTab(session, self)
        tabs.addTab(self.automation, "Automation API")
        self.assistant = AssistantTab(session, self)
        tabs.addTab(self.assistant, "Assistant && quality")

        self.error = QLabel(self)
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.setContentsMargins(SPACING * 2, SPACING * 2, SPACING * 2, SPACING * 2)
        box.setSpacing(SPACING * 2)
        box.addWidget(tabs, 1)
        box.addWidget(self.error)
        box.addWidget(self.buttons)
        self.resize(600, 640)

    def _page(self, *sections: tuple[str, QWidget]) -> QWidget:
        page = QWidget(self)
        box = QVBoxLayout(page)
        box.setSpacing(SPACING * 2)
        for title, form in sections:
            group = QGroupBox(title, page)
            QVBoxLayout(group).addWidget(form)
            box.addWidget(group)
        box.addStretch(1)
        return page

    def _paths_page(self) -> QWidget:
        paths = self.session.studio.paths
        page = QWidget(self)
        form = QFormLayout(page)
        form.setVerticalSpacing(SPACING)
        form.setHorizontalSpacing(SPACING * 2)
        rows = [("Settings file", paths.config_file), ("Database", paths.db_file),
                ("Outputs", paths.assets_dir), ("Thumbnails", paths.thumbs_dir),
                ("Raw responses", paths.exports_dir), ("Logs", paths.log_dir)]
        for label, path in rows:
            field = QLineEdit(str(path), page)
            field.setReadOnly(True)
            field.setCursorPosition(0)
            open_button = QPushButton("Open", page)
            folder = path if path.suffix == "" else path.parent
            open_button.clicked.connect(
                lambda _=False, p=folder: QDesktopServices.openUrl(QUrl.fromLocalFile(str(p))))
            row = QHBoxLayout()
            row.setSpacing(SPACING)
            row.addWidget(field, 1)
            row.addWidget(open_button)
            form.addRow(label, row)
        self.export_dir = QLineEdit(self.session.studio.settings.export_dir or "", page)
        self.export_dir.setObjectName("exportDir")
        self.export_dir.setPlaceholderText("Ask every time")
        form.addRow("Export folder", self.export_dir)
        return page

    def new_settings(self) -> Settings:
        """The settings as edited; raises pydantic's ValidationError if invalid."""
        data = self.session.studio.settings.model_dump()
        data["features"].update({n: b.isChecked() for n, b in self.flags.items()})
        data["content_policy"] = self.policy.values()
        data["compliance"] = {**data["compliance"], **self.compliance.values()}
        data["image_host"] = self.image_host.values()
        data["network"] = self.network.values()
        data["quota"] = self.quota.values()
        data["export_dir"] = self.export_dir.text().strip() or None
        data["automation_api"] = self.automation.values()
        self.assistant.apply(data)
        return Settings.model_validate(data)

    def save(self) -> None:
        from pydantic import ValidationError

        bad = {**self.policy.errors(), **self.network.errors(), **self.quota.errors(),
               **self.image_host.errors(), **self.assistant.errors()}
        if bad:
            self.error.setText("Fix the marked values: " + ", ".join(bad))
            return
        try:
            settings = self.new_settings()
        except ValidationError as exc:
            self.error.setText(str(exc.errors()[0]["msg"]))
            return
        self.session.apply_settings(settings)
        self.accept()
