"""The Dashboard tab: Spend & speed as charts, a period selector, PNG and CSV export.

It reads `Studio.stats` (core.stats) and redraws when jobs finish or votes are cast
(store events), at most every REFRESH_MS, and only while it is visible (else on show)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from PySide6.QtCharts import QChart, QChartView
from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from studio.core.events import EventKind, StoreEvent
from studio.ui.dashboard import charts
from studio.ui.session import Session

PERIODS = ((7, "Last 7 days"), (30, "Last 30 days"), (90, "Last 90 days"),
           (365, "Last 12 months"))
REFRESH_MS = 400
_FINISHED = ("succeeded", "failed", "cancelled", "unknown", "dry_run", "refused")


class DashboardTab(QWidget):
    refreshed = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboardTab")
        self.session = session
        self.data: dict[str, Any] | None = None
        self._dirty = True
        self._reading: asyncio.Task[Any] | None = None
        self._again = False
        self.period = QComboBox(self)
        self.period.setAccessibleName("Period")
        for days, label in PERIODS:
            self.period.addItem(label, days)
        self.period.setCurrentIndex(1)
        self.grouping = QComboBox(self)
        self.grouping.setAccessibleName("Spend per")
        self.grouping.addItems(["Per day", "Per week"])
        self.model_box = QComboBox(self)
        self.model_box.setAccessibleName("Histogram model")
        self.model_box.setMinimumContentsLength(18)
        self.model_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        refresh = QPushButton("Refresh", self)
        self.png_button = QPushButton("Export PNG…", self)
        self.csv_button = QPushButton("Export CSV…", self)
        self.summary = QLabel(self)
        self.summary.setObjectName("dashboardSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        bar = QHBoxLayout()
        bar.addWidget(QLabel("Period", self))
        bar.addWidget(self.period)
        bar.addWidget(self.grouping)
        bar.addStretch(1)
        bar.addWidget(refresh)
        bar.addWidget(self.png_button)
        bar.addWidget(self.csv_button)

        self.views = {key: self._chart_view(key) for key in
                      ("spend", "latency", "histogram", "outcomes", "scoreboard")}
        self.content = QWidget()
        self.content.setObjectName("dashboardCharts")
        self.grid = QGridLayout(self.content)
        self.grid.setContentsMargins(0, 0, 0, 0)
        histogram = QWidget(self.content)
        column = QVBoxLayout(histogram)
        column.setContentsMargins(0, 0, 0, 0)
        pick = QHBoxLayout()
        pick.addWidget(QLabel("Model", histogram))
        pick.addWidget(self.model_box, 1)
        column.addLayout(pick)
        column.addWidget(self.views["histogram"], 1)
        self.cards: list[QWidget] = [self.views["spend"], self.views["latency"], histogram,
                                     self.views["outcomes"], self.views["scoreboard"]]
        self._columns = 0
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.content)
        self.scroll_area = scroll
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.summary)
        layout.addWidget(scroll, 1)
        self._lay_out(2)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self.period.currentIndexChanged.connect(self.refresh)
        self.grouping.currentIndexChanged.connect(self._draw)
        self.model_box.currentIndexChanged.connect(self._draw_histogram)
        refresh.clicked.connect(self.refresh)
        self.png_button.clicked.connect(self._ask_png)
        self.csv_button.clicked.connect(self._ask_csv)
        session.storeEvent.connect(self._on_event)

    def _chart_view(self, key: str) -> QChartView:
        view = QChartView(self)
        view.setObjectName(f"chart_{key}")
        view.setRenderHint(QPainter.RenderHint.Antialiasing)
        view.setMinimumSize(320, 320 if key in ("latency", "scoreboard") else 270)
        view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        return view

    def _lay_out(self, columns: int) -> None:
        if columns == self._columns:
            return
        self._columns = columns
        for card in self.cards:
            self.grid.removeWidget(card)
        # Charts with a category per model or day span the width; the two small ones
        # (histogram, success rates) share a row when there is room.
        spend, latency, histogram, outcomes, scoreboard = self.cards
        self.grid.addWidget(spend, 0, 0, 1, columns)
        self.grid.addWidget(latency, 1, 0, 1, columns)
        self.grid.addWidget(histogram, 2, 0)
        self.grid.addWidget(outcomes, 2 + (columns == 1), columns - 1)
        self.grid.addWidget(scoreboard, 4, 0, 1, columns)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._lay_out(1 if event.size().width() < 760 else 2)

    # -- data ---------------------------------------------------------------------------

    @property
    def days(self) -> int:
        return int(self.period.currentData())

    def _on_event(self, event: StoreEvent) -> None:
        job = event.job
        finished = (event.kind is EventKind.STATUS_CHANGED and job is not None
                    and job.status.value in _FINISHED)
        if finished or event.kind is EventKind.VOTE_CAST:
            self._dirty = True
            if self.isVisible():
                self._timer.start()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._dirty:
            self.refresh()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._draw()  # the charts take the theme (light or dark) when they are made

    def refresh(self) -> None:
        """Read the figures again in a worker thread (10,000 jobs take 0.1-0.2 s:
        bench/dashboard_stats.py), then redraw; one read at a time, the last ask wins."""
        self._dirty = False
        if self._reading is not None:
            self._again = True
            return
        self._reading = self.session.spawn(self._read(self.days), what="Reading the dashboard")

    async def _read(self, days: int) -> None:
        try:
            data = await asyncio.to_thread(self.session.studio.stats, days)
        finally:
            self._reading = None
        if self.session.closed:
            return
        if self._again or days != self.days:
            self._again = False
            self.refresh()
            return
        self.data = data
        self._draw()
        self.refreshed.emit()

    def _name(self, provider: str, model: str) -> str:
        return self.session.model_name(provider, model)

    def _draw(self) -> None:
        data = self.data
        if data is None:
            return
        by_week = self.grouping.currentIndex() == 1
        self.views["spend"].setChart(charts.spend_chart(data, by_week))
        self.views["latency"].setChart(charts.latency_chart(data, self._name))
        self.views["outcomes"].setChart(charts.outcomes_chart(data))
        self.views["scoreboard"].setChart(charts.scoreboard_chart(data, self._name))
        current = self.model_box.currentData()
        self.model_box.blockSignals(True)
        self.model_box.clear()
        for m in data["latency"]:
            self.model_box.addItem(f"{m['provider']}: {self._name(m['provider'], m['model'])}",
                                   m["target"])
        index = self.model_box.findData(current)
        self.model_box.setCurrentIndex(max(index, 0))
        self.model_box.blockSignals(False)
        self._draw_histogram()
        self.summary.setText(summary(data))

    def _draw_histogram(self) -> None:
        if self.data is None:
            return
        target = self.model_box.currentData()
        model = next((m for m in self.data["latency"] if m["target"] == target), None)
        self.views["histogram"].setChart(charts.histogram_chart(model, self._name))

    def chart(self, key: str) -> QChart:
        return self.views[key].chart()

    # -- export -------------------------------------------------------------------------

    def export_png(self, path: Path) -> bool:
        """Every chart as one picture (the whole grid, scrolled or not)."""
        return self.content.grab().save(str(path), "PNG")

    def export_csv(self, path: Path) -> int:
        """The figures on screen as CSV (read now if the tab has not shown any yet)."""
        from studio.core.stats_csv import write

        data = self.data if self.data is not None else self.session.studio.stats(self.days)
        return write(data, path)

    def _ask_png(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the dashboard as PNG",
                                              "spend-and-speed.png", "PNG images (*.png)")
        if path and not self.export_png(Path(path)):
            self.session.toast.emit("error", f"Could not write {path}")

    def _ask_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the dashboard's figures as CSV",
                                              "spend-and-speed.csv", "CSV files (*.csv)")
        if not path:
            return
        try:
            self.export_csv(Path(path))
        except OSError as exc:
            self.session.toast.emit("error", f"Could not write {path}: {exc.strerror or exc}")


def summary(data: dict[str, Any]) -> str:
    totals = data["spend"]["totals"]
    spent = sum(t["spent_usd"] for t in totals)
    estimate = sum(t["estimate_usd"] for t in totals)
    actual = sum(t["actual_usd"] for t in totals)
    reported = sum(t["actual_jobs"] for t in totals)
    jobs = sum(t["jobs"] for t in totals)
    outcomes = data["outcomes"]["providers"]
    ok = sum(o["succeeded"] for o in outcomes)
    failed = sum(o["failed"] for o in outcomes)
    rate = f"{ok / (ok + failed):.0%} succeeded" if ok + failed else "no finished live jobs"
    dry = data["outcomes"]["dry_runs"]
    text = (f"Spent ${spent:.2f} on {jobs} live job{'s' * (jobs != 1)} "
            f"(estimated ${estimate:.2f}; providers reported ${actual:.2f} for {reported}) · "
            f"{rate}")
    if dry:
        text += f" · {dry} dry-run{'s' * (dry != 1)} (free)"
    return text
