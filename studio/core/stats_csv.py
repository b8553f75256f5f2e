"""The dashboard's figures (core.stats) as flat CSV rows: one number per row."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

HEADER = ("section", "provider", "model", "period", "metric", "value")
_MONEY = ("estimate_usd", "actual_usd", "spent_usd", "jobs", "actual_jobs", "unpriced_jobs")
_LATENCY = ("count", "min", "p25", "p50", "p75", "p90", "max", "mean")
_OUTCOMES = ("sent", "succeeded", "failed", "cancelled", "unknown", "active", "success_rate",
             "failure_rate")
_SCORES = ("rank", "rating", "uncertainty", "low", "high", "votes", "wins", "outputs")


def rows(data: dict[str, Any]) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    spend = data["spend"]
    for section, key, items in (("spend_day", "day", spend["daily"]),
                                ("spend_week", "week", spend["weekly"])):
        out += [(section, s["provider"], "", s[key], m, s[m]) for s in items for m in _MONEY]
    for m in data["latency"]:
        out += [("latency", m["provider"], m["model"], "", k, m[k]) for k in _LATENCY]
        edges, counts = m["histogram"]["edges"], m["histogram"]["counts"]
        out += [("latency_histogram", m["provider"], m["model"], f"{edges[i]}-{edges[i + 1]}",
                 "count", n) for i, n in enumerate(counts)]
    for o in data["outcomes"]["providers"]:
        out += [("outcomes", o["provider"], "", "", k, o[k]) for k in (*_OUTCOMES, "dry_runs")]
    for o in data["outcomes"]["models"]:
        out += [("outcomes", o["provider"], o["model"], "", k, o[k]) for k in _OUTCOMES]
    for r in data["scoreboard"]:
        out += [("scoreboard", r["provider"], r["model"], "", k, r[k]) for k in _SCORES]
    return out


def write(data: dict[str, Any], path: Path) -> int:
    """Write the CSV (header first); returns the number of data rows."""
    body = rows(data)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(("" if v is None else v for v in row) for row in body)
    return len(body)
