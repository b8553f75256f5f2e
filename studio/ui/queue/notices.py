"""What the artist hears when jobs end: one toast per kind of ending, updated in place
("3 jobs finished: FLUX.1 [dev], Stable Image Ultra…"), readable model names, the full
prompts on hover, and a desktop notification when a long job ends while the window is in
the background."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QWidget

from studio.core.jobs import Job, JobStatus
from studio.ui.queue.model import QueueModel
from studio.ui.session import Session
from studio.ui.widgets import DesktopNotifier, ToastArea

LONG_SECONDS = 20.0  # a job this long is worth a desktop notification when away
BATCH_MS = 300  # endings this close together arrive as one update
NAMES_SHOWN = 3


class FinishedNotices(QObject):
    def __init__(self, session: Session, model: QueueModel, toasts: ToastArea,
                 notifier: DesktopNotifier, window: QWidget) -> None:
        super().__init__(window)
        self.session = session
        self.toasts = toasts
        self.notifier = notifier
        self.window = window
        self._pending: list[Job] = []
        self._shown: dict[str, list[Job]] = {}
        self._timer = QTimer(self, singleShot=True, interval=BATCH_MS)
        self._timer.timeout.connect(self.flush)
        model.jobFinished.connect(self.add)

    def add(self, job: Job) -> None:
        self._pending.append(job)
        self._timer.start()

    def flush(self) -> None:
        self._timer.stop()
        jobs, self._pending = self._pending, []
        ok = [j for j in jobs if j.status is JobStatus.SUCCEEDED]
        for key, level, group in (("finished", "success", ok),
                                  ("failed", "error", [j for j in jobs if j not in ok])):
            if not group:
                continue
            if self.toasts.find(key) is None:
                self._shown[key] = []  # the last toast is gone: count afresh
            self._shown[key] = self._shown.get(key, []) + group
            text, tooltip = self.describe(key, self._shown[key])
            self.toasts.show(level, text, key=key, tooltip=tooltip)
        long = [j for j in jobs if _seconds(j) >= LONG_SECONDS]
        if long and self.in_background():
            text, _ = self.describe("finished" if long[0] in ok else "failed", long)
            self.notifier.notify("Provider Studio", text)

    def in_background(self) -> bool:
        return self.window.isMinimized() or not self.window.isActiveWindow()

    def name(self, job: Job) -> str:
        return self.session.model_name(job.provider, job.model)

    def describe(self, key: str, jobs: list[Job]) -> tuple[str, str]:
        """The toast's text and its tooltip (every job with its whole prompt)."""
        tooltip = "\n".join(f"{self.name(j)}: {j.prompt}" + (f"\n  {j.error or j.message}"
                                                            if key == "failed" else "")
                            for j in jobs)
        if len(jobs) == 1:
            job = jobs[0]
            if key == "finished":
                return f"Finished: {self.name(job)} — {_short(job.prompt)}", tooltip
            what = "Failed" if job.status is JobStatus.FAILED else status_word(job)
            return f"{what}: {self.name(job)} — {job.error or job.message or 'no reason'}", \
                tooltip
        names = list(dict.fromkeys(self.name(j) for j in jobs))
        shown = ", ".join(names[:NAMES_SHOWN]) + ("…" if len(names) > NAMES_SHOWN else "")
        verb = "finished" if key == "finished" else "did not finish"
        return f"{len(jobs)} jobs {verb}: {shown}", tooltip


def status_word(job: Job) -> str:
    return {JobStatus.UNKNOWN: "Unknown", JobStatus.CANCELLED: "Cancelled"}.get(
        job.status, job.status.value.capitalize())


def _short(prompt: str, limit: int = 48) -> str:
    text = " ".join(prompt.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _seconds(job: Job) -> float:
    return (job.finished_at or 0) - job.created_at if job.finished_at else 0.0
