"""Export dialog: what to export (selection, compare group, the gallery's filter), where,
a naming template with a live preview of the names, optional C2PA signing, then a
background export with a progress bar and Cancel. Opened non-modally with open()."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QStringListModel, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.export.copies import (
    ExportCancelled,
    ExportError,
    ExportPlan,
    ExportResult,
    SignWith,
    export_async,
    plan_export,
)
from studio.core.export.credentials import LOCAL_SUBJECT, CredentialsError
from studio.core.export.names import DEFAULT_TEMPLATE, TEMPLATE_FIELDS, TemplateError
from studio.core.export.sources import ExportSource, SourceError
from studio.ui.session import Session
from studio.ui.widgets import SPACING

if TYPE_CHECKING:
    from studio.ui.gallery import GalleryTab

LOCAL_CHOICE = f"Studio certificate ({LOCAL_SUBJECT.split('(')[-1].rstrip(')')})"


@dataclass(frozen=True)
class SourceChoice:
    key: str
    label: str
    source: ExportSource


class _Progress(QObject):
    """Carries the worker thread's progress to the GUI thread (a queued signal)."""

    step = Signal(int, int, str)


class ExportDialog(QDialog):
    finishedExport = Signal(str)  # ok | cancelled | failed

    def __init__(self, session: Session, choices: list[SourceChoice],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export")
        self.session = session
        self.plan: ExportPlan | None = None
        self.result: ExportResult | None = None
        self._cancel: threading.Event | None = None
        self._task: asyncio.Task | None = None
        self._generation = 0
        self._progress = _Progress(self)
        self._progress.step.connect(self._on_step)

        self.source = QComboBox(self)
        self.source.setObjectName("exportSource")
        for choice in choices:
            self.source.addItem(choice.label, choice)
        settings = session.studio.settings
        default = settings.export_dir or str(Path.home() / "Provider Studio exports")
        self.destination = QLineEdit(default, self)
        self.destination.setObjectName("exportDestination")
        browse = QPushButton("Choose…", self)
        browse.clicked.connect(self._browse)
        self.template = QLineEdit(DEFAULT_TEMPLATE, self)
        self.template.setObjectName("exportTemplate")
        self.template.setToolTip("Fields: " + ", ".join(
            f"{{{k}}} {v}" for k, v in TEMPLATE_FIELDS.items()))
        self.sign = QCheckBox("Add content credentials (C2PA)", self)
        self.sign.setObjectName("exportSign")
        self.certificate = QComboBox(self)
        self.certificate.setObjectName("exportCertificate")
        self.certificate.addItems([LOCAL_CHOICE, "My certificate (PEM chain + key)"])
        self.chain = QLineEdit(self)
        self.chain.setPlaceholderText("certificate chain .pem")
        self.key = QLineEdit(self)
        self.key.setPlaceholderText("private key .pem")
        self.preview = QStringListModel(self)
        self.names = QListView(self)
        self.names.setObjectName("exportPreview")
        self.names.setModel(self.preview)
        self.names.setUniformItemSizes(True)
        self.summary = QLabel(self)
        self.summary.setObjectName("exportSummary")
        self.summary.setProperty("role", "muted")
        self.error = QLabel(self)
        self.error.setObjectName("exportError")
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.bar = QProgressBar(self)
        self.bar.setObjectName("exportProgress")
        self.status = QLabel(self)
        self.status.setObjectName("exportStatus")
        self.status.setWordWrap(True)
        self.start_button = QPushButton("Export", self)
        self.start_button.setObjectName("exportStart")
        self.start_button.setDefault(True)
        self.cancel_button = QPushButton("Close", self)
        self.cancel_button.setObjectName("exportCancel")

        where = QHBoxLayout()
        where.addWidget(self.destination, 1)
        where.addWidget(browse)
        cert = QHBoxLayout()
        for w in (self.certificate, self.chain, self.key):
            cert.addWidget(w)
        form = QFormLayout()
        form.addRow("Export", self.source)
        form.addRow("To folder", where)
        form.addRow("Names", self.template)
        form.addRow(self.sign)
        form.addRow("Sign with", cert)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        box = QVBoxLayout(self)
        box.setSpacing(SPACING)
        box.addLayout(form)
        box.addWidget(self.error)
        box.addWidget(self.summary)
        box.addWidget(self.names, 1)
        box.addWidget(self.bar)
        box.addLayout(buttons)
        self.resize(640, 520)

        self._debounce = QTimer(self, singleShot=True, interval=150)
        self._debounce.timeout.connect(self.refresh_preview)
        for edit in (self.destination, self.template):
            edit.textChanged.connect(self._debounce.start)
        self.source.currentIndexChanged.connect(self._debounce.start)
        self.sign.toggled.connect(self._update_signing)
        self.certificate.currentIndexChanged.connect(self._update_signing)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self._update_signing()
        self.refresh_preview()

    # -- preview ------------------------------------------------------------------------

    def refresh_preview(self) -> None:
        """Plan on a worker thread (store reads, a folder listing); stale answers are dropped."""
        self._debounce.stop()
        self._generation += 1
        generation = self._generation
        choice: SourceChoice | None = self.source.currentData()
        self.start_button.setEnabled(False)
        if choice is None:
            self._show_error("Nothing to export: select outputs in the gallery first.")
            return
        args = (self.session.studio, choice.source, self.destination.text().strip(),
                self.template.text())
        self.session.spawn(self._plan(generation, args), what="Export preview")

    async def _plan(self, generation: int, args: tuple) -> None:
        try:
            plan = await asyncio.to_thread(plan_export, *args)
        except (TemplateError, SourceError) as exc:
            if generation == self._generation:
                self._show_error(str(exc))
            return
        if generation != self._generation:
            return
        self.plan = plan
        self.error.clear()
        self.preview.setStringList(plan.names())
        n = len(plan.items)
        self.summary.setText(f"{n} file{'s' if n != 1 else ''}, each with a .json sidecar, "
                             f"and {plan.manifest_name} into {plan.destination}")
        self.start_button.setEnabled(self._task is None)

    def _show_error(self, text: str) -> None:
        self.plan = None
        self.error.setText(text)
        self.preview.setStringList([])
        self.summary.clear()

    # -- signing ------------------------------------------------------------------------

    def _update_signing(self) -> None:
        on = self.sign.isChecked()
        own = self.certificate.currentIndex() == 1
        self.certificate.setEnabled(on)
        self.chain.setVisible(on and own)
        self.key.setVisible(on and own)

    def signing(self) -> SignWith | None:
        """What to sign with; CredentialsError when "My certificate" lacks a path."""
        if not self.sign.isChecked():
            return None
        config_dir = self.session.studio.paths.config_dir
        if self.certificate.currentIndex() == 0:
            return SignWith(config_dir)
        chain, key = self.chain.text().strip(), self.key.text().strip()
        if not (chain and key):
            raise CredentialsError("give both your certificate chain (.pem) and its key")
        return SignWith(config_dir, chain, key)

    # -- running ------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._task is not None

    def start(self) -> None:
        if self.plan is None or self.running:
            return
        try:
            sign = self.signing()
        except CredentialsError as exc:
            self.status.setText(str(exc))
            return
        self._cancel = threading.Event()
        self.bar.setRange(0, len(self.plan.items))
        self.bar.setValue(0)
        self.status.setText("Exporting…")
        self.start_button.setEnabled(False)
        self.cancel_button.setText("Cancel")
        self._task = self.session.spawn(self._run(self.plan, sign, self._cancel),
                                        what="Export")

    async def _run(self, plan: ExportPlan, sign: SignWith | None,
                   cancel: threading.Event) -> None:
        outcome = "failed"
        try:
            self.result = await export_async(plan, self.session.studio.redactor, sign=sign,
                                             progress=self._progress.step.emit, cancel=cancel)
        except ExportCancelled:
            outcome = "cancelled"
            self.status.setText("Cancelled. Nothing was written.")
        except (ExportError, CredentialsError) as exc:
            self.status.setText(f"{exc}")
            self.session.toast.emit("error", f"Export failed: {exc}")
        else:
            outcome = "ok"
            n = len(self.result.files)
            text = f"Exported {n} file{'s' if n != 1 else ''} to {plan.destination}"
            self.status.setText(text)
            self.session.toast.emit("success", text)
            self._remember(plan.destination)
        finally:
            self._task = None
            self.cancel_button.setText("Close")
        self.finishedExport.emit(outcome)
        self.refresh_preview()  # the names just written are taken now

    def _remember(self, folder: Path) -> None:
        """The next export starts in the folder this one went to (settings.export_dir)."""
        settings = self.session.studio.settings
        if settings.export_dir != str(folder):
            self.session.apply_settings(settings.model_copy(update={"export_dir": str(folder)}))

    def _on_step(self, done: int, total: int, name: str) -> None:
        if self.running:
            self.bar.setValue(done)
            self.status.setText(f"{done} of {total}: {name}")

    def cancel(self) -> None:
        if self._cancel is not None and self.running:
            self._cancel.set()
            self.status.setText("Cancelling…")
        else:
            self.reject()

    def reject(self) -> None:
        if self.running and self._cancel is not None:
            self._cancel.set()  # closing mid-export cancels it; the worker cleans up
        super().reject()

    def _browse(self) -> None:
        dialog = QFileDialog(self, "Export to folder", self.destination.text())
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(self.destination.setText)
        dialog.open()  # never exec(): a nested loop inside the async loop fails


def source_choices(session: Session, gallery: GalleryTab, compare_group: str | None = None,
                   prefer_group: bool = False) -> list[SourceChoice]:
    """Selection, the compare group shown in Compare (first when Compare is in front), the
    current output's compare group, and the gallery's filter."""
    from studio.ui.gallery import ID_ROLE

    rows = sorted({i.row() for i in gallery.view.selectionModel().selectedIndexes()})
    if not rows and gallery.current_row() >= 0:
        rows = [gallery.current_row()]
    model = gallery.model
    ids = tuple(model.data(model.index(r), ID_ROLE) for r in rows)
    choices = []
    shown = None
    if compare_group:
        shown = SourceChoice("group", f"Compare group shown in Compare ({compare_group[:12]})",
                             ExportSource(group=compare_group))
        if prefer_group:
            choices.append(shown)
    if ids:
        choices.append(SourceChoice("selection", f"Selected outputs ({len(ids)})",
                                    ExportSource(asset_ids=ids)))
        found = session.studio.assets_with_jobs([ids[0]]).get(ids[0])
        if found is not None and found[1].compare_group not in (None, compare_group):
            group = found[1].compare_group
            choices.append(SourceChoice("group", f"Compare group of the selection "
                                                 f"({group[:12]})", ExportSource(group=group)))
    if shown is not None and not prefer_group:
        choices.append(shown)
    f = gallery.filters()
    if f.narrowed or f.stack is not None:  # a board, the trash, stacks, a sort: by id
        listed = tuple(gallery.shown_asset_ids())
        choices.append(SourceChoice("gallery", f"Everything the gallery shows ({len(listed)})",
                                    ExportSource(asset_ids=listed)))
        return choices
    n = model.rowCount()
    choices.append(SourceChoice("gallery", f"Everything the gallery shows ({n})", ExportSource(
        provider=f.provider, model=f.model, mode=f.mode, text=f.text,
        min_rating=f.min_rating, newest_first=f.newest_first)))
    return choices


def open_export_dialog(session: Session, gallery: GalleryTab, parent: QWidget, *,
                       compare_group: str | None = None,
                       prefer_group: bool = False) -> ExportDialog:
    dialog = ExportDialog(session, source_choices(session, gallery, compare_group,
                                                  prefer_group), parent)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog
