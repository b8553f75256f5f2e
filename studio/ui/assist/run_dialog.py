"""A non-modal window for one assistant run: "Asking the assistant…", then its result, or
the dry-run's reason with the exact request that would have been sent, or the error."""

from __future__ import annotations

import asyncio
import html
import json
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from studio.core.assist.errors import AssistError
from studio.core.assist.runs import AssistRun
from studio.ui.session import Session
from studio.ui.widgets import SPACING, mono_font

# Builds the widget that shows a live run's result.
ResultView = Callable[[AssistRun, QWidget], QWidget]


def dry_run_text(run: AssistRun) -> str:
    return (f"Dry-run: nothing was sent. {run.reason}. Turn the assistant on in Settings "
            "(and save its key) to send it. The exact request is below.")


class AssistRunDialog(QDialog):
    finishedRun = Signal(object)  # the AssistRun, or None after an error

    def __init__(self, session: Session, title: str,
                 work: Callable[[], Awaitable[AssistRun]] | None, view: ResultView,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("assistRunDialog")
        self.setWindowTitle(title)
        self.session = session
        self.view = view
        self.run: AssistRun | None = None
        self.error: str | None = None
        self.status = QLabel("Asking the assistant…", self)
        self.status.setObjectName("assistStatus")
        self.status.setWordWrap(True)
        self.body = QScrollArea(self)
        self.body.setWidgetResizable(True)
        self.body.setFrameShape(QScrollArea.Shape.NoFrame)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        self.buttons = buttons
        box = QVBoxLayout(self)
        self.box = box  # a dialog that asks for input first puts its form above
        box.setContentsMargins(SPACING * 2, SPACING * 2, SPACING * 2, SPACING * 2)
        box.setSpacing(SPACING)
        box.addWidget(self.status)
        box.addWidget(self.body, 1)
        box.addWidget(buttons)
        self.resize(640, 560)
        self.task: asyncio.Task[None] | None = None
        if work is not None:
            self.start(work)

    def start(self, work: Callable[[], Awaitable[AssistRun]]) -> None:
        """Ask the assistant (again): off the GUI thread, the window says how it went."""
        self.run, self.error = None, None
        self.status.setText("Asking the assistant…")
        self.status.setProperty("state", "running")
        self.task = self.session.spawn(self._work(work), what=self.windowTitle())

    async def _work(self, work: Callable[[], Awaitable[AssistRun]]) -> None:
        try:
            run = await work()
        except (AssistError, ValueError) as exc:
            self.show_error(getattr(exc, "message", None) or str(exc))
            return
        self.show_run(run)

    def show_error(self, message: str) -> None:
        self.error = message
        self.status.setText(f"<span style='color:{_red()}'>{html.escape(message)}</span>")
        self.status.setProperty("state", "error")
        self.finishedRun.emit(None)

    def show_run(self, run: AssistRun) -> None:
        self.run = run
        if not run.live or run.result is None:
            self.status.setText(dry_run_text(run))
            self.status.setProperty("state", "dry-run")
            self.body.setWidget(request_view(run.requests, self.body))
        else:
            self.status.setText(f"Answered by {run.model} (run {run.id}).")
            self.status.setProperty("state", "done")
            self.body.setWidget(self.view(run, self.body))
        self.finishedRun.emit(run)


def request_view(requests: list[dict[str, Any]], parent: QWidget) -> QWidget:
    text = QPlainTextEdit(parent)
    text.setObjectName("assistRequest")
    text.setReadOnly(True)
    text.setFont(mono_font())
    text.setPlainText(json.dumps(requests, indent=2))
    return text


def _red() -> str:
    from studio.ui.widgets import error_color

    return error_color().name()


def label(text: str, parent: QWidget, *, role: str | None = None) -> QLabel:
    out = QLabel(text, parent)
    out.setWordWrap(True)
    out.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if role:
        out.setProperty("role", role)
    return out
