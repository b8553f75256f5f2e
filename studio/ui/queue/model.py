"""The queue as a table model over job ids, newest first, kept current by store events
(no polling of the database). A 1 s tick only repaints elapsed times and ETAs."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)

from studio.core.events import EventKind, StoreEvent
from studio.core.jobs import Job, JobStatus
from studio.ui.session import Session
from studio.ui.widgets import duration, format_usd, status_color, status_icon, status_label

COLUMNS = ["Provider", "Model", "Prompt", "Status", "Elapsed", "ETA", "Estimate", "Actual"]
PROVIDER, MODEL, PROMPT, STATUS, ELAPSED, ETA, ESTIMATE, ACTUAL = range(len(COLUMNS))
JOB_ROLE = Qt.ItemDataRole.UserRole + 10
STATUS_ROLE = Qt.ItemDataRole.UserRole + 11
PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 12

Index = QModelIndex | QPersistentModelIndex


class QueueModel(QAbstractTableModel):
    jobFinished = Signal(object)  # Job that reached succeeded / failed / unknown

    def __init__(self, session: Session, limit: int = 500, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        # What the Status column adds for a job waiting to be sent (queue/sending.py).
        self.status_note: Callable[[str], str] | None = None
        self.limit = limit
        self._ids: list[str] = []
        self._jobs: dict[str, Job] = {}
        self._elsewhere: dict[str, str] = {}  # job id -> the other process driving it
        self._durations: dict[tuple[str, str], float | None] = {}
        session.storeEvent.connect(self.on_event)
        self.reload()

    # -- data ---------------------------------------------------------------------------

    def reload(self) -> None:
        jobs = self.session.studio.jobs(limit=self.limit)
        self.beginResetModel()
        self._ids = [j.id for j in jobs]
        self._jobs = {j.id: j for j in jobs}
        self._durations.clear()
        for job in reversed(jobs):
            self._learn(job)
        self.endResetModel()
        self.refresh_elsewhere()

    def refresh_elsewhere(self) -> None:
        """Which unfinished jobs another process (studio-cli, a second app) drives, as the
        database has them now: that process's changes send this one no events."""
        studio = self.session.studio
        here = set(studio.runner.active())
        candidates = [i for i in self._ids if self._jobs[i].status.active and i not in here]
        found = studio.driven_elsewhere(candidates) if candidates else {}
        changed = set(self._elsewhere) ^ set(found)
        self._elsewhere = {job_id: owner for job_id, (owner, _) in found.items()}
        for job_id, (_, job) in found.items():
            if job != self._jobs.get(job_id):
                self._jobs[job_id] = job
                changed.add(job_id)
        for job_id in changed:
            row = self.row_of(job_id)
            if row >= 0:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def driven_elsewhere(self, job_id: str) -> str | None:
        """The owner id of the other process driving this job, or None."""
        return self._elsewhere.get(job_id)

    def job_at(self, row: int) -> Job | None:
        if 0 <= row < len(self._ids):
            return self._jobs.get(self._ids[row])
        return None

    def row_of(self, job_id: str) -> int:
        try:
            return self._ids.index(job_id)
        except ValueError:
            return -1

    def active_count(self) -> int:
        return sum(1 for j in self._jobs.values() if j.status.active)

    def active_progress(self) -> float | None:
        """The mean share done of active jobs that report one (None if none does)."""
        known = [j.progress for j in self._jobs.values()
                 if j.status.active and j.progress is not None]
        return sum(known) / len(known) if known else None

    def on_event(self, event: StoreEvent) -> None:
        job = event.job
        if job is None:
            return
        if event.kind is EventKind.JOB_CREATED:
            if job.id not in self._jobs:
                self.beginInsertRows(QModelIndex(), 0, 0)
                self._ids.insert(0, job.id)
                self._jobs[job.id] = job
                self.endInsertRows()
                self._trim()
            return
        row = self.row_of(job.id)
        if row < 0:
            return
        old = self._jobs[job.id]
        self._jobs[job.id] = job
        if not job.status.active:
            self._elsewhere.pop(job.id, None)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        if job.status != old.status and job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED,
                                                        JobStatus.UNKNOWN):
            self._learn(job)
            self.jobFinished.emit(job)

    def _trim(self) -> None:
        if len(self._ids) > self.limit:
            first = self.limit
            self.beginRemoveRows(QModelIndex(), first, len(self._ids) - 1)
            for job_id in self._ids[first:]:
                self._jobs.pop(job_id, None)
            del self._ids[first:]
            self.endRemoveRows()

    def tick(self) -> None:
        """Repaint the time columns of jobs still running."""
        for row, job_id in enumerate(self._ids):
            if self._jobs[job_id].status.active:
                self.dataChanged.emit(self.index(row, STATUS), self.index(row, ETA),
                                      [Qt.ItemDataRole.DisplayRole])

    def sweep(self) -> None:
        """Repaint the status cell of active jobs (the moving segment)."""
        for row, job_id in enumerate(self._ids):
            if self._jobs[job_id].status.active:
                idx = self.index(row, STATUS)
                self.dataChanged.emit(idx, idx, [PROGRESS_ROLE])

    # -- timing -------------------------------------------------------------------------

    def _learn(self, job: Job) -> None:
        if job.status == JobStatus.SUCCEEDED:
            self._durations.pop((job.provider, job.model), None)

    def _expected(self, job: Job) -> float | None:
        """The model's typical request-start-to-done time from this studio's history."""
        key = (job.provider, job.model)
        if key not in self._durations:
            self._durations[key] = self.session.studio.typical_seconds(*key)
        return self._durations[key]

    def elapsed(self, job: Job, now: float | None = None) -> float | None:
        if job.status in (JobStatus.DRY_RUN, JobStatus.DRAFT):
            return None
        end = job.finished_at if job.status.terminal else (now or time.time())
        return None if end is None else end - job.created_at

    def eta(self, job: Job, now: float | None = None) -> float | None:
        if not job.status.active:
            return None
        now = now or time.time()
        running = now - (job.started_at or job.submitted_at or job.created_at)
        if job.progress is not None and 0.05 <= job.progress < 1 and running >= 1:
            return running * (1 - job.progress) / job.progress
        expected = self._expected(job)
        if expected and job.status is JobStatus.QUEUED:
            return expected  # not sent yet: the whole run is ahead of it
        if expected:
            return max(0.0, expected - (now - job.created_at))
        return None

    # -- Qt model -----------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        job = self._jobs[self._ids[index.row()]]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(job, col)
        if role == JOB_ROLE:
            return job
        if role == STATUS_ROLE:
            return job.status.value
        if role == PROGRESS_ROLE:
            return job.progress
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(job, col)
        if role == Qt.ItemDataRole.DecorationRole and col == PROVIDER:
            return status_icon(job.status.value)
        if role == Qt.ItemDataRole.ForegroundRole and col == STATUS:
            return status_color(job.status.value)
        if role == Qt.ItemDataRole.TextAlignmentRole and col >= ELAPSED:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, job: Job, col: int) -> str:
        if col == PROVIDER:
            entry = self.session.entry(job.provider)
            return entry.name if entry else job.provider
        if col == MODEL:
            return self.session.model_name(job.provider, job.model)
        if col == PROMPT:
            text = " ".join(job.prompt.split())
            return text if len(text) <= 60 else text[:57] + "…"
        if col == STATUS:
            label = status_label(job.status.value)
            if job.status.active and job.queue_position is not None:
                label += f" · #{job.queue_position + 1} in line"
            if job.status is JobStatus.QUEUED and self.status_note is not None:
                label += self.status_note(job.id)
            if job.id in self._elsewhere:
                label += " · other process"
            return label
        if col == ELAPSED:
            return duration(self.elapsed(job)) or "—"
        if col == ETA:
            eta = self.eta(job)
            if eta is None:
                return ""
            # Past its usual time a job is late, not done: never "~0 s" while it runs.
            return f"~{duration(eta)}" if eta >= 1.5 else "any moment"
        if col == ESTIMATE:
            return format_usd(job.estimate)
        if col == ACTUAL:
            return format_usd(job.actual_cost, empty="")
        return ""

    def _tooltip(self, job: Job, col: int) -> str:
        if col == STATUS:
            parts = [status_label(job.status.value)]
            if job.id in self._elsewhere:
                parts.append("Run by another Provider Studio process "
                             f"({self._elsewhere[job.id]}); this window shows what it last "
                             "wrote")
            elif job.remote_id and job.status in (JobStatus.UNKNOWN, JobStatus.FAILED):
                parts.append("The provider knows this job: Check again asks it and fetches "
                             "what is there")
            if job.dry_run and job.dry_run_reason:
                parts.append(f"Dry-run: {job.dry_run_reason}")
            if job.message:
                parts.append(job.message)
            if job.error:
                parts.append(f"Error: {job.error}")
            return "\n".join(parts)
        if col == PROMPT:
            return job.prompt
        if col == MODEL:
            return f"{self.session.model_name(job.provider, job.model)}\n{job.model}"
        if col == ETA and job.status.active:
            expected = self._expected(job)
            return ("From the progress the provider reports" if job.progress else
                    f"Usually {duration(expected)} for this model" if expected else
                    "No finished run of this model yet to go by")
        if col == ESTIMATE and job.estimate:
            return job.estimate.get("basis") or ""
        return ""


