"""The shared part of Compose: prompt (with history), negative prompt, seed, input images."""

from __future__ import annotations

import random

from PySide6.QtCore import QRegularExpression, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.ui.compose.input_images import InputImages
from studio.ui.compose.presets import PromptHistory
from studio.ui.widgets import SPACING, ImageLoader, repolish

MAX_SEED = 4_294_967_294


def error_label(parent: QWidget, name: str) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    label.setProperty("role", "error")
    label.setWordWrap(True)
    label.hide()
    return label


def heading(parent: QWidget, text: str) -> QLabel:
    label = QLabel(text, parent)
    label.setProperty("role", "heading")
    return label


def mark(label: QLabel, frame: QFrame | None, messages: list[str]) -> None:
    """Show messages under a field and turn its frame red (or clear both)."""
    label.setText("\n".join(messages))
    label.setVisible(bool(messages))
    if frame is not None and bool(frame.property("invalid")) != bool(messages):
        frame.setProperty("invalid", bool(messages))
        repolish(frame)


class PromptBox(QWidget):
    changed = Signal()

    def __init__(self, history: PromptHistory, loader: ImageLoader,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history = history
        self.prompt = QPlainTextEdit(self)
        self.prompt.setObjectName("prompt")
        self.prompt.setAccessibleName("Prompt")
        self.prompt.setPlaceholderText("Describe the image or video…")
        self.prompt.setTabChangesFocus(True)
        self.prompt.setFixedHeight(88)
        self.prompt_error = error_label(self, "promptError")
        self.history_button = QToolButton(self)
        self.history_button.setText("History")
        self.history_button.setToolTip("The last 50 prompts you sent")
        self.history_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.history_menu = QMenu(self.history_button)
        self.history_menu.aboutToShow.connect(self.fill_history)
        self.history_button.setMenu(self.history_menu)
        self.negative = QPlainTextEdit(self)
        self.negative.setObjectName("negativePrompt")
        self.negative.setAccessibleName("Negative prompt")
        self.negative.setPlaceholderText("What to avoid (used by models that support it)")
        self.negative.setTabChangesFocus(True)
        self.negative.setFixedHeight(44)

        self.seed = QLineEdit(self)
        self.seed.setObjectName("seed")
        self.seed.setAccessibleName("Seed")
        self.seed.setPlaceholderText("none (random)")
        self.seed.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,11}"),
                                                           self.seed))
        self.seed.setFixedWidth(128)
        self.seed.setToolTip(f"0 to {MAX_SEED}; leave empty and each provider picks one")
        self.seed_frame = QFrame(self)
        self.seed_frame.setProperty("role", "field")
        frame_box = QHBoxLayout(self.seed_frame)
        frame_box.setContentsMargins(1, 1, 1, 1)
        frame_box.addWidget(self.seed)
        dice = QToolButton(self)
        dice.setObjectName("randomSeed")
        dice.setText("⚄ Random")
        dice.setToolTip("Pick a random seed")
        dice.clicked.connect(lambda: self.seed.setText(str(random.randint(0, MAX_SEED))))
        clear = QToolButton(self)
        clear.setText("None")
        clear.setToolTip("No seed: each provider picks its own")
        clear.clicked.connect(self.seed.clear)
        self.seed_error = error_label(self, "seedError")
        self.images = InputImages(loader, self)

        head = QHBoxLayout()
        head.addWidget(heading(self, "Prompt"))
        head.addStretch(1)
        head.addWidget(self.history_button)
        self.head = head  # other tools (Enhance) go beside History
        seed_row = QHBoxLayout()
        seed_row.setSpacing(SPACING)
        seed_row.addWidget(heading(self, "Seed"))
        seed_row.addWidget(self.seed_frame)
        seed_row.addWidget(dice)
        seed_row.addWidget(clear)
        seed_row.addStretch(1)
        images_row = QHBoxLayout()
        images_row.setSpacing(SPACING)
        images_row.addWidget(heading(self, "Input images"))
        images_row.addWidget(self.images, 1)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(SPACING // 2)
        # The keyboard goes as the eye does: History, the prompt, the negative prompt, the
        # seed and its buttons (the prompt was made first, so it would jump to History).
        for first, second in ((self.history_button, self.prompt), (self.prompt, self.negative),
                              (self.negative, self.seed), (self.seed, dice), (dice, clear)):
            QWidget.setTabOrder(first, second)
        box.addLayout(head)
        box.addWidget(self.prompt)
        self.body = box  # features add a row under the prompt (the Enhance change bar)
        box.addWidget(self.prompt_error)
        box.addSpacing(SPACING // 2)
        box.addWidget(heading(self, "Negative prompt"))
        box.addWidget(self.negative)
        box.addSpacing(SPACING // 2)
        box.addLayout(seed_row)
        box.addWidget(self.seed_error)
        box.addSpacing(SPACING // 2)
        box.addLayout(images_row)
        box.addWidget(self.images.strip)
        for signal in (self.prompt.textChanged, self.negative.textChanged,
                       self.seed.textChanged, self.images.changed):
            signal.connect(self.changed)

    # -- values -------------------------------------------------------------------------

    def prompt_text(self) -> str:
        return self.prompt.toPlainText().strip()

    def negative_text(self) -> str | None:
        return self.negative.toPlainText().strip() or None

    def seed_value(self) -> tuple[int | None, str]:
        """(seed, error). Empty means no seed."""
        text = self.seed.text().strip()
        if not text:
            return None, ""
        value = int(text)
        if value > MAX_SEED:
            return None, f"Seed must be from 0 to {MAX_SEED}"
        return value, ""

    def fill(self, prompt: str, negative: str | None, seed: int | None,
             images: list[str]) -> None:
        self.prompt.setPlainText(prompt)
        self.negative.setPlainText(negative or "")
        self.seed.setText("" if seed is None else str(seed))
        self.images.set_paths(images)

    def show_errors(self, prompt_errors: list[str], seed_error: str) -> None:
        mark(self.prompt_error, None, prompt_errors)
        mark(self.seed_error, self.seed_frame, [seed_error] if seed_error else [])

    # -- history ------------------------------------------------------------------------

    def fill_history(self) -> None:
        self.history_menu.clear()
        items = self.history.items()
        if not items:
            self.history_menu.addAction("No prompts yet").setEnabled(False)
        for text in items:
            flat = " ".join(text.split())
            short = flat if len(flat) <= 80 else flat[:77] + "…"
            action = self.history_menu.addAction(short)
            action.setToolTip(text)
            action.triggered.connect(lambda _=False, t=text: self.prompt.setPlainText(t))
