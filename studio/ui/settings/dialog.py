"""Settings: feature flags, API keys (masked; keyring or environment), content policy,
network limits and paths. Opened non-modally with open(); Save writes atomically."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
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
    PodSettings,
    QuotaSettings,
    Settings,
)
from studio.core.declarations import compliance_form, compliance_labels, key_owners
from studio.ui.session import Session
from studio.ui.settings.assistant_tab import AssistantTab
from studio.ui.settings.automation_tab import AutomationTab
from studio.ui.settings.budgets_tab import BudgetsTab
from studio.ui.settings.keys import KeyRow
from studio.ui.settings.s3_secret import S3SecretRow
from studio.ui.widgets import (
    SPACING,
    THEMES,
    ParamForm,
    apply_theme,
    set_theme_preference,
    theme_preference,
)

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
    "idle_minutes": "Stop a pod no job used for (minutes)",
    "warn_minutes": "Warn before stopping it (minutes)",
    "host": "Image host",
}


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
        self.s3_secret = S3SecretRow(session, self)
        host = QWidget(self)
        host_box = QVBoxLayout(host)
        host_box.setContentsMargins(0, 0, 0, 0)
        host_box.addWidget(self.image_host)
        host_box.addWidget(self.s3_secret)
        self.pods = ParamForm(PodSettings, self, LABELS)
        self.pods.set_values(s.pods.model_dump())
        tabs.addTab(self._page(("Content policy", self.policy),
                               ("Compliance (enterprise providers)", self.compliance)),
                    "Content policy")
        tabs.addTab(self._page(("Network limits", self.network), ("Quota", self.quota),
                               ("Image host (providers that fetch images by URL)",
                                host),
                               ("RunPod pods (idle timer)", self.pods)), "Network")
        self.budgets = BudgetsTab(session, self)
        tabs.addTab(self.budgets, "Budgets")
        tabs.addTab(self._paths_page(), "Paths")
        tabs.addTab(self._appearance_page(), "Appearance")
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
        self.setMinimumSize(480, 420)

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
            field.setAccessibleName(label)
            field.setReadOnly(True)
            field.setCursorPosition(0)
            open_button = QPushButton("Open", page)
            open_button.setAccessibleName(f"Open the folder of {label}")
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
        self.export_dir.setAccessibleName("Export folder")
        self.export_dir.setPlaceholderText("Ask every time")
        form.addRow("Export folder", self.export_dir)
        return page

    def _appearance_page(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        form.setVerticalSpacing(SPACING)
        self.theme = QComboBox(page)
        self.theme.setObjectName("theme")
        self.theme.setAccessibleName("Theme")
        for name, label in zip(THEMES, ("Follow the system", "Light", "Dark"), strict=True):
            self.theme.addItem(label, name)
        self._theme_before = theme_preference()
        self.theme.setCurrentIndex(max(0, self.theme.findData(self._theme_before)))
        self.theme.currentIndexChanged.connect(lambda _i: self._preview_theme())
        note = QLabel("Applied at once; Save keeps it, Cancel goes back.", page)
        note.setProperty("role", "muted")
        note.setWordWrap(True)
        form.addRow("Theme", self.theme)
        form.addRow(note)
        return page

    def _preview_theme(self, name: str | None = None) -> None:
        set_theme_preference(name or self.theme.currentData())
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app)

    def reject(self) -> None:
        if theme_preference() != self._theme_before:
            self._preview_theme(self._theme_before)
        super().reject()

    def new_settings(self) -> Settings:
        """The settings as edited; raises pydantic's ValidationError if invalid."""
        data = self.session.studio.settings.model_dump()
        data["features"].update({n: b.isChecked() for n, b in self.flags.items()})
        data["content_policy"] = self.policy.values()
        data["compliance"] = {**data["compliance"], **self.compliance.values()}
        data["image_host"] = self.image_host.values()
        data["network"] = self.network.values()
        data["quota"] = self.quota.values()
        data["pods"] = self.pods.values()
        data["export_dir"] = self.export_dir.text().strip() or None
        data["automation_api"] = self.automation.values()
        data["budgets"] = self.budgets.values()
        self.assistant.apply(data)
        return Settings.model_validate(data)

    def save(self) -> None:
        from pydantic import ValidationError

        bad = {**self.policy.errors(), **self.network.errors(), **self.quota.errors(),
               **self.image_host.errors(), **self.budgets.errors(), **self.pods.errors(),
               **self.assistant.errors()}
        if bad:
            self.error.setText("Fix the marked values: " + ", ".join(bad))
            return
        try:
            settings = self.new_settings()
        except ValidationError as exc:
            self.error.setText(str(exc.errors()[0]["msg"]))
            return
        try:
            self.session.apply_settings(settings)
        except ValueError as exc:  # a URL that may not be used: nothing was saved
            self.error.setText(str(exc))
            return
        prefs = self.session.preferences()
        if prefs.theme != self.theme.currentData():
            self.session.save_preferences(prefs.model_copy(update={
                "theme": self.theme.currentData()}))
        self._theme_before = self.theme.currentData()
        # A key typed but not saved with its own button is saved now, or the artist is
        # told why not and the dialog stays open on it.
        rows: list[KeyRow | S3SecretRow] = [*self.key_rows.values(), self.s3_secret]
        failed = [(row, why) for row in rows if (why := row.store_typed()) is not None]
        self.session.reload_catalog()
        if failed:
            page = failed[0][0].parentWidget()
            while page is not None and self.tabs.indexOf(page) < 0:
                page = page.parentWidget()
            self.tabs.setCurrentIndex(max(0, self.tabs.indexOf(page)) if page else 0)
            failed[0][0].edit.setFocus()
            names = ", ".join(row.name for row, _ in failed)
            self.error.setText(f"Settings saved, but the key for {names} was not: "
                               f"{failed[0][1]}")
            return
        self.accept()
