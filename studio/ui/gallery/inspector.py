"""The Inspector: the picture it describes, and where the selected output or job came from.
The request is shown as it was sent (core masks secrets before storing it). Latency counts
from the moment the request started going out. "Use these settings" fills Compose."""

from __future__ import annotations

import json
import time
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDockWidget,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStackedLayout,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.events import EventKind, StoreEvent
from studio.core.jobs import Asset, Job
from studio.providers.base import Role
from studio.ui.iterate import AssetActions, DragSource, LineageTree, copy_assets
from studio.ui.session import Session
from studio.ui.widgets import (
    SPACING,
    THUMB_SIZE,
    FlowLayout,
    ImageLoader,
    format_usd,
    mono_font,
    status_color,
    status_label,
)

PREVIEW_HEIGHT = 200
LINEAGE_HEIGHT = 180

FIELDS = ["Provider", "Model", "Mode", "Status", "Remote job id", "Seed", "Created",
          "Submitted", "Finished", "Latency", "Estimate", "Actual cost", "SHA-256", "File"]
LONG_VALUES = {"Remote job id", "SHA-256", "File"}
EMPTY_TEXT = ("Select a job in the Queue or an item in the Gallery to see its provider, "
              "request, timings and cost.")


def _when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if ts else "—"


class Inspector(QWidget):
    def __init__(self, session: Session, loader: ImageLoader | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.loader = loader
        self.job: Job | None = None
        self.asset: Asset | None = None
        self.pictured: Asset | None = None
        self.title = QLabel(self)
        self.title.setObjectName("inspectorTitle")
        self.title.setProperty("role", "heading")
        self.title.setWordWrap(True)
        self.preview = QLabel(self)
        self.preview.setObjectName("inspectorPreview")
        self.preview.setAccessibleName("Picture of the selected output")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumHeight(64)
        self.preview.setMaximumHeight(PREVIEW_HEIGHT)
        self.preview.setProperty("role", "muted")
        self.preview_note = QLabel(self)
        self.preview_note.setProperty("role", "muted")
        self.preview_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if loader is not None:
            loader.loaded.connect(self._on_loaded)
        # Iterate on the output shown: its picture drags into Compose; buttons and the
        # picture's menu send it on; the lineage lists its parents and children.
        self.iterate = AssetActions(session, self, self._shown_ids, loader)
        self.preview.setToolTip("Drag into Compose; right-click for more")
        self.preview.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.preview.customContextMenuRequested.connect(self._preview_menu)
        self.drag = DragSource(self.preview, session.studio, self._shown_ids,
                               picture=self.preview.pixmap)
        self.iterate_box = QWidget(self)
        self.iterate_box.setObjectName("inspectorIterate")
        flow = FlowLayout(self.iterate_box, spacing=SPACING // 2)
        for action in (self.iterate.uses[Role.INPUT], self.iterate.uses[Role.REFERENCE],
                       self.iterate.mask_action, self.iterate.upscale_menu.menuAction(),
                       self.iterate.background_menu.menuAction(), self.iterate.vary_action,
                       self.iterate.vary_prompt_action):
            button = QToolButton(self.iterate_box)
            button.setDefaultAction(action)
            button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            flow.addWidget(button)
        self.lineage_heading = QLabel("Lineage", self)
        self.lineage_heading.setProperty("role", "heading")
        self.lineage = LineageTree(session, loader, self)
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
            value.setAccessibleName(name)
            form.addRow(label, value)
            self.values[name] = value
        self.request = QPlainTextEdit(self)
        self.request.setObjectName("inspectorRequest")
        self.request.setAccessibleName("Request as sent (secrets masked)")
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
        box.addWidget(self.preview)
        box.addWidget(self.preview_note)
        box.addWidget(self.iterate_box)
        box.addWidget(self.lineage_heading)
        box.addWidget(self.lineage)
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
        self._show(job, assets[0] if len(assets) == 1 else None, assets)

    def show_asset(self, asset_id: str) -> None:
        asset = self.session.studio.asset(asset_id)
        if asset is None:
            return
        self._show(self.session.studio.job(asset.job_id), asset, [asset])

    def _show(self, job: Job | None, asset: Asset | None, outputs: list[Asset]) -> None:
        self.job, self.asset = job, asset
        self.pictured = outputs[0] if outputs else None
        self._show_picture()
        self.preview_note.setText(f"1 of {len(outputs)} outputs (all are in the Gallery)"
                                  if len(outputs) > 1 else "")
        self.preview_note.setVisible(len(outputs) > 1)
        prov: dict[str, Any] = (asset.provenance or {}) if asset else {}
        timings = prov.get("timings") or {}
        def get(k, default=None):
            return (prov.get(k, getattr(job, k, default) if job else default))
        status = job.status.value if job else "unknown"
        color = status_color(status).name()
        what = "Output" if asset else "Job"
        sandbox = ""
        if job and job.sandbox:
            tint = status_color("sandbox").name()
            sandbox = f" <span style='color:{tint}'>● sandbox render</span>"
        self.title.setText(f"{what} <span style='color:{color}'>● {status_label(status)}</span>"
                           + sandbox + (f" &nbsp;<span>{job.id}</span>" if job else ""))
        self.title.setTextFormat(Qt.TextFormat.RichText)
        pid = get("provider")
        entry = self.session.entry(pid) if pid else None
        provider = get("provider_name") or (entry.name if entry else pid) or "—"
        if job and job.sandbox:
            provider += " (sandbox render: the local emulator, not the provider)"
        created = timings.get("created_at") or (job.created_at if job else None)
        submitted = timings.get("submitted_at") or (job.submitted_at if job else None)
        finished = timings.get("finished_at") or (job.finished_at if job else None)
        latency = self.session.studio.latency_seconds(job) if job else None
        if latency is None:
            latency = timings.get("latency_seconds")
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
        self._show_iterate()
        self.quality.show_asset(asset)
        self.stack.setCurrentIndex(1)

    def _shown_ids(self) -> list[str]:
        return [self.pictured.id] if self.pictured is not None else []

    def _show_iterate(self) -> None:
        self.iterate.update()
        self.iterate_box.setVisible(self.pictured is not None)
        has = self.lineage.show_asset(self.pictured.id if self.pictured else None)
        self.lineage_heading.setVisible(has)
        self.lineage.setVisible(has)
        self.lineage.setFixedHeight(self.lineage.fitting_height(LINEAGE_HEIGHT))

    def _preview_menu(self, pos: QPoint) -> QMenu | None:
        if self.pictured is None:
            return None
        menu = QMenu(self.preview)
        menu.addAction("Copy picture", lambda: copy_assets(self.session.studio,
                                                           self._shown_ids()))
        self.iterate.fill(menu)
        menu.popup(self.preview.mapToGlobal(pos))
        return menu

    def _show_picture(self) -> None:
        asset = self.pictured
        if asset is None or self.loader is None:
            self.preview.clear()
            self.preview.setText("No picture: a dry-run sends nothing and gets nothing back."
                                 if self.job is not None and self.job.dry_run else "No output")
            return
        pm = self.loader.thumbnail(asset.path, asset.sha256, asset.media_type, THUMB_SIZE)
        if pm is None:
            self.preview.setText("Loading…" if not self.loader.error(
                self.loader.thumb_key(asset.sha256)) else "No preview")
            return
        self.preview.setPixmap(pm.scaled(min(pm.width(), max(64, self.preview.width())),
                                         PREVIEW_HEIGHT, Qt.AspectRatioMode.KeepAspectRatio,
                                         Qt.TransformationMode.SmoothTransformation))
        self.preview.setToolTip(("Video — " if asset.media_type.startswith("video/") else "")
                                + f"{asset.width}×{asset.height}" if asset.width else "")

    def _on_loaded(self, key: str) -> None:
        if self.pictured is not None and self.loader is not None and \
                key == self.loader.thumb_key(self.pictured.sha256):
            self._show_picture()

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
        """Compose gets the seed the provider used, the inputs and the mask by asset id
        (with the roles they played) and the params."""
        if self.job is None:
            return
        try:
            request = self.session.studio.settings_of(self.asset.id if self.asset
                                                      else self.job.id)
        except (KeyError, ValueError) as exc:
            self.session.toast.emit("info", str(exc).strip("'\""))
            return
        self.session.useRequest.emit(request.model_dump(mode="json"))

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.request.toPlainText())
        self.session.toast.emit("info", "Request copied to the clipboard (secrets masked).")


class InspectorDock(QDockWidget):
    def __init__(self, session: Session, loader: ImageLoader | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__("Inspector", parent)
        self.setObjectName("inspectorDock")
        self.inspector = Inspector(session, loader, self)
        self.setWidget(self.inspector)
        self.setMinimumWidth(220)
