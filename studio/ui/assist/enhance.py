"""*Enhance prompt* beside the prompt box: the assistant rewrites the prompt for the first
checked model's style; the prompt is replaced as one undoable edit and the change is shown
under it, with one click to undo. *Adapt per model* shows one rewrite per checked model.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.assist.errors import AssistError
from studio.core.assist.runs import AssistRun
from studio.ui.assist.run_dialog import AssistRunDialog, dry_run_text, label
from studio.ui.session import Session
from studio.ui.widgets import SPACING, status_color

Targets = Callable[[], list[tuple[str, str]]]


def diff_html(diff: list[dict[str, Any]]) -> str:
    """Deleted words struck through in red, inserted ones underlined in green."""
    red, green = status_color("failed").name(), status_color("succeeded").name()
    out = []
    for part in diff:
        text = html.escape(part["text"])
        if part["op"] == "delete":
            out.append(f"<s style='color:{red}'>{text}</s>")
        elif part["op"] == "insert":
            out.append(f"<u style='color:{green}'>{text}</u>")
        else:
            out.append(text)
    return "".join(out)


def replace_text(edit: QPlainTextEdit, text: str) -> None:
    """One edit on the document's undo stack, so Ctrl+Z undoes it too."""
    cursor = edit.textCursor()
    cursor.beginEditBlock()
    cursor.select(QTextCursor.SelectionType.Document)
    cursor.insertText(text)
    cursor.endEditBlock()
    edit.setTextCursor(cursor)


class ChangeBar(QFrame):
    """Under the prompt: what the assistant changed, and Undo."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("enhanceChange")
        self.setProperty("role", "banner")
        self.text = QLabel(self)
        self.text.setObjectName("enhanceDiff")
        self.text.setWordWrap(True)
        self.undo_button = QPushButton("Undo", self)
        self.undo_button.setObjectName("enhanceUndo")
        self.close_button = QToolButton(self)
        self.close_button.setText("×")
        self.close_button.setToolTip("Keep the change and hide this")
        self.close_button.setAccessibleName("Hide the change")
        self.close_button.clicked.connect(self.hide)
        row = QHBoxLayout(self)
        row.setContentsMargins(SPACING, SPACING // 2, SPACING // 2, SPACING // 2)
        row.addWidget(self.text, 1)
        row.addWidget(self.undo_button)
        row.addWidget(self.close_button)
        self.hide()

    def say(self, rich_text: str, *, can_undo: bool) -> None:
        self.text.setText(rich_text)
        self.undo_button.setVisible(can_undo)
        self.show()


class EnhanceButton(QToolButton):
    """Click: enhance for the first checked model (or in general). Menu: adapt per model."""

    enhanced = Signal(object)  # the AssistRun, dry-run or live

    def __init__(self, session: Session, prompt: QPlainTextEdit, targets: Targets,
                 bar: ChangeBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("enhancePrompt")
        self.setAccessibleName("Enhance the prompt")
        self.setText("✨ Enhance")
        self.setToolTip("Rewrite the prompt with the assistant for the first checked model's "
                        "style (dry-run until the assistant is on in Settings)")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.session = session
        self.prompt = prompt
        self.targets = targets
        self.bar = bar
        self.before: str | None = None
        self.after: str | None = None
        menu = QMenu(self)
        self.adapt_action = menu.addAction("Adapt per model…", self.adapt)
        self.adapt_action.setToolTip("One rewrite for each checked model")
        self.setMenu(menu)
        self.clicked.connect(self.enhance)
        bar.undo_button.clicked.connect(self.undo)

    def enhance(self) -> None:
        text = self.prompt.toPlainText().strip()
        if not text:
            self.bar.say("Write a prompt first; the assistant improves it.", can_undo=False)
            return
        checked = self.targets()
        target = f"{checked[0][0]}:{checked[0][1]}" if checked else None
        self.setEnabled(False)
        self.session.spawn(self._enhance(text, target), what="Enhancing the prompt")

    async def _enhance(self, text: str, target: str | None) -> None:
        try:
            run = await self.session.studio.assist.enhance(text, target)
        except (AssistError, ValueError) as exc:
            self.bar.say(html.escape(getattr(exc, "message", None) or str(exc)),
                         can_undo=False)
            return
        finally:
            self.setEnabled(True)
        self.show_run(run, text)
        self.enhanced.emit(run)

    def show_run(self, run: AssistRun, asked: str) -> None:
        if not run.live or run.result is None:
            self.bar.say(html.escape(dry_run_text(run)), can_undo=False)
            self.bar.text.setToolTip(json.dumps(run.requests, indent=1)[:4000])
            return
        new = run.result["prompt"]
        if self.prompt.toPlainText().strip() != asked:  # typed on meanwhile: never clobber
            self.bar.say("The prompt changed while the assistant worked; its suggestion: "
                         + html.escape(new), can_undo=False)
            return
        self.before, self.after = self.prompt.toPlainText(), new
        replace_text(self.prompt, new)
        notes = "; ".join(run.result.get("notes") or [])
        self.bar.text.setToolTip(notes)
        self.bar.say(diff_html(run.result["diff"]), can_undo=True)

    def undo(self) -> None:
        """Back to the prompt as it was; only while the rewrite is still what is there."""
        if self.before is not None and self.prompt.toPlainText() == self.after:
            replace_text(self.prompt, self.before)
        self.before = self.after = None
        self.bar.hide()

    def adapt(self) -> AssistRunDialog | None:
        text = self.prompt.toPlainText().strip()
        checked = [f"{p}:{m}" for p, m in self.targets()]
        if not text or not checked:
            self.bar.say("Write a prompt and check the models to adapt it for.",
                         can_undo=False)
            return None

        def view(run: AssistRun, host: QWidget) -> QWidget:
            return AdaptView(self, run.result or {}, host)

        dialog = AssistRunDialog(self.session, "Adapt per model",
                                 lambda: self.session.studio.assist.adapt(text, checked),
                                 view, self.window())
        dialog.show()
        return dialog


class AdaptView(QWidget):
    """One rewrite per model, each with its change and a button to use it."""

    def __init__(self, button: EnhanceButton, result: dict[str, Any],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        box = QVBoxLayout(self)
        box.setSpacing(SPACING)
        self.use_buttons: list[QPushButton] = []
        for item in result.get("prompts") or []:
            box.addWidget(label(item["target"], self, role="heading"))
            shown = label(diff_html(item["diff"]), self)
            box.addWidget(shown)
            use = QPushButton("Use this prompt", self)
            use.clicked.connect(lambda _=False, p=item["prompt"]: replace_text(button.prompt,
                                                                              p))
            self.use_buttons.append(use)
            box.addWidget(use)
        box.addStretch(1)
