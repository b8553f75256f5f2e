"""studio-cli budget show|set and --max-usd: the syntax and JSON scripts rely on, exit 2
with the figures, and nothing sent when an action is refused."""

import json

import pytest

from studio.cli import main
from tests.conftest import sandbox_requests

VEO = ["--provider", "fal", "--model", "fal-ai/veo3.1", "--prompt", "waves"]  # $3.20
DEV = ["--provider", "fal", "--model", "fal-ai/flux/dev", "--prompt", "a fox"]  # $0.025


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def live(home, capsys, sandbox):
    """Run studio-cli against the sandbox with both flags on; returns a runner."""
    for flag in ("image", "video"):
        assert run(capsys, "config", "set", f"features.enable_public_{flag}_providers",
                   "true")[0] == 0

    def cli(*argv):
        return run(capsys, "--sandbox-url", sandbox.url, *argv)
    return cli


def posts(sandbox):
    return [r for r in sandbox_requests(sandbox, "fal") if r["method"] == "POST"]


def test_budget_set_and_show(home, capsys):
    assert run(capsys, "budget", "set", "provider=fal", "daily=5", "monthly=50")[0] == 0
    assert run(capsys, "budget", "set", "overall", "monthly=200")[0] == 0
    code, out, _ = run(capsys, "budget", "show", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["confirm_above_usd"] == 2.0 and data["time_zone"].startswith("local time")
    assert data["overall"] == {
        "today": {"budget_usd": None, "spent_usd": 0, "pending_usd": 0, "left_usd": None},
        "this_month": {"budget_usd": 200.0, "spent_usd": 0, "pending_usd": 0,
                       "left_usd": 200.0}}
    assert data["providers"]["fal"]["today"]["left_usd"] == 5.0
    assert data["providers"]["fal"]["this_month"]["budget_usd"] == 50.0
    # Changing one limit keeps the other; none clears it; confirm= sets the threshold.
    assert run(capsys, "budget", "set", "provider=fal", "daily=none")[0] == 0
    assert run(capsys, "budget", "set", "confirm=3.5")[0] == 0
    code, out, _ = run(capsys, "budget", "show")
    assert code == 0 and "fal" in out and "$0.00 spent, $50.00 left of $50.00" in out
    assert "above $3.50 ask first" in out
    settings = json.loads(home.config_file.read_text())["budgets"]
    assert settings == {"confirm_above_usd": 3.5,
                        "overall": {"daily_usd": None, "monthly_usd": 200.0},
                        "providers": {"fal": {"daily_usd": None, "monthly_usd": 50.0}}}


@pytest.mark.parametrize(("items", "says"), [
    (["provider=pika", "daily=1"], "paid from fal's account; set provider=fal"),
    (["provider=nope", "daily=1"], "unknown provider"),
    (["provider=fal", "daily=abc"], "'abc' is not an amount"),
    (["provider=fal", "daily=-1"], "0 or more"),
    (["daily=1"], "say whose budget"),
    (["overall"], "give daily=USD and/or monthly=USD"),
    (["overall", "provider=fal", "daily=1"], "one budget at a time"),
    (["weekly=3"], "expected overall, provider=ID"),
    ([], "budget set needs items"),
])
def test_bad_budget_input_exits_2_and_changes_nothing(home, capsys, items, says):
    code, _, err = run(capsys, "budget", "set", *items)
    assert code == 2 and says in err, err
    assert not home.config_file.exists()


def test_a_live_job_above_the_confirm_amount_needs_max_usd(live, sandbox, capsys):
    code, out, err = live("generate", *VEO, "--json")
    assert code == 2 and out.startswith("{")
    assert "estimated at 1 live job ≈ $3.20 (fal.ai · Veo 3.1 (text-to-video): $3.20)" in err
    assert "above the confirmation amount of $2.00" in err and "--max-usd 3.20" in err
    assert json.loads(out)["quote"]["items"][0]["counted_usd"] == 3.2
    code, _, err = live("generate", *VEO, "--max-usd", "3")
    assert code == 2 and "above --max-usd $3.00. Nothing was sent." in err
    assert posts(sandbox) == [] and live("jobs", "--json")[1].strip() == "[]"
    code, out, _ = live("generate", *VEO, "--max-usd", "3.20", "--wait", "--json")
    assert code == 0 and json.loads(out)["status"] == "succeeded"
    assert len(posts(sandbox)) == 1
    # Cheap live jobs and any dry-run (outside the sandbox, flag off) go through without it.
    assert live("generate", *DEV)[0] == 0
    live("config", "set", "features.enable_public_video_providers", "false")
    assert live("generate", *VEO)[0] == 2  # the sandbox runs it live whatever the flag
    code, out, _ = run(capsys, "generate", *VEO, "--json")
    assert code == 0 and json.loads(out)["status"] == "dry_run"


def test_a_job_a_budget_refuses_exits_2_with_the_figures(live, sandbox):
    live("budget", "set", "provider=fal", "daily=0.02")
    code, out, err = live("generate", *DEV, "--json")
    assert code == 2 and posts(sandbox) == []
    data = json.loads(out)
    assert data["status"] == "refused" and data["dry_run"] is False
    assert data["refusal"]["budget"]["label"] == "fal daily budget"
    assert (data["refusal"]["estimate_usd"], data["refusal"]["left_usd"]) == (0.025, 0.02)
    assert "would cross the fal daily budget ($0.02; $0.02 left)" in err


def test_a_compare_fan_out_is_checked_whole(live, sandbox):
    targets = ["--target", "fal:fal-ai/flux/dev", "--target", "fal:fal-ai/veo3.1"]
    code, _, err = live("compare", *targets, "--prompt", "a fox")
    assert code == 2 and "2 live jobs ≈ $3.23" in err and posts(sandbox) == []
    live("budget", "set", "overall", "daily=1")
    code, out, err = live("compare", *targets, "--prompt", "a fox", "--max-usd", "5", "--json")
    assert code == 2 and posts(sandbox) == []
    data = json.loads(out)
    assert [t["status"] for t in data["targets"]] == ["refused", "refused"]
    assert "fan-out of 2 live jobs (≈ $3.23) would cross the overall daily budget" in err
    # The re-run of a refused group is checked the same way.
    code, _, err = live("group-rerun", data["group_id"], "--cell", "A", "--wait")
    assert code == 0 and len(posts(sandbox)) == 1
