"""Batch from list: pick a text or CSV file, see its rows parsed with each row's problems,
pick the models (the catalog's picker), Send; then a progress bar for the batch (done of
total) with Cancel all, and Show in Gallery (stacked by batch).

Nothing is sent while a row has a problem. The rows are checked again whenever the models
change (a setting column must belong to one of them, each value must suit it). Sending
goes through the spend gate like Generate (an itemised confirmation above the per-action
amount), and one job after another: a budget that refuses a job stops the rest.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.core.batch_list import (
    FINISHED,
    BatchList,
    BatchListError,
    BatchPlan,
    BatchSender,
    plan_batch,
    read_list,
)
from studio.core.jobs import JobStatus
from studio.ui.catalog import ModelPicker
from studio.ui.session import Session
from studio.ui.widgets import SPACING, SpendGate, error_color

COLUMNS = ("Line", "Prompt", "Negative", "Seed", "Image", "Settings", "Problems")
PROBLEMS = COLUMNS.index("Problems")


class BatchDialog(QDialog):
    sent = Signal(str)  # batch id, once its jobs are written
    showInGallery = Signal(str)  # batch id

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.studio = session.studio
        self.batch: BatchList | None = None
        self.plan: BatchPlan | None = None
        self.batch_sender: BatchSender | None = None
        self.sending = False
        self.setObjectName("batchDialog")
        self.setWindowTitle("Batch from list")
        self.resize(960, 640)

        self.path = QLineEdit(self)
        self.path.setObjectName("batchFile")
        self.path.setPlaceholderText("A .txt file (one prompt per line) or a .csv file "
                                     "(prompt, negative, seed, image, one column per setting)")
        self.path.returnPressed.connect(lambda: self.load(self.path.text()))
        choose = QPushButton("Choose…", self)
        choose.setObjectName("batchChoose")
        choose.clicked.connect(self.ask_file)
        file_row = QHBoxLayout()
        file_row.addWidget(QLabel("List", self))
        file_row.addWidget(self.path, 1)
        file_row.addWidget(choose)

        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("batchPreview")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column in (0, 3, 5):  # line, seed, settings: as wide as what they hold
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(PROBLEMS, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(2, 110)
        header.resizeSection(4, 110)  # the image's file name; its full path in the tooltip
        self.table.setAccessibleName("Rows of the list, with their problems")

        self.targets = ModelPicker(session, self, checkable=True, name="batchTargets")
        self.targets.view.setAccessibleName("Send the list to: models")
        self.targets.targetsChanged.connect(self.replan)
        left = QWidget(self)
        lbox = QVBoxLayout(left)
        lbox.setContentsMargins(0, 0, 0, 0)
        lbox.addWidget(QLabel("Send to", left))
        lbox.addWidget(self.targets, 1)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(left)
        split.addWidget(self.table)
        split.setStretchFactor(1, 2)
        split.setSizes([300, 640])
        split.setChildrenCollapsible(False)

        self.summary = QLabel("Choose a list to see its rows.", self)
        self.summary.setObjectName("batchSummary")
        self.summary.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("batchProgress")
        self.progress.setFormat("%v of %m done")
        self.progress.setValue(0)
        self.progress.hide()
        self.progress_label = QLabel(self)
        self.progress_label.setObjectName("batchProgressLabel")
        self.progress_label.setProperty("role", "muted")
        self.send_button = QPushButton("Send", self)
        self.send_button.setObjectName("batchSend")
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(self.send)
        self.cancel_all = QPushButton("Cancel all", self)
        self.cancel_all.setObjectName("batchCancelAll")
        self.cancel_all.setToolTip("Stop sending and cancel every job of the batch that has "
                                   "not finished")
        self.cancel_all.clicked.connect(self.cancel)
        self.cancel_all.hide()
        self.gallery_button = QPushButton("Show in Gallery", self)
        self.gallery_button.setObjectName("batchShowGallery")
        self.gallery_button.clicked.connect(
            lambda: self.batch_sender and self.showInGallery.emit(self.batch_sender.batch_id))
        self.gallery_button.hide()
        close = QPushButton("Close", self)
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addWidget(self.progress_label)
        buttons.addStretch(0)
        buttons.addWidget(self.gallery_button)
        buttons.addWidget(self.cancel_all)
        buttons.addWidget(self.send_button)
        buttons.addWidget(close)

        box = QVBoxLayout(self)
        box.setSpacing(SPACING)
        box.addLayout(file_row)
        box.addWidget(split, 1)
        box.addWidget(self.summary)
        box.addLayout(buttons)
        session.storeEvent.connect(self._on_event)
        self._sync_buttons()

    # -- the list ---------------------------------------------------------------------

    def ask_file(self) -> None:
        dialog = QFileDialog(self, "Choose a list of prompts", "",
                             "Prompt lists (*.txt *.csv);;All files (*)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.load)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def load(self, path: str) -> bool:
        if self.sending:
            self._say("The batch is still being sent; wait for it (or Cancel all) before "
                      "choosing another list.", error=True)
            return False
        self._reset_progress()
        self.path.setText(path)
        try:
            self.batch = read_list(Path(path))
        except BatchListError as exc:
            self.batch, self.plan = None, None
            self.table.setRowCount(0)
            self._say(f"{Path(path).name}: {exc}", error=True)
            self._sync_buttons()
            return False
        self.replan()
        return True

    def replan(self) -> None:
        if self.batch is None or self.sending:
            return
        rows = copy.deepcopy(self.batch)  # a plan adds its problems to the rows
        targets = self.targets.checked()
        self.plan = None
        message = ""
        if targets:
            try:
                self.plan = plan_batch(self.studio, rows, targets)
            except BatchListError as exc:
                message = str(exc)
        self._fill(rows)
        bad = sum(1 for r in rows.rows if r.errors)
        n = len(rows.rows)
        if message:
            self._say(message, error=True)
        elif bad:
            self._say(f"{bad} of {n} rows have problems (in red): fix the list and choose it "
                      "again. Nothing is sent while a row has a problem.", error=True)
        elif not targets:
            self._say(f"{n} rows read. Check the models to send them to.")
        else:
            self._say(f"{n} rows × {len(targets)} model(s) = {n * len(targets)} jobs, "
                      "sent as one batch.")
        self._sync_buttons()

    def _fill(self, batch: BatchList) -> None:
        self.table.setRowCount(len(batch.rows))
        red = error_color()
        for i, row in enumerate(batch.rows):
            settings = ", ".join(f"{k}={v}" for k, v in row.params.items())
            image = row.image or ""
            shown = ("(data URI)" if image.startswith("data:") else image
                     if image.startswith(("asset:", "http")) else Path(image).name)
            cells = (str(row.line), row.prompt, row.negative or "",
                     "" if row.seed is None else str(row.seed), shown, settings,
                     "; ".join(row.errors))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(image if column == 4 else text)
                if row.errors:
                    item.setForeground(red)
                self.table.setItem(i, column, item)
        self.table.resizeColumnToContents(0)
        # The Image column only for lists that have one.
        self.table.setColumnHidden(COLUMNS.index("Image"),
                                   not any(row.image for row in batch.rows))

    def row_problems(self) -> dict[int, str]:
        """{line: problems} as the table shows them (for tests and screen readers)."""
        out = {}
        for i in range(self.table.rowCount()):
            problems = self.table.item(i, PROBLEMS)
            line = self.table.item(i, 0)
            if problems is not None and line is not None and problems.text():
                out[int(line.text())] = problems.text()
        return out

    def _reset_progress(self) -> None:
        self.batch_sender = None
        self.progress.hide()
        self.progress_label.clear()
        self.cancel_all.hide()
        self.gallery_button.hide()
        self.targets.setEnabled(True)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.summary.setText(text)
        self.summary.setProperty("role", "error" if error else "")
        self.summary.style().unpolish(self.summary)
        self.summary.style().polish(self.summary)

    def _sync_buttons(self) -> None:
        ready = self.plan is not None and self.plan.ok and not self.sending
        self.send_button.setEnabled(ready)
        self.send_button.setToolTip("" if ready else "Choose a list without problems and at "
                                                     "least one model")

    # -- sending ----------------------------------------------------------------------

    def send(self) -> None:
        if self.plan is None or not self.plan.ok or self.sending:
            return
        SpendGate.of(self.session).ask(self, self.plan.requests, self._send_now)

    def _send_now(self) -> None:
        assert self.plan is not None
        self.batch_sender = BatchSender(self.studio, self.plan)
        self.sending = True
        self.progress.setRange(0, self.batch_sender.total)
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_all.show()
        self.cancel_all.setEnabled(True)
        self.gallery_button.show()
        self.targets.setEnabled(False)
        sender = self.batch_sender
        self._say(f"Sending {sender.total} jobs as batch {sender.batch_id}, one after "
                  "another; the Queue shows each one.")
        self._sync_buttons()
        self.session.spawn(self._send(self.batch_sender), what="Sending the batch")

    async def _send(self, sender: BatchSender) -> None:
        try:
            outcome = await sender.send()
        finally:
            self.sending = False
        self.sent.emit(sender.batch_id)
        if outcome.message:
            self._say(outcome.message, error=True)
            self.session.toast.emit("error", outcome.message)
        elif not sender.cancelled:
            self._say(f"Batch {sender.batch_id}: all {sender.total} jobs sent. Show in "
                      "Gallery stacks its outputs together.")
        self._update_progress()

    def cancel(self) -> None:
        if self.batch_sender is None:
            return
        self.cancel_all.setEnabled(False)
        self.session.spawn(self._cancel(self.batch_sender), what="Cancelling the batch")

    async def _cancel(self, sender: BatchSender) -> None:
        await sender.cancel()
        self._update_progress()
        self.session.toast.emit("info", "Batch cancelled: nothing more is sent.")

    def _on_event(self, event: Any) -> None:
        if self.batch_sender is not None and event.job_id in {j.id for j in self.batch_sender.jobs}:
            self._update_progress()

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for job in self.batch_sender.jobs if self.batch_sender else []:
            now = self.studio.job(job.id) or job
            out[now.status.value] = out.get(now.status.value, 0) + 1
        return out

    def _update_progress(self) -> None:
        if self.batch_sender is None:
            return
        counts = self.counts()
        outcome = self.batch_sender.outcome
        stopped = outcome is not None and outcome.not_sent > 0
        total = len(self.batch_sender.jobs) if stopped else self.batch_sender.total
        done = sum(n for s, n in counts.items() if JobStatus(s) in FINISHED)
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        parts = [f"{n} {s.replace('_', '-')}" for s, n in sorted(counts.items())
                 if JobStatus(s) in FINISHED and s != "succeeded"]
        text = f"{counts.get('succeeded', 0)} succeeded" + (f", {', '.join(parts)}"
                                                              if parts else "")
        if stopped and outcome is not None:
            text += f"; {outcome.not_sent} not sent"
        self.progress_label.setText(text)
        finished = done >= total and not self.sending
        self.cancel_all.setEnabled(not finished and not self.batch_sender.cancelled)

