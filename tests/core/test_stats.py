"""Spend & speed (core.stats) from a store filled by real sandbox jobs, checked against the
same figures worked out from the Job objects, core.timing and `statistics`."""

import time
from datetime import date, timedelta

import pytest

from studio.core.stats import BINS, quantile
from tests.core.live_helpers import live_studio
from tests.core.stats_helpers import expected, fill, percentiles


@pytest.fixture
async def filled(home, sandbox):
    studio = live_studio(home, sandbox)
    await fill(studio, sandbox)
    yield studio
    await studio.aclose()


async def test_spend_latency_outcomes_and_scoreboard_match_the_jobs(filled):
    studio = filled
    want = expected(studio)
    data = studio.stats(days=7)
    assert data["days"] == 7 and len(data["spend"]["days"]) == 7
    assert data["spend"]["days"][-1] == date.today().isoformat()

    totals = {t["provider"]: t for t in data["spend"]["totals"]}
    assert set(totals) == {"fal", "stability"}
    for provider, s in want["spend"].items():
        t = totals[provider]
        assert t["jobs"] == s["jobs"] and t["actual_jobs"] == s["actual_jobs"]
        assert t["estimate_usd"] == pytest.approx(s["estimate"], abs=1e-6)
        assert t["actual_usd"] == pytest.approx(s["actual"], abs=1e-6)
        assert t["estimate_usd"] > 0
        daily = [d for d in data["spend"]["daily"] if d["provider"] == provider]
        assert {date.fromisoformat(d["day"]) for d in daily} == s["days"]
        assert sum(d["estimate_usd"] for d in daily) == pytest.approx(t["estimate_usd"])
        weekly = [w for w in data["spend"]["weekly"] if w["provider"] == provider]
        assert sum(w["jobs"] for w in weekly) == t["jobs"]
        for w in weekly:
            assert date.fromisoformat(w["week"]).weekday() == 0  # weeks start on Monday
    assert totals["stability"]["actual_jobs"] >= 1  # billed from its credit balance

    latency = {m["target"]: m for m in data["latency"]}
    assert set(latency) == set(want["runs"])
    for target, runs in want["runs"].items():
        m = latency[target]
        assert m["count"] == len(runs)
        if len(runs) >= 2:
            for key, value in percentiles(runs).items():
                assert m[key] == pytest.approx(value, abs=1e-3), (target, key)
        hist = m["histogram"]
        assert len(hist["counts"]) == BINS and len(hist["edges"]) == BINS + 1
        assert sum(hist["counts"]) == len(runs) and hist["counts"][-1] >= 1  # the slowest
        assert hist["edges"][-1] == pytest.approx(max(runs), abs=1e-3)
    assert latency["fal:fal-ai/flux/schnell"]["count"] == 4  # 3 + the group's; not the failed

    outcomes = {o["provider"]: o for o in data["outcomes"]["providers"]}
    fal = outcomes["fal"]
    assert fal["succeeded"] == want["outcomes"]["fal"]["succeeded"] == 4
    assert fal["failed"] == want["outcomes"]["fal"]["failed"] == 1
    assert fal["success_rate"] == pytest.approx(4 / 5)
    assert outcomes["stability"]["success_rate"] == 1.0
    model = {o["target"]: o for o in data["outcomes"]["models"]}
    assert model["fal:fal-ai/flux/schnell"]["failure_rate"] == pytest.approx(1 / 5)

    board = {r["target"]: r for r in data["scoreboard"]}
    assert [r.target for r in studio.scoreboard()] == [r["target"] for r in data["scoreboard"]]
    winner, loser = board["stability:core"], board["fal:fal-ai/flux/schnell"]
    assert winner["rank"] == 1 and winner["rating"] > loser["rating"]
    for r in board.values():
        assert r["low"] < r["rating"] < r["high"]
        assert r["high"] - r["rating"] == pytest.approx(2 * r["uncertainty"], abs=0.2)


async def test_local_outputs_are_not_counted_as_renders(filled, tmp_path):
    import io

    from PIL import Image

    studio = filled
    before = studio.stats(days=7)
    output = studio.asset_ids()[0]
    buffer = io.BytesIO()
    Image.new("L", (64, 64), 255).save(buffer, "PNG")
    mask = studio.save_mask(output, buffer.getvalue())
    assert studio.job(mask.job_id).provider == "studio"  # a local job, succeeded
    after = studio.stats(days=7)
    assert after["latency"] == before["latency"]
    assert after["outcomes"] == before["outcomes"]
    assert {t["provider"] for t in after["spend"]["totals"]} == {"fal", "stability"}


async def test_a_window_that_ends_before_the_jobs_is_empty_and_days_are_checked(filled):
    studio = filled
    later = time.time() + 3 * 86400
    data = studio.stats(days=2, now=later)
    assert data["spend"]["daily"] == [] and data["latency"] == []
    assert data["outcomes"]["providers"] == []
    assert data["spend"]["days"][0] == (date.today() + timedelta(days=2)).isoformat()
    assert data["scoreboard"]  # votes are not windowed
    with pytest.raises(ValueError):
        studio.stats(days=0)


def test_quantile_is_linear_between_ranks():
    assert quantile([], 0.5) is None
    assert quantile([4.0], 0.9) == 4.0
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert quantile([0.0, 10.0], 0.9) == pytest.approx(9.0)
