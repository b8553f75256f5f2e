"""What the Pods dock shows: the RunPod account and spend, GPU types with prices and
availability, templates, network volumes, and the pods (status, GPU, uptime, cost so far)
with Create, Start, Stop, Restart and Terminate. Everything goes through the studio's pods
service (core.pods); a timer refreshes it and runs the idle guard while the window is open.
The dock (dock.py) builds this panel when it is first opened or used."""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from studio.core.pods.service import PodEvent, PodView
from studio.providers.base import ProviderError
from studio.providers.runpod_pods import GpuType, NetworkVolume, Template
from studio.ui.session import Session

REFRESH_MS = 30_000
POD_COLUMNS = ("Name", "Status", "GPU", "Uptime", "$/h", "Cost so far", "ComfyUI server")


def uptime(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes // 60}:{minutes % 60:02d} h" if minutes >= 60 else f"{minutes} min"


def money(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"${value:.{digits}f}"


def _table(headers: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().hide()
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))
    table.resizeColumnsToContents()


class PodsPanel(QWidget):
    """What the dock shows: the account, the pods and the catalog tables, and the timer."""

    costChanged = Signal()  # the running pods or their cost changed (status bar)
    refreshed = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("podsPanel")
        self.session = session
        self.pods = session.studio.pods
        self.views: list[PodView] = []
        self.gpus: list[GpuType] = []
        self.gpu_source = ""
        self.templates: list[Template] = []
        self.volumes: list[NetworkVolume] = []
        self.question: QMessageBox | None = None
        body = QWidget()
        layout = QVBoxLayout(body)
        corner = QWidget()  # account and Refresh beside the tabs: one row less
        top = QHBoxLayout(corner)
        top.setContentsMargins(8, 0, 0, 2)
        self.account = QLabel("RunPod: not checked yet")
        self.account.setObjectName("podsAccount")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        top.addWidget(self.account, 1)
        top.addWidget(self.refresh_button)
        self.tabs = QTabWidget()
        self.tabs.setCornerWidget(corner, Qt.Corner.TopRightCorner)
        self.table = _table(POD_COLUMNS)
        self.table.setObjectName("podsTable")
        pods_page = QWidget()
        pods_layout = QVBoxLayout(pods_page)
        pods_layout.setContentsMargins(0, 0, 0, 0)
        buttons = QToolBar()  # overflows into a menu when the dock is narrow
        buttons.setObjectName("podsActions")
        self.buttons: dict[str, QPushButton] = {}
        for name in ("Create…", "Start", "Stop", "Restart", "Terminate"):
            button = self.buttons[name] = QPushButton(name)
            buttons.addWidget(button)
        self.buttons["Create…"].clicked.connect(self.open_create)
        for action in ("start", "stop", "restart"):
            self.buttons[action.title()].clicked.connect(
                lambda _=False, a=action: self.act_on_selected(a))
        self.buttons["Terminate"].clicked.connect(self.confirm_terminate)
        pods_layout.addWidget(buttons)
        pods_layout.addWidget(self.table)
        self.gpu_table = _table(("GPU", "VRAM", "Secure $/h", "Community $/h",
                                 "Stock (secure / community)"))
        self.template_table = _table(("Template", "Image", "Ports"))
        self.volume_table = _table(("Volume", "Size", "Data centre"))
        self.tabs.addTab(pods_page, "Pods")
        self.tabs.addTab(self.gpu_table, "GPU types")
        self.tabs.addTab(self.template_table, "Templates")
        self.tabs.addTab(self.volume_table, "Volumes")
        layout.addWidget(self.tabs)
        scroll = QScrollArea(self)  # the window may be small: the dock never forces it bigger
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self._unsubscribe = self.pods.on_event(self._pod_event)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        self._update_buttons()
        if self.pods.key() and self.pods.in_use():
            QTimer.singleShot(0, self.refresh)  # pods left running by an earlier run

    # -- reading -----------------------------------------------------------------------------

    def refresh(self) -> asyncio.Task[Any]:
        return self.session.spawn(self._refresh(), what="Refreshing pods")

    async def _refresh(self) -> None:
        self.refresh_button.setEnabled(False)
        try:
            problems = []
            for read in (self._read_pods, self._read_account, self._read_catalog):
                try:
                    await read()
                except ProviderError as exc:
                    problems.append(exc.message)
            if problems:
                self.account.setText(f"RunPod: {problems[0]}")
        finally:
            self.refresh_button.setEnabled(True)
            self.costChanged.emit()
            self.refreshed.emit()

    async def _read_pods(self) -> None:
        if not self.pods.key():
            return
        self.views = await self.pods.pods()
        self._fill_pods()

    async def _read_account(self) -> None:
        if not self.pods.key():
            self.account.setText("RunPod: no API key (Settings > Keys > RunPod); prices from "
                                 "the published list")
            return
        account = await self.pods.account()
        running = account["running"]
        self.account.setText(
            f"Balance {money(account['balance_usd'])} · spending "
            f"{money(account['spend_per_hr'])}/h · {running['pods']} pod(s) up")

    async def _read_catalog(self) -> None:
        self.gpus, self.gpu_source = await self.pods.gpu_types()
        _fill(self.gpu_table, [[g.name, f"{g.memory_gb or 0:g} GB", money(g.secure_price),
                                money(g.community_price),
                                " / ".join(dict.fromkeys(x or "?" for x in (g.stock,
                                                                         g.community_stock)))]
                               for g in self.gpus])
        if not self.pods.key():
            return
        self.templates = await self.pods.templates()
        _fill(self.template_table, [[t.name + (" (ComfyUI)" if t.is_comfyui and "comfyui" not in
                                                t.name.lower() else ""), t.image,
                                     ", ".join(t.ports)] for t in self.templates])
        self.volumes = await self.pods.volumes()
        _fill(self.volume_table, [[v.name, f"{v.size_gb or 0:g} GB", v.data_center]
                                  for v in self.volumes])

    def _fill_pods(self) -> None:
        selected = self.selected()
        _fill(self.table, [[v.pod.name, v.pod.status.title(),
                            f"{v.pod.gpu_count}× {v.pod.gpu_type}", uptime(v.uptime_seconds),
                            money(v.pod.cost_per_hr), money(v.cost_so_far, 4),
                            v.server or ("starting…" if v.pod.status not in
                                         ("EXITED", "TERMINATED") else "")]
                           for v in self.views])
        for row, view in enumerate(self.views):
            item = self.table.item(row, 0)
            if item is not None:
                item.setData(Qt.ItemDataRole.UserRole, view.pod.id)
            if selected is not None and view.pod.id == selected.pod.id:
                self.table.selectRow(row)
        self._update_buttons()
        self.costChanged.emit()

    def selected(self) -> PodView | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or rows[0].row() >= len(self.views):
            return None
        return self.views[rows[0].row()]

    def _update_buttons(self) -> None:
        view = self.selected()
        status = view.pod.status if view else ""
        self.buttons["Start"].setEnabled(status == "EXITED")
        self.buttons["Stop"].setEnabled(bool(view) and status not in ("EXITED", "TERMINATED"))
        self.buttons["Restart"].setEnabled(status == "RUNNING")
        self.buttons["Terminate"].setEnabled(view is not None)

    # -- acting ------------------------------------------------------------------------------

    def open_create(self) -> Any:
        from studio.ui.pods.create_dialog import CreatePodDialog

        decision = self.pods.decision()
        dialog = CreatePodDialog(self.gpus, self.templates, self.volumes, live=decision.live,
                                 reason=decision.reason, parent=self)
        dialog.accepted.connect(lambda: self.session.spawn(self._create(dialog.spec),
                                                           what="Creating a pod"))
        dialog.open()
        return dialog

    async def _create(self, spec: Any) -> None:
        if spec is None:
            return
        row = await self.pods.create(spec)
        self._report(row)
        if row.live and row.pod_id and not row.error:
            await self._read_pods()
            self.session.spawn(self._wait_ready(row.pod_id), what="Waiting for the pod")

    def act_on_selected(self, action: str) -> asyncio.Task[Any] | None:
        view = self.selected()
        if view is None:
            return None
        return self.session.spawn(self._act(view.pod.id, action), what=f"Pod {action}")

    async def _act(self, pod_id: str, action: Any) -> None:
        row = await self.pods.act(pod_id, action)
        self._report(row)
        await self._read_pods()
        self.costChanged.emit()
        if row.live and not row.error and action in ("start", "restart"):
            self.session.spawn(self._wait_ready(pod_id), what="Waiting for the pod")

    async def _wait_ready(self, pod_id: str) -> None:
        if await self.pods.wait_ready(pod_id) is not None:
            self.session.reload_catalog()
        await self._read_pods()
        self.costChanged.emit()

    def confirm_terminate(self) -> QMessageBox | None:
        view = self.selected()
        if view is None:
            return None
        pod = view.pod
        running = pod.up
        per_hour = self.pods.rate(pod.id)
        rate = (f" and costs {money(per_hour)} per hour while it runs"
                if per_hour is not None else "")
        text = (f"Terminate {pod.name}? It has cost {money(view.cost_so_far, 4)} so far{rate}."
                "\n\nTerminating deletes the pod for good: its container disk and pod volume "
                "(models, outputs, custom nodes not on a network volume) are lost, and it "
                "cannot be started again." + ("\n\nIt is running now." if running else ""))
        box = QMessageBox(QMessageBox.Icon.Warning, "Terminate the pod?", text,
                          QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("terminateConfirm")
        yes = box.addButton("Terminate", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)

        def decided(_result: int) -> None:
            if box.clickedButton() is yes:
                self.session.spawn(self._act(pod.id, "terminate"), what="Pod terminate")

        box.finished.connect(decided)
        self.question = box
        box.open()
        return box

    def _report(self, row: Any) -> None:
        price = f" at {money(row.usd_per_hour)}/h" if row.usd_per_hour is not None else ""
        if row.dry_run:
            self.session.toast.emit("info", f"Dry-run: {row.action}{price} recorded, not sent "
                                            f"({row.reason})")
        elif row.error:
            self.session.toast.emit("error", f"Pod {row.action} failed: {row.error}")
        else:
            self.session.toast.emit("success", f"Pod {row.action} sent{price}")

    # -- the timer and the guard -------------------------------------------------------------

    def tick(self) -> asyncio.Task[Any]:
        return self.session.spawn(self._tick(), what="Checking pods")

    async def _tick(self) -> None:
        await self.pods.check_idle()
        if self.pods.known or self.isVisible():
            await self._refresh()

    def _pod_event(self, event: PodEvent) -> None:
        if event.kind in ("idle_warning", "idle_stopped", "error"):
            level = {"idle_warning": "info", "idle_stopped": "success"}.get(event.kind, "error")
            self.session.toast.emit(level, event.message)
        if event.kind in ("registered", "unregistered"):
            self.session.reload_catalog()
        self.costChanged.emit()

    def stop_timers(self) -> None:
        self.timer.stop()
        self._unsubscribe()
