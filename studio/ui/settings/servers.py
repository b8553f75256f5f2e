"""Settings' server addresses: each provider whose address is the artist's to set (a
ComfyUI server, a RunPod endpoint, Vivid Flow) with what answers there now and a Test
button that tries the typed address before it is saved."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from studio.ui.session import Session
from studio.ui.widgets import SPACING, status_color

_REACH = {"answers": ("live", "answers"), "silent": ("error", "does not answer"),
          "unchecked": ("dry-run", "not checked yet")}


def address_providers(session: Session) -> list[str]:
    return [pid for pid, p in session.studio.providers.items()
            if p.info.address_in_settings and not p.info.key_from]


class ServerRow:
    """One address: the field, Test, and what the server said."""

    def __init__(self, box: ServersBox, grid: QGridLayout, row: int, provider_id: str,
                 current: str) -> None:
        session = box.session
        info = session.studio.providers[provider_id].info
        self.session = session
        self.provider_id = provider_id
        self.name = info.name
        label = QLabel(info.name, box)
        self.edit = QLineEdit(current, box)
        self.edit.setObjectName(f"address:{provider_id}")
        self.edit.setAccessibleName(f"{info.name} address")
        self.edit.setPlaceholderText(info.default_base_url)
        self.edit.setClearButtonEnabled(True)
        self.edit.setToolTip(f"Empty: {info.default_base_url}. {info.base_url_env} in the "
                             "environment overrides this.")
        label.setBuddy(self.edit)
        self.test_button = QPushButton("Test", box)
        self.test_button.setObjectName(f"testAddress:{provider_id}")
        self.test_button.setAccessibleName(f"Test the address of {info.name}")
        self.test_button.setToolTip("Ask the typed address (nothing is saved)")
        self.test_button.clicked.connect(self.test)
        self.result = QLabel(box)
        self.result.setObjectName(f"addressResult:{provider_id}")
        self.result.setWordWrap(True)
        self.result.setProperty("role", "muted")
        grid.addWidget(label, row * 2, 0)
        grid.addWidget(self.edit, row * 2, 1)
        grid.addWidget(self.test_button, row * 2, 2)
        grid.addWidget(self.result, row * 2 + 1, 1, 1, 2)
        self.show_status()

    def typed(self) -> str:
        return self.edit.text().strip()

    def show_status(self) -> None:
        """What the catalog knows of the saved address (self-hosted servers only)."""
        entry = self.session.entry(self.provider_id)
        state = _REACH.get(entry.server or "") if entry is not None else None
        if state is None:
            return
        detail = self.session.studio.catalog.health_detail(self.provider_id)
        text = f"Now: {state[1]}" + (f" ({detail})" if detail and state[1] != "not checked "
                                     "yet" else "")
        self._say(text, state[0])

    def _say(self, text: str, status: str) -> None:
        color = status_color(status).name()
        self.result.setText(f"<span style='color:{color}'>●</span> {html.escape(text)}")

    def test(self) -> None:
        self.test_button.setEnabled(False)
        self.result.setText("Testing…")
        url = self.typed() or self.session.studio.providers[
            self.provider_id].info.default_base_url
        self.session.spawn(self._test(url), what=f"Testing {self.name}")

    async def _test(self, url: str) -> None:
        try:
            ok, message = await self.session.studio.check_address(self.provider_id, url)
        finally:
            self.test_button.setEnabled(True)
        self._say(message, "live" if ok else "error")


class ServersBox(QGroupBox):
    """Addresses of the servers the artist runs or rents, with Test."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("Server addresses", parent)
        self.setObjectName("serverAddresses")
        self.session = session
        grid = QGridLayout(self)
        grid.setHorizontalSpacing(SPACING)
        grid.setVerticalSpacing(SPACING // 2)
        grid.setColumnStretch(1, 1)
        saved = session.studio.settings.base_urls
        self.rows = {pid: ServerRow(self, grid, i, pid, saved.get(pid) or "")
                     for i, pid in enumerate(address_providers(session))}
        note = QLabel("Empty means the default address. In the sandbox the local emulator "
                      "stands in for every address." if session.studio.sandbox_url else
                      "Empty means the default address.", self)
        note.setWordWrap(True)
        note.setProperty("role", "muted")
        grid.addWidget(note, len(self.rows) * 2, 0, 1, 3)
        session.catalogChanged.connect(self._on_catalog)

    def _on_catalog(self) -> None:
        for row in self.rows.values():
            if not row.test_button.isEnabled():
                continue  # a test is running: its answer shows when it comes
            row.show_status()

    def apply(self, data: dict[str, Any]) -> None:
        """Into the settings being saved: a typed address, or none (the default)."""
        urls = dict(data.get("base_urls") or {})
        for pid, row in self.rows.items():
            if row.typed():
                urls[pid] = row.typed()
            else:
                urls.pop(pid, None)
        data["base_urls"] = urls