# Status filter choices: (label, statuses or None for all).
FILTERS: list[tuple[str, frozenset[JobStatus] | None]] = [
    ("All jobs", None),
    ("Running", frozenset({JobStatus.QUEUED, JobStatus.SUBMITTING, JobStatus.SUBMITTED,
                           JobStatus.RUNNING})),
    ("Finished", frozenset({JobStatus.SUCCEEDED})),
    ("Failed or refused", frozenset({JobStatus.FAILED, JobStatus.UNKNOWN, JobStatus.CANCELLED,
                                     JobStatus.REFUSED})),
    ("Dry-runs", frozenset({JobStatus.DRY_RUN})),
]


class QueueFilter(QSortFilterProxyModel):
    """Jobs with the chosen statuses, less the finished ones the artist cleared."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.statuses: frozenset[JobStatus] | None = None
        self.cleared_before: float | None = None
        self.setDynamicSortFilter(True)  # a job that changes status moves in or out
        # Repaint ticks (display or progress roles only) then skip the re-filter.
        self.setFilterRole(STATUS_ROLE)

    def set_statuses(self, statuses: frozenset[JobStatus] | None) -> None:
        self.beginFilterChange()
        self.statuses = statuses
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_cleared_before(self, when: float | None) -> None:
        self.beginFilterChange()
        self.cleared_before = when
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        source = self.sourceModel()
        job = source.job_at(source_row) if isinstance(source, QueueModel) else None
        if job is None:
            return False
        if self.statuses is not None and job.status not in self.statuses:
            return False
        return not (self.cleared_before is not None and job.status.terminal
                    and (job.finished_at or job.created_at) <= self.cleared_before)
