"""Example prompts for the checked models (shipped beside their presets, e.g. Qwen-Image's):
a small menu beside History that fills the prompt box."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMenu, QPlainTextEdit, QToolButton, QWidget

from studio.core.presets import PresetLibrary

Target = tuple[str, str]


class ExamplesButton(QToolButton):
    """Shown only while a checked model has example prompts."""

    def __init__(self, presets: PresetLibrary, prompt: QPlainTextEdit,
                 checked: Callable[[], list[Target]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.presets = presets
        self.prompt = prompt
        self.checked = checked
        self.setObjectName("examplePrompts")
        self.setText("Examples")
        self.setToolTip("Example prompts for the checked models")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu_ = QMenu(self)
        self.menu_.aboutToShow.connect(self.rebuild)
        self.setMenu(self.menu_)
        self.refresh()

    def prompts(self) -> list[str]:
        seen: dict[str, None] = {}
        for target in self.checked():
            for text in self.presets.examples(*target):
                seen.setdefault(text, None)
        return list(seen)

    def refresh(self) -> None:
        self.setVisible(bool(self.prompts()))

    def rebuild(self) -> None:
        self.menu_.clear()
        for text in self.prompts():
            label = text if len(text) <= 70 else text[:69] + "…"
            action = self.menu_.addAction(label)
            action.setToolTip(text)
            action.triggered.connect(lambda _=False, t=text: self.use(t))

    def use(self, text: str) -> None:
        self.prompt.setPlainText(text)
        self.prompt.setFocus()
