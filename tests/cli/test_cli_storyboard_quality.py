"""`storyboard show --json` carries each stage take's quality score (issue 15): None until
the output is measured, then the stored score."""

from __future__ import annotations

import json

from tests.cli.test_cli_storyboard import BOARD, create, live, run


def test_show_gives_each_take_its_quality_score(home, capsys, tmp_path, sandbox):
    pre = live(capsys, sandbox)
    board_id = create(capsys, tmp_path, {**BOARD, "scenes": BOARD["scenes"][:1]})
    code, out, err = run(capsys, *pre, "storyboard", "run", board_id, "--wait", "--json")
    assert code == 0, err
    stages = json.loads(out)["scenes"][0]["stages"]
    key = stages["keyframe"]
    assert key["status"] == "review" and stages["clip"]["quality_score"] is None
    asset_id = key["output"]["asset_id"]
    code, out, err = run(capsys, "metrics", asset_id, "--json")
    assert code == 0, err
    [measured] = json.loads(out)
    assert 0 <= measured["quality_score"] <= 100
    code, out, _ = run(capsys, "storyboard", "show", board_id, "--json")
    key = json.loads(out)["scenes"][0]["stages"]["keyframe"]
    assert key["quality_score"] == measured["quality_score"]
