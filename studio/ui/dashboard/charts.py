"""QtCharts charts of the dashboard's figures (core.stats dicts in, QChart out)."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCharts import (
    QAbstractAxis,
    QAbstractSeries,
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QBoxPlotSeries,
    QBoxSet,
    QChart,
    QHorizontalPercentBarSeries,
    QScatterSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor

from studio.ui.widgets.theme import is_dark, status_color

Namer = Callable[[str, str], str]  # (provider, model) -> what to show
# One hue per provider, in order of appearance: estimate light, actual full.
HUES = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f")


def new_chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    chart.setTheme(QChart.ChartTheme.ChartThemeDark if is_dark()
                   else QChart.ChartTheme.ChartThemeLight)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    return chart


def _axes(chart: QChart, series: QAbstractSeries, x: QAbstractAxis | None = None,
          y: QAbstractAxis | None = None) -> None:
    """Add `series` on the chart's axes (made from `x` and `y` by the first series)."""
    chart.addSeries(series)
    if x is not None and y is not None:
        chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(chart.axes(Qt.Orientation.Horizontal)[0])
    series.attachAxis(chart.axes(Qt.Orientation.Vertical)[0])


def _value_axis(title: str, top: float, fmt: str = "%.2f") -> QValueAxis:
    axis = QValueAxis()
    axis.setTitleText(title)
    axis.setRange(0.0, top * 1.12 if top > 0 else 1.0)
    axis.setLabelFormat(fmt)
    axis.applyNiceNumbers()
    return axis


def _categories(labels: list[str], room: int = 8) -> QBarCategoryAxis:
    """A category axis; past `room` categories the labels stand upright (never elided)."""
    axis = QBarCategoryAxis()
    axis.append(labels)
    if len(labels) > room:
        axis.setLabelsAngle(-90)
    return axis


def _count_axis(title: str, top: int) -> QValueAxis:
    """Whole numbers only: one tick per count when there are few."""
    axis = QValueAxis()
    axis.setTitleText(title)
    axis.setLabelFormat("%d")
    if top <= 6:
        axis.setRange(0, max(top, 1))
        axis.setTickCount(max(top, 1) + 1)
    else:
        axis.setRange(0, top)
        axis.applyNiceNumbers()
    return axis


def stacked(provider: str, model: str, width: int = 11, lines: int = 2) -> str:
    """A category label on a few short lines: the provider, then the model's words (Qt
    elides a line only when even that does not fit)."""
    rows: list[str] = []
    for word in model.split():
        if rows and len(rows[-1]) + 1 + len(word) <= width:
            rows[-1] += " " + word
        else:
            rows.append(word)
    if len(rows) > lines:
        rows = [*rows[:lines - 1], " ".join(rows[lines - 1:])]
    return "<br>".join(html.escape(r) for r in [provider, *rows])


def active_days(spend: dict[str, Any], least: int = 7) -> list[str]:
    """The window's days from the first one with spend (at least the last `least`)."""
    days = spend["days"]
    spent = [d["day"] for d in spend["daily"] if d["estimate_usd"] or d["actual_usd"]]
    if not spent:
        return days[-least:]
    first = min(days.index(min(spent)), max(0, len(days) - least))
    return days[first:]


def spend_chart(data: dict[str, Any], by_week: bool) -> QChart:
    """Spend per provider per day (or week): estimate beside actual."""
    spend = data["spend"]
    key, periods, items = (("week", spend["weeks"], spend["weekly"]) if by_week
                           else ("day", active_days(spend), spend["daily"]))
    chart = new_chart("Spend per " + ("week" if by_week else "day") + " (USD): "
                      "estimate (light) and what the provider reported (full)")
    series = QBarSeries()
    providers = [t["provider"] for t in spend["totals"] if t["estimate_usd"] or t["actual_usd"]]
    top = 0.0
    for i, provider in enumerate(providers):
        hue = QColor(HUES[i % len(HUES)])
        got = {s[key]: s for s in items if s["provider"] == provider}
        for what, color in (("estimate", hue.lighter(150)), ("actual", hue)):
            bars = QBarSet(f"{provider} {what}")
            bars.setColor(color)
            values = [got[p][f"{what}_usd"] if p in got else 0.0 for p in periods]
            bars.append(values)
            top = max(top, *values)
            series.append(bars)
    labels = [_period_label(p, by_week) for p in periods]
    _axes(chart, series, _categories(labels, 14), _value_axis("USD", top, "$%.2f"))
    series.setBarWidth(0.85)
    return chart


