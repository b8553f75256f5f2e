"""The Dashboard: charts show the figures of real sandbox jobs, redraw when jobs finish,
and export a decodable PNG and a CSV with a row per figure."""

import csv
import statistics

import pytest
from PIL import Image
from PySide6.QtCharts import QBarSeries, QBoxPlotSeries, QHorizontalPercentBarSeries
from PySide6.QtCore import Qt

from studio.core.stats import BINS
from studio.ui.dashboard import DashboardTab
from studio.ui.session import Session
from tests.core.stats_helpers import expected, fill
from tests.ui.conftest import run


@pytest.fixture
def filled(live_studio, ui_sandbox, qtbot):
    session = Session(live_studio)
    tab = DashboardTab(session)
    qtbot.addWidget(tab)
    tab.resize(1200, 900)
    tab.show()
    qtbot.waitExposed(tab)
    qtbot.waitUntil(lambda: tab.data is not None)  # read in a worker thread on show
    assert tab.data["latency"] == []  # empty at first
    run(qtbot, fill(live_studio, ui_sandbox), timeout=60_000)
    want = expected(live_studio)
    # Redrawn from the store events of the finished jobs, without pressing Refresh.
    qtbot.waitUntil(lambda: len(_series(tab, "latency", QBoxPlotSeries).boxSets())
                    == len(want["runs"]), timeout=5000)
    qtbot.waitUntil(lambda: len(tab.data["scoreboard"]) == 2, timeout=5000)
    yield tab, want
    session.detach()


def _series(tab, key, kind):
    [series] = [s for s in tab.chart(key).series() if isinstance(s, kind)]
    return series


def test_charts_show_the_jobs_figures(filled):
    tab, want = filled
    spend = _series(tab, "spend", QBarSeries)
    sets = {b.label(): b for b in spend.barSets()}
    assert {"fal estimate", "fal actual", "stability estimate", "stability actual"} <= set(sets)
    for provider, s in want["spend"].items():
        shown = sets[f"{provider} estimate"]
        assert sum(shown.at(i) for i in range(shown.count())) == pytest.approx(s["estimate"])
        shown = sets[f"{provider} actual"]
        assert sum(shown.at(i) for i in range(shown.count())) == pytest.approx(s["actual"])
    assert sets["stability actual"].sum() > 0

    boxes = _series(tab, "latency", QBoxPlotSeries).boxSets()
    medians = sorted(b.at(2) for b in boxes)
    # The chart holds the median in seconds; the same figure, to the millisecond.
    assert medians == pytest.approx(sorted(statistics.median(r) for r in want["runs"].values()),
                                    abs=1e-3)

    outcomes = _series(tab, "outcomes", QHorizontalPercentBarSeries)
    by_status = {b.label(): [b.at(i) for i in range(b.count())] for b in outcomes.barSets()}
    providers = [o["provider"] for o in tab.data["outcomes"]["providers"]]
    assert by_status["failed"][providers.index("fal")] == 1
    assert by_status["succeeded"][providers.index("fal")] == 4

    board = _series(tab, "scoreboard", QBoxPlotSeries).boxSets()
    rows = tab.session.studio.scoreboard()
    assert [round(b.at(2), 1) for b in board] == [round(r.rating, 1) for r in rows]
    assert all(b.at(0) < b.at(1) < b.at(2) < b.at(3) < b.at(4) for b in board)

    hist = _series(tab, "histogram", QBarSeries).barSets()[0]
    target = tab.model_box.currentData()
    assert hist.count() == BINS and hist.sum() == len(want["runs"][target])
    assert "succeeded" in tab.summary.text()


def test_period_and_grouping_redraw(filled, qtbot):
    tab, _ = filled
    tab.grouping.setCurrentIndex(1)  # per week
    spend = _series(tab, "spend", QBarSeries)
    weeks = len(tab.data["spend"]["weeks"])
    assert all(b.count() == weeks for b in spend.barSets())
    with qtbot.waitSignal(tab.refreshed):
        tab.period.setCurrentIndex(0)  # 7 days
    assert tab.data["days"] == 7 and len(tab.data["spend"]["days"]) == 7


def test_exports_write_a_png_and_the_csv_rows(filled, tmp_path):
    tab, want = filled
    png = tmp_path / "dash.png"
    assert tab.export_png(png)
    with Image.open(png) as image:
        image.load()
        assert image.format == "PNG"
        assert image.width >= tab.content.width() and image.height >= tab.content.height()
        assert len(image.convert("RGB").getcolors(1 << 20) or []) > 20  # charts, not blank
    path = tmp_path / "dash.csv"
    written = tab.export_csv(path)
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == written
    sections = {}
    for row in rows:
        sections.setdefault(row["section"], []).append(row)
    models = len(want["runs"])
    assert len(sections["latency"]) == 8 * models
    assert len(sections["latency_histogram"]) == BINS * models
    assert len(sections["scoreboard"]) == 8 * 2
    failed = [r for r in sections["outcomes"] if r["provider"] == "fal" and not r["model"]
              and r["metric"] == "failed"]
    assert [r["value"] for r in failed] == ["1"]
    estimate = sum(float(r["value"]) for r in sections["spend_day"]
                   if r["provider"] == "stability" and r["metric"] == "estimate_usd")
    assert estimate == pytest.approx(want["spend"]["stability"]["estimate"])


def test_window_has_the_tab_a_shortcut_and_a_menu_entry(window, qtbot):
    page = window.dashboard
    assert window.tabs.indexOf(page) >= 0 and page._tab is None  # built on first show
    qtbot.keyClick(window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    assert window.tabs.currentWidget() is page
    qtbot.waitUntil(lambda: page._tab is not None and page.tab.data is not None)
    view = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    assert "Dashboard" in [a.text() for a in view.actions()]


def test_charts_follow_the_theme(session, qtbot, qapp):
    from PySide6.QtCharts import QChart

    from studio.ui.widgets import apply_theme

    tab = DashboardTab(session)
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitExposed(tab)
    qtbot.waitUntil(lambda: tab.data is not None)
    assert tab.chart("spend").theme() == QChart.ChartTheme.ChartThemeLight
    try:
        apply_theme(qapp, dark=True)
        qtbot.waitUntil(lambda: tab.chart("spend").theme() == QChart.ChartTheme.ChartThemeDark)
    finally:
        apply_theme(qapp, dark=False)
