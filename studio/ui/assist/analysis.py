"""*Analyze image*: the Scene Maker's reading of an image (theme, subject, style, palette,
lighting, camera motions) and its motion prompts, each one click from Compose (with the
image as the input) as the first link of a chain."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.assist import AssistRun
from studio.ui.assist.run_dialog import AssistRunDialog, label
from studio.ui.session import Session
from studio.ui.widgets import SPACING


def analyze_asset(session: Session, asset_id: str, parent: QWidget | None = None
                  ) -> AssistRunDialog:
    """Open the analysis window of an output; it asks the assistant at once."""
    asset = session.studio.asset(asset_id)
    image = asset.path if asset is not None else ""

    def view(run: AssistRun, host: QWidget) -> QWidget:
        return AnalysisView(session, run.result or {}, image, host)

    dialog = AssistRunDialog(session, "Analyze image",
                             lambda: session.studio.assist.analyze(f"asset:{asset_id}"), view,
                             parent)
    dialog.show()  # non-modal: a nested loop inside the async loop fails
    return dialog


class AnalysisView(QWidget):
    def __init__(self, session: Session, result: dict[str, Any], image: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("analysisView")
        self.session = session
        self.image = image
        form = QFormLayout()
        form.setHorizontalSpacing(SPACING * 2)
        for key, name in (("theme", "Theme"), ("main_subject", "Main subject"),
                          ("style", "Style"), ("lighting", "Lighting")):
            form.addRow(name, label(str(result.get(key, "—")), self))
        form.addRow("Palette", self._palette(result.get("palette") or []))
        form.addRow("Camera motions", label("; ".join(result.get("camera_motions") or []),
                                            self))
        box = QVBoxLayout(self)
        box.setSpacing(SPACING)
        box.addLayout(form)
        box.addWidget(label("Motion prompts (image-to-video, one shot each):", self,
                            role="heading"))
        self.use_buttons: list[QPushButton] = []
        for prompt in result.get("motion_prompts") or []:
            row = QHBoxLayout()
            row.addWidget(label(prompt, self), 1)
            use = QPushButton("Use in Compose", self)
            use.setToolTip("Put this prompt in Compose with the image as its input (nothing "
                           "is sent)")
            use.clicked.connect(lambda _=False, p=prompt: self.use(p))
            row.addWidget(use)
            self.use_buttons.append(use)
            box.addLayout(row)
        box.addStretch(1)

    def _palette(self, palette: list[dict[str, str]]) -> QWidget:
        strip = QWidget(self)
        row = QHBoxLayout(strip)
        row.setContentsMargins(0, 0, 0, 0)
        for colour in palette:
            swatch = QFrame(strip)
            swatch.setFixedSize(22, 22)
            value = QColor(colour.get("hex", ""))
            if value.isValid():
                swatch.setStyleSheet(f"background:{value.name()}; border-radius:4px;")
            swatch.setToolTip(f"{colour.get('name', '')} {colour.get('hex', '')}")
            row.addWidget(swatch)
            row.addWidget(QLabel(html.escape(colour.get("name", "")), strip))
        row.addStretch(1)
        return strip

    def use(self, prompt: str) -> None:
        self.session.useRequest.emit({"prompt": prompt,
                                      "input_images": [self.image] if self.image else []})
