"""Settings > Automation API: the on/off toggle, port, allowed origins, and the bearer
token (masked, copyable, regenerable). Saving the dialog starts or stops the server."""

from __future__ import annotations

import html
import re
from typing import Any

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.ui.session import Session
from studio.ui.widgets import SPACING

TOGGLE_TOOLTIP = ("Scripts on this computer can queue jobs over HTTP on 127.0.0.1 with the "
                  "token below. Jobs obey the same flags, keys and dry-run policy as the app.")


class AutomationTab(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        s = session.studio.settings.automation_api
        self.enabled = QCheckBox("Serve the automation API on this computer", self)
        self.enabled.setObjectName("automationEnabled")
        self.enabled.setToolTip(TOGGLE_TOOLTIP)
        self.enabled.setChecked(s.enabled)
        self.port = QSpinBox(self)
        self.port.setObjectName("automationPort")
        self.port.setAccessibleName("Port")
        self.port.setRange(1024, 65535)
        self.port.setValue(s.port)
        self.origins = QLineEdit(", ".join(s.allowed_origins), self)
        self.origins.setObjectName("automationOrigins")
        self.origins.setAccessibleName("Allowed browser origins")
        self.origins.setPlaceholderText("none: browsers cannot call the API (CORS off)")
        self.webhook_hosts = QLineEdit(", ".join(s.webhook_allowed_hosts), self)
        self.webhook_hosts.setObjectName("automationWebhookHosts")
        self.webhook_hosts.setAccessibleName("Webhooks may also reach")
        self.webhook_hosts.setPlaceholderText("none: public addresses and this computer only")
        self.webhook_hosts.setToolTip(
            "Webhooks never go to private, link-local or reserved addresses (your network, "
            "cloud metadata) unless the host, address or network (10.0.0.0/8) is listed here")
        self.status = QLabel(self)
        self.status.setObjectName("automationStatus")
        self.status.setWordWrap(True)
        self.status.setOpenExternalLinks(True)

        self.token = QLineEdit(self)
        self.token.setObjectName("automationToken")
        self.token.setAccessibleName("Token")
        self.token.setReadOnly(True)
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.show_token = QCheckBox("Show", self)
        self.show_token.setObjectName("automationShowToken")
        self.show_token.toggled.connect(self._show)
        self.copy_button = QPushButton("Copy", self)
        self.copy_button.setObjectName("automationCopy")
        self.copy_button.clicked.connect(self.copy_token)
        self.regenerate_button = QPushButton("Regenerate token", self)
        self.regenerate_button.setObjectName("automationRegenerate")
        self.regenerate_button.setToolTip("The old token stops working at once")
        self.regenerate_button.clicked.connect(self.regenerate)
        self.where = QLabel(self)
        self.where.setObjectName("automationTokenWhere")
        self.where.setWordWrap(True)
        self.where.setProperty("role", "muted")

        server = QGroupBox("Server", self)
        form = QFormLayout(server)
        form.setVerticalSpacing(SPACING)
        form.addRow(self.enabled)
        form.addRow("Port on 127.0.0.1", self.port)
        form.addRow("Allowed origins", self.origins)
        form.addRow("Webhooks may also reach", self.webhook_hosts)
        form.addRow(self.status)
        token_box = QGroupBox("Bearer token", self)
        row = QHBoxLayout()
        row.setSpacing(SPACING)
        row.addWidget(self.token, 1)
        row.addWidget(self.show_token)
        row.addWidget(self.copy_button)
        tbox = QVBoxLayout(token_box)
        tbox.setSpacing(SPACING)
        tbox.addLayout(row)
        tbox.addWidget(self.regenerate_button)
        tbox.addWidget(self.where)
        box = QVBoxLayout(self)
        box.setSpacing(SPACING * 2)
        box.addWidget(server)
        box.addWidget(token_box)
        box.addStretch(1)
        session.apiChanged.connect(self.refresh_status)
        session.apiChanged.connect(self.refresh_token)
        self.refresh_token()
        self.refresh_status()

    def values(self) -> dict[str, Any]:
        origins = [o for o in re.split(r"[,\s]+", self.origins.text()) if o]
        hosts = [h for h in re.split(r"[,\s]+", self.webhook_hosts.text()) if h]
        return {"enabled": self.enabled.isChecked(), "port": self.port.value(),
                "allowed_origins": origins, "webhook_allowed_hosts": hosts}

    def refresh_token(self) -> None:
        token = self.session.api.token
        value = token.peek()  # opening Settings never writes to the keyring
        self.token.setText(value or "")
        self.token.setPlaceholderText("made when the API first starts")
        self.copy_button.setEnabled(bool(value))
        self.where.setText(f"The token is {token.where}. Send it as Authorization: Bearer "
                           "<token>." if value else "Scripts send the token as "
                           "Authorization: Bearer <token>.")

    def refresh_status(self) -> None:
        api = self.session.api
        if api.error:
            self.status.setText(f"Not running: {html.escape(api.error)}")
        elif api.url:
            self.status.setText(f"Running at {api.url} — <a href='{api.url}/docs'>docs</a>")
        else:
            self.status.setText("Off. Turn it on and save to start it.")

    def _show(self, shown: bool) -> None:
        self.token.setEchoMode(QLineEdit.EchoMode.Normal if shown
                               else QLineEdit.EchoMode.Password)

    def copy_token(self) -> None:
        QGuiApplication.clipboard().setText(self.session.api.token.value)

    def regenerate(self) -> None:
        self.session.api.token.regenerate()
        self.refresh_token()
