""""Make a chain from this…": animate the chosen output into N chained clips (each starting
from the exact last frame of the one before), with per-link and overall progress, cancel,
and the stitched film at the end. A video output starts the chain from its last frame.

The chain runs in core (studio.chains); this dialog only starts it, follows its
`chain_changed` events and reads it back through Studio.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.core.events import EventKind, StoreEvent
from studio.core.sequences.chains import MAX_LINKS, ChainError
from studio.providers.base import Mode

if TYPE_CHECKING:
    from studio.ui.session import Session

_SHARE = 0.9  # the links' part of the chain's progress (core/sequences/chains.py)
W = TypeVar("W", bound=QWidget)


def _named(widget: W, name: str) -> W:
    widget.setObjectName(name)
    return widget


def open_chain_dialog(session: Session, parent: QWidget, ids: list[str]) -> None:
    studio = session.studio
    found = studio.assets(ids[:1])
    asset = found.get(ids[0]) if ids else None
    if asset is None:
        session.toast.emit("info", "Choose an output to start the chain from")
        return
    if asset.media_type.startswith("video/"):
        async def from_last_frame() -> None:
            frame = await studio.save_frame(asset.id)
            ChainDialog(session, frame.id, frame.path, parent).show()

        session.spawn(from_last_frame(), what="Taking the video's last frame")
        return
    ChainDialog(session, asset.id, asset.path, parent).show()


class ChainDialog(QDialog):
    def __init__(self, session: Session, asset_id: str, path: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chainDialog")
        self.setWindowTitle("Make a chain")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.session = session
        self.asset_id = asset_id
        self.chain_id: str | None = None
        picture = QLabel()
        pixmap = QPixmap(path)
        if not pixmap.isNull():
            picture.setPixmap(pixmap.scaled(240, 160, Qt.AspectRatioMode.KeepAspectRatio,
                                            Qt.TransformationMode.SmoothTransformation))
        self.models = _named(QComboBox(), "chainModel")
        for provider_id, provider in session.studio.providers.items():
            for model_id, model in provider.models.items():
                if Mode.IMG2VIDEO in model.modes:
                    self.models.addItem(f"{provider.info.name}: {model.name}",
                                        (provider_id, model_id))
        self.prompts = _named(QPlainTextEdit(), "chainPrompts")
        self.prompts.setPlaceholderText("One prompt per link (one line repeats for every "
                                        "link)")
        self.links = _named(QSpinBox(), "chainLinks")
        self.links.setRange(1, MAX_LINKS)
        self.links.setValue(3)
        self.overall = _named(QProgressBar(), "chainProgress")
        self.overall.setRange(0, 100)
        self.status = _named(QLabel("Link 1 animates this image; each next link starts "
                                    "from the last frame of the one before."), "chainStatus")
        self.status.setWordWrap(True)
        self.rows = _named(QListWidget(), "chainLinksList")
        self.start_button = _named(QPushButton("Generate chain"), "chainStart")
        self.cancel_button = _named(QPushButton("Cancel chain"), "chainCancel")
        self.cancel_button.setEnabled(False)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.start_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.close)
        form = QFormLayout()
        form.addRow("Start", picture)
        form.addRow("Model", self.models)
        form.addRow("Prompts", self.prompts)
        form.addRow("Links", self.links)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.overall)
        layout.addWidget(self.status)
        layout.addWidget(self.rows)
        layout.addWidget(buttons)
        session.storeEvent.connect(self._on_event)

    def start(self) -> None:
        target = self.models.currentData()
        lines = [line.strip() for line in self.prompts.toPlainText().splitlines()
                 if line.strip()]
        if target is None or not lines:
            self.status.setText("Choose a model and write at least one prompt.")
            return
        links = self.links.value() if len(lines) == 1 else None
        try:
            chain = self.session.studio.chains.create(target[0], target[1],
                                                      f"asset:{self.asset_id}", lines,
                                                      links=links)
        except (ChainError, ValueError) as exc:
            self.status.setText(str(exc))
            return
        self.chain_id = chain.id
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self._show_links()
        self.session.spawn(self.session.studio.chains.run(chain.id), what="The chain")

    def cancel(self) -> None:
        if self.chain_id is not None:
            self.cancel_button.setEnabled(False)
            self.session.spawn(self.session.studio.chains.cancel(self.chain_id),
                               what="Cancelling the chain")

    def _on_event(self, event: StoreEvent) -> None:
        if event.kind is not EventKind.CHAIN_CHANGED or event.chain != self.chain_id:
            return
        if event.fraction is not None:
            self.overall.setValue(round(event.fraction * 100))
        self.status.setText(event.message or "")
        self._show_links(event)

    def _show_links(self, event: StoreEvent | None = None) -> None:
        if self.chain_id is None:
            return
        chain = self.session.studio.chains.get(self.chain_id)
        total = len(chain.links)
        self.rows.clear()
        for link in chain.links:
            text = f"Link {link.index}/{total}: {link.status.value.replace('_', '-')}"
            if (event is not None and event.fraction is not None
                    and link.status.value == "running" and event.job_id == link.job_id):
                part = event.fraction / _SHARE * total - (link.index - 1)
                text += f" {max(0.0, min(1.0, part)):.0%}"
            if link.error:
                text += f" ({link.error})"
            self.rows.addItem(text)
        done = chain.status.value not in ("running", "pending")
        self.cancel_button.setEnabled(not done)
        if chain.final_asset_id:
            self.rows.addItem("Film stitched: it is in the Gallery")
