"""The Queue dock: jobs with status, progress, times and cost; cancel, retry, check
again, open log, reveal output, copy request; a status filter and "Clear finished" (from
the view only). Toasts and desktop notifications for jobs that end live in
queue/notices.py.

Retry sends again only the selected jobs that finished unsuccessfully; running a job that
succeeded again asks first, with its price, when it would be sent live. Check again asks
the provider about `unknown` and `failed` jobs that have a remote id. The view shows the
model through a filter proxy: rows are mapped through it wherever jobs are picked.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QPoint,
    QRect,
    QRectF,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QDesktopServices,
    QGuiApplication,
    QKeySequence,
    QPainter,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QSizePolicy,
    QStackedLayout,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from studio.core.jobs import Job, JobBusy, JobStatus, NotRecoverable
from studio.ui.queue.model import (
    FILTERS,
    JOB_ROLE,
    PROGRESS_ROLE,
    STATUS,
    QueueFilter,
    QueueModel,
)
from studio.ui.queue.rerun import can_check_again, rerun_cost, to_retry, to_run_again
from studio.ui.session import Session
from studio.ui.widgets import SPACING, paint_badge, status_color


class StatusDelegate(QStyledItemDelegate):
    """A bar while a job is active (its share when the provider reports progress, a moving
    segment when it does not), a coloured status pill once it has ended."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        job: Job = index.data(JOB_ROLE)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget else None
        if style:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        rect = option.rect.adjusted(4, 4, -6, -4)
        color = status_color(job.status.value)
        backdrop = option.palette.base().color()
        if not job.status.active:
            paint_badge(painter, rect, text, color, backdrop)
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(color)
        painter.setBrush(backdrop)
        painter.drawRoundedRect(QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5), 4, 4)
        fill = QColor(color)
        fill.setAlpha(70)
        inner = rect.adjusted(2, 2, -1, -1)
        if job.progress is not None:
            chunk = QRect(inner.left(), inner.top(), round(inner.width() * job.progress),
                          inner.height())
            text = f"{text} {round(job.progress * 100)}%"
        else:  # no percentage from the provider: a segment sweeps across
            width = max(16, inner.width() // 4)
            phase = (time.monotonic() * 0.6) % 1.0
            chunk = QRect(inner.left() + round((inner.width() - width) * phase), inner.top(),
                          width, inner.height())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(QRectF(chunk), 3, 3)
        painter.setPen(option.palette.text().color())
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()


class QueueDock(QDockWidget):
    jobSelected = Signal(str)
    activityChanged = Signal(int, object)  # jobs running, their mean progress or None

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("Queue", parent)
        self.setObjectName("queueDock")
        self.session = session
        self.studio = session.studio
        self.model = QueueModel(session, parent=self)
        self.proxy = QueueFilter(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.set_cleared_before(session.preferences().queue_cleared_before)
        self.view = QTableView(self)
        self.view.setObjectName("queueView")
        self.view.setAccessibleName("Jobs")
        self.view.setModel(self.proxy)
        self.view.setItemDelegateForColumn(STATUS, StatusDelegate(self.view))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(28)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        header = self.view.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        for col, width in enumerate([90, 190, 260, 150, 80, 70, 80, 70]):
            self.view.setColumnWidth(col, width)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.view.selectionModel().selectionChanged.connect(self._on_selection)

        self.empty = QLabel(self)
        self.empty.setObjectName("queueEmpty")
        self.empty.setProperty("role", "muted")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)

        self.actions_ = self._make_actions()
        from studio.ui.queue.sending import SendingControls

        self.sending = SendingControls(self, self)  # pause sending, the order waiting jobs go in
        self.model.status_note = self.sending.status_suffix
        toolbar = QToolBar("Queue actions", self)
        toolbar.setObjectName("queueToolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in self.actions_.values():
            toolbar.addAction(action)
        toolbar.addSeparator()
        toolbar.addAction(self.sending.pause_action)
        self.status_filter = QComboBox(self)
        self.status_filter.setObjectName("queueFilter")
        self.status_filter.setAccessibleName("Show jobs")
        self.status_filter.setToolTip("Show only jobs in this state")
        for label, statuses in FILTERS:
            self.status_filter.addItem(label, statuses)
        self.status_filter.currentIndexChanged.connect(
            lambda _i: self.set_filter(self.status_filter.currentData()))
        toolbar.addWidget(self.status_filter)
        self.clear_action = QAction("Clear finished", self)
        self.clear_action.setObjectName("queue_clear")
        self.clear_action.setToolTip("Hide every job that has ended from this list (they stay "
                                     "in the gallery, the database and the logs)")
        self.clear_action.triggered.connect(self.clear_finished)
        toolbar.addAction(self.clear_action)
        self.summary = QLabel(self)
        self.summary.setProperty("role", "muted")
        spacer = QWidget(self)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        toolbar.addWidget(self.summary)

        self.stack = QStackedLayout()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty)
        body = QWidget(self)
        box = QVBoxLayout(body)
        box.setContentsMargins(SPACING, 0, SPACING, SPACING)
        box.setSpacing(SPACING // 2)
        box.addWidget(toolbar)
        box.addWidget(self.sending.banner)
        box.addLayout(self.stack, 1)
        self.setWidget(body)

        self._pending_select: str | None = None
        # Bursts of job events (200 jobs landing at once) refresh the actions once.
        self._state_timer = QTimer(self, singleShot=True, interval=30)
        self._state_timer.timeout.connect(self._refresh_state)
        self.proxy.rowsInserted.connect(self._on_rows_inserted)
        for signal in (self.proxy.rowsInserted, self.proxy.rowsRemoved, self.proxy.modelReset,
                       self.proxy.layoutChanged):
            signal.connect(self._state_timer.start)
        self.model.dataChanged.connect(self._on_data_changed)
        session.catalogChanged.connect(self._state_timer.start)  # the empty text says what is live
        self._tick = QTimer(self, interval=1000)
        self._tick.timeout.connect(self.model.tick)
        self._tick.timeout.connect(self._report_activity)
        self._tick.start()
        # Only repaints the status cells of active jobs; runs while any job is active.
        self._sweep = QTimer(self, interval=80)
        self._sweep.timeout.connect(self.model.sweep)
        # Another process's writes reach us as no event: its unfinished jobs (only those)
        # are read again now and then.
        self._elsewhere = QTimer(self, interval=3000)
        self._elsewhere.timeout.connect(self.model.refresh_elsewhere)
        self._elsewhere.start()
        self.confirm: QMessageBox | None = None  # the open "Run again?" question, if any
        self._refresh_state()

    def stop_timers(self) -> None:
        self._tick.stop()
        self._sweep.stop()
        self._elsewhere.stop()

    def _make_actions(self) -> dict[str, QAction]:
        def act(name: str, text: str, tip: str, slot, shortcut=None) -> QAction:
            a = QAction(text, self)
            a.setObjectName(f"queue_{name}")
            a.setToolTip(tip)
            a.triggered.connect(slot)
            if shortcut:
                a.setShortcut(QKeySequence(shortcut))
                a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                self.view.addAction(a)
            return a

        return {
            "cancel": act("cancel", "Cancel", "Stop the selected jobs (Del)", self.cancel_selected,
                          QKeySequence.StandardKey.Delete),
            "retry": act("retry", "Retry", "Send the failed, unknown or cancelled jobs again "
                         "as new jobs (Ctrl+R); a job that succeeded asks first",
                         self.retry_selected, "Ctrl+R"),
            "check": act("check", "Check again", "Ask the provider about a job whose outcome "
                         "is unknown or whose download failed, and fetch what is there",
                         self.check_again_selected),
            "log": act("log", "Open log", "Open this job's log file", self.open_log),
            "reveal": act("reveal", "Reveal output", "Show the output folder", self.reveal_output),
            "copy": act("copy", "Copy request", "Copy the HTTP request as sent (JSON, secrets "
                        "masked)", self.copy_request, QKeySequence.StandardKey.Copy),
        }

    # -- selection ----------------------------------------------------------------------

    def job_at(self, row: int) -> Job | None:
        """The job on a row of the view (filtered), not of the model."""
        source = self.proxy.mapToSource(self.proxy.index(row, 0))
        return self.model.job_at(source.row()) if source.isValid() else None

    def row_of(self, job_id: str) -> int:
        """The view's row of a job, -1 when it is not shown."""
        row = self.model.row_of(job_id)
        return self.proxy.mapFromSource(self.model.index(row, 0)).row() if row >= 0 else -1

    def selected_jobs(self) -> list[Job]:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        return [j for r in rows if (j := self.job_at(r)) is not None]

    def select_job(self, job_id: str) -> None:
        """Select a job now, or as soon as its row arrives (store events are queued)."""
        row = self.row_of(job_id)
        self._pending_select = None if row >= 0 else job_id
        if row >= 0:
            # Never selectRow: with Ctrl still held (Ctrl+Return, Ctrl+R) it adds the row to
            # the selection, and the next Ctrl+R would act on the old jobs too.
            flags = (QItemSelectionModel.SelectionFlag.ClearAndSelect
                     | QItemSelectionModel.SelectionFlag.Rows)
            self.view.selectionModel().setCurrentIndex(self.proxy.index(row, 0), flags)
            self.view.scrollTo(self.proxy.index(row, 0))

    def _on_rows_inserted(self, *_: object) -> None:
        if self._pending_select and self.row_of(self._pending_select) >= 0:
            self.select_job(self._pending_select)

    # -- filter and clear ---------------------------------------------------------------

    def set_filter(self, statuses) -> None:
        self.proxy.set_statuses(statuses)
        self._refresh_state()

    def clear_finished(self) -> None:
        """Hide the jobs that have ended (remembered across restarts); nothing is deleted."""
        now = time.time()
        prefs = self.session.preferences().model_copy(update={"queue_cleared_before": now})
        self.session.save_preferences(prefs)
        self.proxy.set_cleared_before(now)
        self._refresh_state()

    def _on_selection(self, *_: object) -> None:
        jobs = self.selected_jobs()
        if len(jobs) == 1:
            self.session.jobSelected.emit(jobs[0].id)
        self._refresh_state()

    def _on_data_changed(self, _top, _bottom, roles=()) -> None:
        if PROGRESS_ROLE not in roles and Qt.ItemDataRole.DisplayRole not in roles:
            self._state_timer.start()  # a job changed (not just a repaint tick)

    def _refresh_state(self, *_: object) -> None:
        shown = self.proxy.rowCount()
        if not self.model.rowCount():
            self.empty.setText(empty_text(self.session))
        elif not shown:
            self.empty.setText(f"No jobs to show under “{self.status_filter.currentText()}”"
                               + (" since you cleared the finished ones." if
                                  self.proxy.cleared_before else "."))
        self.stack.setCurrentWidget(self.view if shown else self.empty)
        jobs = self.selected_jobs()
        one = jobs[0] if len(jobs) == 1 else None
        a = self.actions_
        a["cancel"].setEnabled(any(j.status.active for j in jobs))
        a["retry"].setEnabled(bool(to_retry(jobs) or to_run_again(jobs)))
        a["retry"].setText("Retry" if to_retry(jobs) or not jobs else "Run again…")
        a["check"].setEnabled(any(can_check_again(j) for j in jobs))
        a["log"].setEnabled(one is not None)
        a["reveal"].setEnabled(one is not None and one.status == JobStatus.SUCCEEDED)
        a["copy"].setEnabled(one is not None and one.prepared is not None)
        active = self.model.active_count()
        if active and not self._sweep.isActive() and self._tick.isActive():
            self._sweep.start()
        elif not active:
            self._sweep.stop()
        self.clear_action.setEnabled(any(
            (j := self.job_at(r)) is not None and j.status.terminal for r in range(shown)))
        self.summary.setText(f"{active} running · {shown} shown" if self.model.rowCount()
                             else "")
        self.sending.update_actions()
        self._report_activity()

    def _report_activity(self) -> None:
        self.activityChanged.emit(self.model.active_count(), self.model.active_progress())

    def _context_menu(self, pos: QPoint) -> None:
        if not self.view.indexAt(pos).isValid():
            return
        menu = QMenu(self)
        for action in self.actions_.values():
            menu.addAction(action)
        menu.addSeparator()
        for action in self.sending.actions():
            menu.addAction(action)
        menu.popup(self.view.viewport().mapToGlobal(pos))

    # -- actions ------------------------------------------------------------------------

    def cancel_selected(self) -> None:
        for job in self.selected_jobs():
            if job.status.active:
                self.session.spawn(self.studio.cancel(job.id), what="Cancelling")

    def retry_selected(self) -> None:
        """Retry the selected jobs that finished unsuccessfully; with none of those, offer
        to run the succeeded ones again (asking first when that would be charged)."""
        jobs = self.selected_jobs()
        failed = to_retry(jobs)
        if failed:
            self._rerun(failed)
            return
        done = to_run_again(jobs)
        if not done:
            return
        cost = rerun_cost(self.studio, done)
        if cost.live == 0:  # dry-runs again: nothing is sent, nothing to ask
            self._rerun(done)
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Run again?", cost.question,
                          QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("rerunConfirm")
        run = box.addButton("Run again", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)  # Return never pays
        box.finished.connect(lambda _r: self._rerun(done) if box.clickedButton() is run
                             else None)
        box.finished.connect(box.deleteLater)
        self.confirm = box
        box.open()  # never exec(): a nested loop inside the async loop fails

    def _rerun(self, jobs: list[Job]) -> None:
        for job in jobs:
            self.session.spawn(self._retry(job.id), what="Retrying")

    async def _retry(self, job_id: str) -> str:
        new = await self.studio.retry(job_id)
        self.select_job(new.id)
        return new.id

    def check_again_selected(self) -> None:
        for job in self.selected_jobs():
            if can_check_again(job):
                self.session.spawn(self._check_again(job.id), what="Checking again")

    async def _check_again(self, job_id: str) -> None:
        try:
            await self.studio.check_again(job_id)
        except (NotRecoverable, JobBusy) as exc:
            self.session.toast.emit("error", str(exc))
            return
        self.session.toast.emit("info", "Asking the provider again…")

    def open_log(self) -> None:
        jobs = self.selected_jobs()
        if not jobs:
            return
        path = self.studio.paths.job_log(jobs[0].provider, jobs[0].id)
        if not path.exists():
            self.session.toast.emit("info", "This job has no log yet.")
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def reveal_output(self) -> None:
        jobs = self.selected_jobs()
        if not jobs:
            return
        assets = self.studio.job_assets(jobs[0].id)
        target = Path(assets[0].path).parent if assets else (
            self.studio.paths.assets_dir / jobs[0].id)
        if not target.exists():
            self.session.toast.emit("info", "The output folder does not exist.")
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(target)))

    def copy_request(self) -> None:
        jobs = self.selected_jobs()
        if not jobs or jobs[0].prepared is None:
            return
        text = json.dumps(jobs[0].prepared, indent=2)
        QGuiApplication.clipboard().setText(text)
        self.session.toast.emit("info", "Request copied to the clipboard (secrets masked).")


def empty_text(session: Session) -> str:
    """The empty Queue teaches what Generate will do: live here, or dry-runs and why (from
    the catalog the session holds, as the Providers dock shows it)."""
    text = "No jobs yet. Press Generate in Compose (Ctrl+Return); every job shows up here."
    if session.studio.sandbox_live:
        return text + (" In the sandbox every job runs live against the local emulator, at no "
                       "cost, whatever the flags in Settings say.")
    live = [e.name for e in session.entries() if e.status in ("live", "low-quota")]
    if live:
        return text + f" Live now: {', '.join(live)}. The others are dry-runs (nothing is sent)."
    return text + (" Nothing is live yet, so jobs are dry-runs: the exact request and its price "
                   "are recorded and nothing is sent. Turn a provider family on and add its key "
                   "in Settings (Ctrl+,).")
