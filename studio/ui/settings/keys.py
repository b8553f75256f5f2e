"""One provider's key in Settings: masked entry, where the current key comes from, save /
delete / test. A typed key is tested as typed (nothing stored) and saved by the row's own
button or by the dialog's Save."""

from __future__ import annotations

import html

from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.secrets import KeyringUnavailable, KeySource
from studio.ui.session import Session
from studio.ui.widgets import SPACING, status_color

_SOURCE_TEXT = {
    KeySource.KEYRING: "stored in the OS keyring",
    KeySource.ENVIRONMENT: "from the environment",
    KeySource.SANDBOX: "sandbox key (local emulator)",
    KeySource.NONE: "no key",
}


def show_result(label: QLabel, text: str, error: bool = False) -> None:
    """A key row's outcome line: green when done, red when refused."""
    color = status_color("error" if error else "live").name()
    label.setText(f"<span style='color:{color}'>{html.escape(text)}</span>")
    label.show()


class KeyRow(QGroupBox):
    """One provider's key: masked entry, source, save / delete / test."""

    def __init__(self, session: Session, provider_id: str, parent: QWidget | None = None):
        provider = session.studio.providers[provider_id]
        super().__init__(provider.info.name, parent)
        self.setObjectName(f"keyRow:{provider_id}")
        self.session = session
        self.provider_id = provider_id
        self.name = provider.info.name
        self.edit = QLineEdit(self)
        self.edit.setObjectName("keyEdit")
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setClearButtonEnabled(True)
        self.edit.setAccessibleName(f"{provider.info.name} API key")
        self.source = QLabel(self)
        self.source.setObjectName("keySource")
        self.source.setWordWrap(True)
        self.result = QLabel(self)
        self.result.setObjectName("keyResult")
        self.result.setWordWrap(True)
        self.save_button = QPushButton("Save to keyring", self)
        self.delete_button = QPushButton("Delete", self)
        self.test_button = QPushButton("Test connection", self)
        for button, what in ((self.save_button, "Save the key"), (self.delete_button,
                             "Delete the key"), (self.test_button, "Test connection")):
            button.setAccessibleName(f"{what} of {provider.info.name}")
        self.test_button.setToolTip("Check the typed key (or, with nothing typed, the current "
                                    "one) against the provider; nothing is stored")
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

    def typed(self) -> str:
        return self.edit.text().strip()

    def _update_buttons(self) -> None:
        usable, _ = self.session.studio.keys.backend_status()
        lookup = self.session.studio.key_for(self.provider_id)
        self.save_button.setEnabled(usable and bool(self.typed()))
        self.delete_button.setEnabled(usable and lookup.source is KeySource.KEYRING)
        self.test_button.setEnabled(lookup.present or bool(self.typed()))

    def _say(self, text: str, error: bool = False) -> None:
        show_result(self.result, text, error)

    def store_typed(self) -> str | None:
        """Save what is typed; None when saved (or nothing typed), else why it was not."""
        if not self.typed():
            return None
        try:
            self.session.studio.store_key(self.provider_id, self.edit.text())
        except (KeyringUnavailable, ValueError) as exc:
            self._say(f"Not saved: {exc}", error=True)
            return str(exc)
        self.edit.clear()
        self._say("Saved to the keyring.")
        self.refresh()
        return None

    def save(self) -> None:
        if self.store_typed() is None:
            self.session.reload_catalog()

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
        self.session.spawn(self._test(self.typed()), what="Testing the connection")

    async def _test(self, typed: str) -> None:
        try:
            if typed:
                ok, message = await self.session.studio.check_typed_key(self.provider_id, typed)
            else:
                ok, message = await self.session.studio.check_connection(self.provider_id)
        finally:
            self._update_buttons()
        self._say(message, error=not ok)
        if not typed:
            self.session.reload_catalog()
