"""studio-cli stats: the dashboard's figures as JSON (shape in docs/dashboard.md)."""

import json

import pytest

from studio.cli import main
from tests.core.live_helpers import live_studio
from tests.core.stats_helpers import expected, fill


@pytest.fixture
async def filled_home(home, sandbox):
    studio = live_studio(home, sandbox)
    await fill(studio, sandbox)
    want = expected(studio)
    await studio.aclose()
    return want


def test_stats_json_shape_and_figures(filled_home, capsys):
    want = filled_home
    assert main(["stats", "--days", "3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"schema", "days", "since", "until", "spend", "latency", "outcomes",
                         "scoreboard"}
    assert data["schema"] == 1 and data["days"] == 3
    spend = data["spend"]
    assert set(spend) == {"currency", "days", "weeks", "daily", "weekly", "totals"}
    money = {"estimate_usd", "actual_usd", "spent_usd", "jobs", "actual_jobs", "unpriced_jobs"}
    assert all(set(d) == {"provider", "day", *money} for d in spend["daily"])
    assert all(set(w) == {"provider", "week", *money} for w in spend["weekly"])
    totals = {t["provider"]: t for t in spend["totals"]}
    for provider, s in want["spend"].items():
        assert totals[provider]["estimate_usd"] == pytest.approx(s["estimate"], abs=1e-6)
        assert totals[provider]["actual_usd"] == pytest.approx(s["actual"], abs=1e-6)
    for m in data["latency"]:
        assert set(m) == {"provider", "model", "target", "count", "min", "p25", "p50", "p75",
                          "p90", "max", "mean", "histogram"}
        assert m["count"] == len(want["runs"][m["target"]])
        assert m["min"] <= m["p50"] <= m["p90"] <= m["max"]
    assert set(data["outcomes"]) == {"providers", "models", "dry_runs"}
    fal = next(o for o in data["outcomes"]["providers"] if o["provider"] == "fal")
    assert (fal["succeeded"], fal["failed"]) == (4, 1)
    row = data["scoreboard"][0]
    assert {"rank", "target", "rating", "uncertainty", "low", "high", "z"} <= set(row)


def test_stats_text_and_bad_days(filled_home, capsys):
    assert main(["stats", "--days", "1"]) == 0
    out = capsys.readouterr().out
    assert "fal" in out and "stability:core" in out and "Scoreboard" in out
    assert main(["stats", "--days", "0"]) == 2
    assert "--days" in capsys.readouterr().err
