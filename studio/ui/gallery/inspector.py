"""The Inspector: where the selected asset or job came from. The request is shown as it
was sent (core masks secrets before storing it). "Use these settings" fills Compose."""

from __future__ import annotations

import json
import time
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDockWidget,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from studio.core.events import EventKind, StoreEvent
from studio.core.jobs import Asset, Job
from studio.ui.session import Session
from studio.ui.widgets import SPACING, format_usd, mono_font, status_color, status_label

FIELDS = ["Provider", "Model", "Mode", "Status", "Remote job id", "Seed", "Created",
          "Submitted", "Finished", "Latency", "Estimate", "Actual cost", "SHA-256", "File"]
LONG_VALUES = {"Remote job id", "SHA-256", "File"}
EMPTY_TEXT = ("Select a job in the Queue or an item in the Gallery to see its provider, "
              "request, timings and cost.")


def _when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if ts else "—"


class Inspector(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.job: Job | None = None
        self.asset: Asset | None = None
        self.title = QLabel(self)
        self.title.setObjectName("inspectorTitle")
        self.title.setProperty("role", "heading")
        self.title.setWordWrap(True)
        self.values: dict[str, QLabel | QLineEdit] = {}
        form = QFormLayout()
        form.setHorizontalSpacing(SPACING * 2)
        form.setVerticalSpacing(SPACING // 2)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for name in FIELDS:
            value: QLabel | QLineEdit
            if name in LONG_VALUES:  # one line that scrolls, so ids and paths copy whole
                value = QLineEdit("—", self)
                value.setReadOnly(True)
                value.setFrame(False)
                value.setProperty("role", "value")
                value.setMinimumWidth(60)
            else:
                value = QLabel("—", self)
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                value.setWordWrap(True)
            value.setObjectName("inspect_" + name.lower().replace(" ", "_").replace("-", ""))
            label = QLabel(name, self)
            label.setProperty("role", "muted")
            form.addRow(label, value)
            self.values[name] = value
        self.request = QPlainTextEdit(self)
        self.request.setObjectName("inspectorRequest")
        self.request.setReadOnly(True)
        self.request.setFont(mono_font())
        self.request.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.request.setMinimumHeight(160)
        self.use_button = QPushButton("Use these settings", self)
        self.use_button.setObjectName("useSettings")
        self.use_button.setToolTip("Fill Compose with this prompt, model and parameters "
                                   "(nothing is sent)")
        self.use_button.clicked.connect(self.use_settings)
        self.copy_button = QPushButton("Copy JSON", self)
        self.copy_button.clicked.connect(self._copy)
        buttons = QHBoxLayout()
        buttons.setSpacing(SPACING)
        buttons.addWidget(self.use_button)
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)

        details = QWidget(self)
        box = QVBoxLayout(details)
        box.setContentsMargins(SPACING, SPACING, SPACING, SPACING)
        box.setSpacing(SPACING)
        box.addWidget(self.title)
        box.addLayout(form)
        from studio.ui.assist import QualityPanel

        self.quality = QualityPanel(session, details)
        box.addWidget(self.quality)
        heading = QLabel("Request as sent", self)
        heading.setProperty("role", "heading")
        box.addWidget(heading)
        box.addWidget(self.request, 1)
        box.addLayout(buttons)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(details)
        self.empty = QLabel(EMPTY_TEXT, self)
        self.empty.setObjectName("inspectorEmpty")
        self.empty.setProperty("role", "muted")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setMargin(SPACING * 2)
        self.stack = QStackedLayout(self)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(scroll)
        session.jobSelected.connect(self.show_job)
        session.assetSelected.connect(self.show_asset)
        session.storeEvent.connect(self._on_event)

    # -- showing ------------------------------------------------------------------------

    def show_job(self, job_id: str) -> None:
        job = self.session.studio.job(job_id)
        if job is None:
            return
        assets = self.session.studio.job_assets(job_id)
        self._show(job, assets[0] if len(assets) == 1 else None)

    def show_asset(self, asset_id: str) -> None:
        asset = self.session.studio.asset(asset_id)
        if asset is None:
            return
        self._show(self.session.studio.job(asset.job_id), asset)

    def _show(self, job: Job | None, asset: Asset | None) -> None:
        self.job, self.asset = job, asset
        prov: dict[str, Any] = (asset.provenance or {}) if asset else {}
        timings = prov.get("timings") or {}
        def get(k, default=None):
            return (prov.get(k, getattr(job, k, default) if job else default))
        status = job.status.value if job else "unknown"
        color = status_color(status).name()
        what = "Output" if asset else "Job"
        self.title.setText(f"{what} <span style='color:{color}'>● {status_label(status)}</span>"
                           + (f" &nbsp;<span>{job.id}</span>" if job else ""))
        self.title.setTextFormat(Qt.TextFormat.RichText)
        pid = get("provider")
        entry = self.session.entry(pid) if pid else None
        provider = get("provider_name") or (entry.name if entry else pid) or "—"
        created = timings.get("created_at") or (job.created_at if job else None)
        submitted = timings.get("submitted_at") or (job.submitted_at if job else None)
        finished = timings.get("finished_at") or (job.finished_at if job else None)
        latency = timings.get("latency_seconds")
        if latency is None and submitted and finished:
            latency = finished - submitted
        status_text = status_label(status)
        if job and job.dry_run and job.dry_run_reason:
            status_text += f" — {job.dry_run_reason}"
        if job and job.error:
            status_text += f" — {job.error}"
        seed = prov.get("seed", job.seed if job else None)
        seed_req = prov.get("seed_requested", (job.request or {}).get("seed") if job else None)
        values = {
            "Provider": provider,
            "Model": get("model") or "—",
            "Mode": get("mode") or "—",
            "Status": status_text,
            "Remote job id": prov.get("remote_job_id") or (job.remote_id if job else None) or "—",
            "Seed": (f"{seed}" if seed is not None else "—")
            + (f" (requested {seed_req})" if seed_req is not None and seed_req != seed else ""),
            "Created": _when(created),
            "Submitted": _when(submitted),
            "Finished": _when(finished),
            "Latency": f"{latency:.2f} s" if latency is not None else "—",
            "Estimate": self._cost(prov.get("estimate") or (job.estimate if job else None)),
            "Actual cost": self._cost(prov.get("actual_cost")
                                      or (job.actual_cost if job else None)),
            "SHA-256": asset.sha256 if asset else "—",
            "File": asset.path if asset else "—",
        }
        for name, text in values.items():
            self.values[name].setText(str(text))
            if isinstance(self.values[name], QLineEdit):
                self.values[name].setCursorPosition(0)
                self.values[name].setToolTip(str(text))
        request = prov.get("request") or (job.prepared if job else None)
        self.request.setPlainText(json.dumps(request, indent=2, sort_keys=False)
                                  if request is not None else "(not prepared)")
        self.use_button.setEnabled(job is not None and bool(job.request))
        self.quality.show_asset(asset)
        self.stack.setCurrentIndex(1)

    @staticmethod
    def _cost(price: dict | None) -> str:
        if not price:
            return "—"
        text = format_usd(price)
        return f"{text} ({price['basis']})" if price.get("basis") else text

    def _on_event(self, event: StoreEvent) -> None:
        if self.job is not None and event.job_id == self.job.id and \
                event.kind is not EventKind.PROGRESS:
            if self.asset is not None:
                self.show_asset(self.asset.id)
            else:
                self.show_job(self.job.id)

    # -- actions ------------------------------------------------------------------------

    def use_settings(self) -> None:
        if self.job is not None and self.job.request:
            self.session.useRequest.emit(dict(self.job.request))

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.request.toPlainText())
        self.session.toast.emit("info", "Request copied to the clipboard (secrets masked).")


class InspectorDock(QDockWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("Inspector", parent)
        self.setObjectName("inspectorDock")
        self.inspector = Inspector(session, self)
        self.setWidget(self.inspector)
