"""The S3 image host's secret access key in Settings: masked entry, where the current one
comes from, save / delete. Saved by its own button or by the dialog's Save, into the OS
keyring only (never the settings file)."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from studio.core.secrets import KeyringUnavailable, KeySource
from studio.ui.session import Session
from studio.ui.settings.keys import _SOURCE_TEXT, show_result
from studio.ui.widgets import SPACING


class S3SecretRow(QWidget):
    name = "the S3 image host"

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("s3SecretRow")
        self.session = session
        self.edit = QLineEdit(self)
        self.edit.setObjectName("s3SecretEdit")
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setClearButtonEnabled(True)
        self.edit.setAccessibleName("S3 secret access key")
        self.source = QLabel(self)
        self.source.setObjectName("s3SecretSource")
        self.source.setWordWrap(True)
        self.result = QLabel(self)
        self.result.setWordWrap(True)
        self.result.hide()
        self.save_button = QPushButton("Save to keyring", self)
        self.save_button.setAccessibleName("Save the S3 secret access key")
        self.delete_button = QPushButton("Delete", self)
        self.delete_button.setAccessibleName("Delete the S3 secret access key")
        self.save_button.clicked.connect(self.store_typed)
        self.delete_button.clicked.connect(self.delete)
        self.edit.textChanged.connect(self._update_buttons)
        row = QHBoxLayout()
        row.setSpacing(SPACING)
        row.addWidget(QLabel("Secret access key", self))
        row.addWidget(self.edit, 1)
        row.addWidget(self.save_button)
        row.addWidget(self.delete_button)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(SPACING)
        box.addLayout(row)
        box.addWidget(self.source)
        box.addWidget(self.result)
        self.refresh()

    def typed(self) -> str:
        return self.edit.text().strip()

    def refresh(self) -> None:
        lookup = self.session.studio.image_host_secret()
        text = _SOURCE_TEXT[lookup.source]
        if lookup.source is KeySource.ENVIRONMENT:
            text += f" ({lookup.detail})"
        self.source.setText(f"Current secret: {'•' * 12 + ' ' if lookup.present else ''}"
                            f"{text}. STUDIO_IMAGE_HOST_S3_SECRET overrides the keyring.")
        self.source.setProperty("role", "muted")
        self.edit.setPlaceholderText("Paste a new secret to replace it" if lookup.present
                                     else "The bucket's secret access key")
        self._update_buttons()

    def _update_buttons(self) -> None:
        usable, _ = self.session.studio.keys.backend_status()
        lookup = self.session.studio.image_host_secret()
        self.save_button.setEnabled(usable and bool(self.typed()))
        self.delete_button.setEnabled(usable and lookup.source is KeySource.KEYRING)

    def _say(self, text: str, error: bool = False) -> None:
        show_result(self.result, text, error)

    def store_typed(self) -> str | None:
        """Save what is typed; None when saved (or nothing typed), else why it was not."""
        if not self.typed():
            return None
        try:
            self.session.studio.store_image_host_secret(self.edit.text())
        except (KeyringUnavailable, ValueError) as exc:
            self._say(f"Not saved: {exc}", error=True)
            return str(exc)
        self.edit.clear()
        self._say("Saved to the keyring.")
        self.refresh()
        return None

    def delete(self) -> None:
        try:
            removed = self.session.studio.delete_image_host_secret()
        except KeyringUnavailable as exc:
            self._say(str(exc), error=True)
            return
        self._say("Deleted from the keyring." if removed else "The keyring had no secret.")
        self.refresh()
