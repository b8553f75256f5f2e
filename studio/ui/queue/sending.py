"""The Queue's sending controls: pause sending (waiting jobs stay, nothing is sent, a
banner says so until Resume) and moving waiting jobs sooner or later."""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QTableView, QWidget

from studio.core.jobs import Job, JobStatus
from studio.ui.queue.model import STATUS, QueueModel


class QueueDock(Protocol):
    """What these controls use of the Queue dock (queue/dock.py builds them)."""

    studio: Any
    session: Any
    view: QTableView
    model: QueueModel

    def selected_jobs(self) -> list[Job]: ...


class SendingControls(QObject):
    def __init__(self, dock: QueueDock, parent: QWidget) -> None:
        super().__init__(parent)
        self.dock = dock
        self.sending = dock.studio.sending
        self.pause_action = QAction("Pause sending", parent)
        self.pause_action.setObjectName("queue_pause")
        self.pause_action.setCheckable(True)
        self.pause_action.setToolTip("Hold every waiting live job: nothing is sent until you "
                                     "resume (jobs already sent go on)")
        self.pause_action.toggled.connect(self.set_paused)
        self.up_action = self._move_action("up", "Send sooner", -1, "Ctrl+Up")
        self.down_action = self._move_action("down", "Send later", +1, "Ctrl+Down")

        self.banner = QFrame(parent)
        self.banner.setObjectName("queuePausedBanner")
        self.banner.setProperty("role", "banner")
        self.banner_text = QLabel(self.banner)
        self.banner_text.setObjectName("queuePausedText")
        self.banner_text.setWordWrap(True)
        self.resume_button = resume = QPushButton("Resume sending", self.banner)
        resume.setObjectName("queueResume")
        resume.setAccessibleName("Resume sending the waiting jobs")
        resume.clicked.connect(lambda: self.set_paused(False))
        row = QHBoxLayout(self.banner)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self.banner_text, 1)
        row.addWidget(resume)
        self.banner.hide()
        self._shown: tuple[bool, tuple[str, ...]] = (False, ())

        # Changes come from the runner's tasks; redraw once per burst, on the GUI thread.
        self._redraw = QTimer(self, singleShot=True, interval=0)
        self._redraw.timeout.connect(self.update)
        self._unlisten = self.sending.listen(self._redraw.start)
        self.destroyed.connect(lambda *_: self._unlisten())
        # Paused when the app last closed: still paused, before anything left is resumed.
        if dock.session.preferences().sending_paused:
            self.sending.pause()
            self.update()

    def _move_action(self, name: str, text: str, steps: int, shortcut: str) -> QAction:
        action = QAction(text, self)
        action.setObjectName(f"queue_{name}")
        action.setToolTip(f"Move the selected waiting job {'up' if steps < 0 else 'down'} "
                          f"the sending order ({shortcut})")
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(lambda: self.move_selected(steps))
        self.dock.view.addAction(action)
        return action

    def actions(self) -> list[QAction]:
        return [self.pause_action, self.up_action, self.down_action]

    def set_paused(self, paused: bool) -> None:
        if paused:
            self.sending.pause()
        else:
            self.sending.resume()
        prefs = self.dock.session.preferences()
        if prefs.sending_paused != paused:  # kept across restarts
            self.dock.session.save_preferences(prefs.model_copy(
                update={"sending_paused": paused}))
        self.update()

    def move_selected(self, steps: int) -> None:
        waiting = [j for j in self.dock.selected_jobs() if self.sending.position(j.id)]
        # Moving several keeps their order: the first up first, the last down first.
        for job in waiting if steps < 0 else reversed(waiting):
            self.sending.move(job.id, steps)
        self.update()

    def status_suffix(self, job_id: str) -> str:
        """What the Status column adds for a job waiting to be sent."""
        position = self.sending.position(job_id)
        if position is None:
            return ""
        if self.sending.paused:
            return " · paused"
        return " · next to send" if position == 1 else f" · #{position} to send"

    def update(self) -> None:
        paused = self.sending.paused
        waiting = len(self.sending.waiting())
        self.pause_action.blockSignals(True)
        self.pause_action.setChecked(paused)
        self.pause_action.blockSignals(False)
        self.pause_action.setText("Sending paused" if paused else "Pause sending")
        self.banner.setVisible(paused)
        self.banner_text.setText(
            f"Sending is paused: {waiting} waiting job{'s stay' if waiting != 1 else ' stays'} "
            "here and nothing is sent until you resume. Jobs already sent go on.")
        self.update_actions()
        shown = (paused, tuple(self.sending.waiting()))
        model = self.dock.model
        if shown != self._shown and model.rowCount():  # only when the notes change
            self._shown = shown
            model.dataChanged.emit(model.index(0, STATUS),
                                   model.index(model.rowCount() - 1, STATUS),
                                   [Qt.ItemDataRole.DisplayRole])

    def update_actions(self) -> None:
        """Send sooner / later, for the selection (the Queue calls this as it changes)."""
        selected = [j for j in self.dock.selected_jobs()
                    if j.status is JobStatus.QUEUED and self.sending.position(j.id)]
        order = self.sending.waiting()
        self.up_action.setEnabled(any(order.index(j.id) > 0 for j in selected))
        self.down_action.setEnabled(any(order.index(j.id) < len(order) - 1 for j in selected))