def _period_label(iso: str, by_week: bool) -> str:
    day = date.fromisoformat(iso)
    return f"w/c {day:%d %b}" if by_week else f"{day:%d %b}"


def latency_chart(data: dict[str, Any], name: Namer) -> QChart:
    """A box per model: min, p25, median, p75, max; p90 as a dot."""
    chart = new_chart("Latency per model (s): box p25-p75, whiskers min-max, dot p90")
    boxes = QBoxPlotSeries()
    boxes.setName("runs")
    p90 = QScatterSeries()
    p90.setName("p90")
    p90.setMarkerSize(8.0)
    top = 0.0
    for i, m in enumerate(data["latency"]):
        label = stacked(f"{m['provider']} ({m['count']})", name(m["provider"], m["model"]))
        boxes.append(QBoxSet(m["min"], m["p25"], m["p50"], m["p75"], m["max"], label))
        p90.append(float(i), m["p90"])
        top = max(top, m["max"])
    labels = [b.label() for b in boxes.boxSets()]
    _axes(chart, boxes, _categories(labels, 99), _value_axis("seconds", top, "%.1f"))
    _axes(chart, p90)
    return chart


def histogram_chart(model: dict[str, Any] | None, name: Namer) -> QChart:
    """How a model's run times spread (equal bins from 0 to its slowest run)."""
    if model is None:
        chart = new_chart("Latency histogram")
        return chart
    chart = new_chart(f"Latency histogram: {model['provider']}: "
                      f"{name(model['provider'], model['model'])}")
    edges, counts = model["histogram"]["edges"], model["histogram"]["counts"]
    bars = QBarSet("runs")
    bars.append([float(c) for c in counts])
    series = QBarSeries()
    series.append(bars)
    series.setBarWidth(0.95)
    x = _categories([f"{edges[i + 1]:.2g}" for i in range(len(counts))])
    x.setTitleText("seconds (each bar: runs up to that time)")
    _axes(chart, series, x, _count_axis("runs", max(counts)))
    chart.legend().hide()
    return chart


def outcomes_chart(data: dict[str, Any]) -> QChart:
    """Succeeded / failed / cancelled / unknown, as shares of each provider's live jobs."""
    chart = new_chart("Success rate per provider")
    series = QHorizontalPercentBarSeries()
    providers = data["outcomes"]["providers"]
    for status in ("succeeded", "failed", "cancelled", "unknown"):
        bars = QBarSet(status)
        bars.setColor(status_color(status))
        bars.append([float(o[status]) for o in providers])
        series.append(bars)
    labels = [f"{o['provider']} {_rate(o['success_rate'])}" for o in providers]
    chart.addSeries(series)
    y, x = _categories(labels), QValueAxis()
    x.setRange(0, 100)
    x.setLabelFormat("%d%%")
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(x)
    series.attachAxis(y)
    return chart


def _rate(rate: float | None) -> str:
    return "(no finished jobs)" if rate is None else f"{rate:.0%}"


def scoreboard_chart(data: dict[str, Any], name: Namer) -> QChart:
    """Ratings with their uncertainty: box ±1 standard error, whiskers ±2 (the ranking's
    lower bound is the left whisker)."""
    chart = new_chart("Scoreboard: rating, box ±1 s.e., whiskers ±2 s.e.")
    series = QBoxPlotSeries()
    series.setName("rating")
    low = high = 1500.0
    rows = data["scoreboard"]
    for r in rows:
        se = r["uncertainty"]
        series.append(QBoxSet(r["low"], r["rating"] - se, r["rating"], r["rating"] + se,
                              r["high"], stacked(f"#{r['rank']} {r['provider']}",
                                      name(r["provider"], r["model"]))))
        low, high = min(low, r["low"]), max(high, r["high"])
    labels = [b.label() for b in series.boxSets()]
    y = QValueAxis()
    y.setTitleText("rating")
    y.setRange(low - 50, high + 50)
    y.setLabelFormat("%d")
    y.applyNiceNumbers()
    _axes(chart, series, _categories(labels, 99), y)
    return chart
