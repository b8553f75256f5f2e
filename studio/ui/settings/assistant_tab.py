"""Settings > Assistant & quality: the assistant's flag, endpoint (base URL, models, auth
scheme) and key (masked, into the OS keyring), and whether new outputs are measured."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.config import AssistantSettings
from studio.core.secrets import KeyringUnavailable, KeySource
from studio.ui.session import Session
from studio.ui.widgets import SPACING, ParamForm, status_color

LABELS = {
    "base_url": "Base URL", "model": "Model", "vision_model": "Vision model",
    "auth_scheme": "Auth scheme", "temperature": "Temperature", "max_tokens": "Max tokens",
    "critic_rounds": "Critic rounds", "approve_at": "Approve at score",
}
ENDPOINTS = ("OpenAI https://api.openai.com/v1 · OpenRouter https://openrouter.ai/api/v1 · "
             "Ollama http://localhost:11434/v1 (any key) · llama.cpp http://localhost:8080/v1 · "
             "fal https://fal.run/openrouter/router/openai/v1 (auth scheme Key, your fal key)")


class AssistantTab(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        settings = session.studio.settings
        self.enabled = QCheckBox("Enable the assistant (chat calls)", self)
        self.enabled.setObjectName("enable_assistant")
        self.enabled.setToolTip("API key required; dry-run only by default")
        self.enabled.setChecked(settings.features.enable_assistant)
        self.form = ParamForm(AssistantSettings, self, LABELS)
        self.form.set_values(settings.assistant.model_dump())
        hint = QLabel(ENDPOINTS, self)
        hint.setWordWrap(True)
        hint.setProperty("role", "muted")
        self.key = QLineEdit(self)
        self.key.setObjectName("assistantKey")
        self.key.setAccessibleName("Assistant API key")
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setClearButtonEnabled(True)
        self.save_key = QPushButton("Save to keyring", self)
        self.save_key.clicked.connect(self.store_key)
        self.delete_key = QPushButton("Delete", self)
        self.delete_key.clicked.connect(self.remove_key)
        self.key_state = QLabel(self)
        self.key_state.setObjectName("assistantKeyState")
        self.key_state.setWordWrap(True)
        self.measure = QCheckBox("Measure the quality of every new output (in the background)",
                                 self)
        self.measure.setObjectName("measure_new_outputs")
        self.measure.setChecked(settings.metrics.measure_new_outputs)

        endpoint = QGroupBox("Assistant endpoint (OpenAI-compatible chat)", self)
        ebox = QVBoxLayout(endpoint)
        ebox.addWidget(self.enabled)
        ebox.addWidget(self.form)
        ebox.addWidget(hint)
        key_box = QGroupBox("Assistant API key", self)
        row = QHBoxLayout()
        row.setSpacing(SPACING)
        row.addWidget(self.key, 1)
        row.addWidget(self.save_key)
        row.addWidget(self.delete_key)
        kbox = QVBoxLayout(key_box)
        kbox.addLayout(row)
        kbox.addWidget(self.key_state)
        quality = QGroupBox("Quality metrics", self)
        QVBoxLayout(quality).addWidget(self.measure)
        box = QVBoxLayout(self)
        box.setSpacing(SPACING * 2)
        box.addWidget(endpoint)
        box.addWidget(key_box)
        box.addWidget(quality)
        box.addStretch(1)
        self.refresh_key()

    def refresh_key(self, said: str = "", error: bool = False) -> None:
        found = self.session.studio.assist.access.key()
        where = {KeySource.KEYRING: "stored in the OS keyring",
                 KeySource.ENVIRONMENT: f"from the environment ({found.detail})",
                 KeySource.SANDBOX: "sandbox key (local emulator)"}.get(found.source, "no key")
        text = f"Current key: {'•' * 12 + ' ' if found.present else ''}{where}"
        if said:
            colour = status_color("failed" if error else "live").name()
            text += f"<br><span style='color:{colour}'>{html.escape(said)}</span>"
        self.key_state.setText(text)
        self.delete_key.setEnabled(found.source is KeySource.KEYRING)

    def store_key(self) -> None:
        try:
            self.session.studio.assist.access.store_key(self.key.text())
        except (KeyringUnavailable, ValueError) as exc:
            self.refresh_key(str(exc), error=True)
            return
        finally:
            self.key.clear()
        self.refresh_key("Saved to the keyring.")

    def remove_key(self) -> None:
        try:
            removed = self.session.studio.assist.access.delete_key()
        except KeyringUnavailable as exc:
            self.refresh_key(str(exc), error=True)
            return
        self.refresh_key("Deleted from the keyring." if removed else "The keyring had no key.")

    def errors(self) -> dict[str, str]:
        return self.form.errors()

    def apply(self, data: dict[str, Any]) -> None:
        """Write this tab's values into the settings data the dialog is saving."""
        data["features"]["enable_assistant"] = self.enabled.isChecked()
        data["assistant"] = self.form.values()
        data["metrics"] = {**data.get("metrics", {}),
                           "measure_new_outputs": self.measure.isChecked()}
