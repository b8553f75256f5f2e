"""studio-cli storyboard: create (our JSON or the assistant's draft), list, show, run
(dry-run and live with --auto-approve --wait), approve, regenerate, stitch: JSON shapes
and exit codes."""

from __future__ import annotations

import json

import av

from studio.cli import main
from tests.conftest import instant_jobs, sandbox_requests

KLING = "fal-ai/kling-video/v2.1/standard/image-to-video"
BOARD = {
    "title": "Fox ad",
    "image_model": {"provider": "fal", "model": "fal-ai/flux/schnell",
                    "params": {"output_format": "png"}},
    "video_model": {"provider": "fal", "model": KLING},
    "scenes": [{"prompt": "a red fox wakes", "duration_seconds": 5, "seed": 1,
                "transition": {"kind": "crossfade", "seconds": 0.5}},
               {"prompt": "the fox runs", "duration_seconds": 5, "seed": 2}],
}


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def create(capsys, tmp_path, data=BOARD, *pre) -> str:
    path = tmp_path / "board.json"
    path.write_text(json.dumps(data))
    code, out, err = run(capsys, *pre, "storyboard", "create", str(path), "--json")
    assert code == 0, err
    return json.loads(out)["storyboard_id"]


def live(capsys, sandbox) -> tuple[str, ...]:
    for flag in ("image", "video"):
        run(capsys, "config", "set", f"features.enable_public_{flag}_providers", "true")
    return ("--sandbox-url", sandbox.url)


def test_dry_run_storyboard_records_keyframes_and_shows_json(home, capsys, tmp_path, sandbox):
    board_id = create(capsys, tmp_path)
    code, out, _ = run(capsys, "storyboard", "list", "--json")
    [row] = json.loads(out)
    assert row == {"storyboard_id": board_id, "title": "Fox ad", "scenes": 2,
                   "status": "draft", "updated_at": row["updated_at"],
                   "duration_seconds": 10.0}
    # Outside the sandbox (where every job runs live), with the flags off: dry-runs.
    code, out, _ = run(capsys, "storyboard", "run", board_id, "--auto-approve", "--wait",
                       "--json")
    assert code == 0
    data = json.loads(out)
    assert data["storyboard_id"] == board_id and data["auto_approve"] is True
    assert data["final"] is None and data["status"] == "dry_run"
    for scene in data["scenes"]:
        key = scene["stages"]["keyframe"]
        assert key["status"] == "dry_run" and scene["stages"]["clip"]["status"] == "waiting"
        [attempt] = key["attempts"]
        code, out, _ = run(capsys, "job", attempt["job_id"], "--json")
        assert json.loads(out)["request"]["url"].endswith("fal-ai/flux/schnell")
    assert sandbox_requests(sandbox, "fal") == []
    code, _, err = run(capsys, "storyboard", "approve", board_id, "--scene", "1",
                       "--stage", "keyframe")
    assert code == 2 and "dry_run" in err
    code, _, err = run(capsys, "storyboard", "stitch", board_id, "--json")
    assert code == 2 and "scene 1 (waiting)" in err


def test_live_run_approve_regenerate_and_stitch(home, capsys, tmp_path, sandbox):
    instant_jobs(sandbox)  # about the stages and the film, not the wait
    pre = live(capsys, sandbox)
    board_id = create(capsys, tmp_path)
    code, out, err = run(capsys, *pre, "storyboard", "run", board_id, "--wait", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert [s["stages"]["keyframe"]["status"] for s in data["scenes"]] == ["review"] * 2
    for n in ("1", "2"):
        code, out, _ = run(capsys, "storyboard", "approve", board_id, "--scene", n,
                           "--stage", "keyframe", "--json")
        assert code == 0
    assert json.loads(out)["scenes"][1]["stages"]["keyframe"]["status"] == "approved"
    code, out, _ = run(capsys, *pre, "storyboard", "run", board_id, "--auto-approve",
                       "--wait", "--json")
    assert code == 0 and json.loads(out)["status"] == "ready"

    code, out, err = run(capsys, *pre, "storyboard", "regenerate", board_id, "--scene", "2",
                         "--stage", "clip", "--notes", "slower", "--wait", "--json")
    assert code == 0, err
    clip = json.loads(out)["scenes"][1]["stages"]["clip"]
    assert len(clip["attempts"]) == 2 and clip["attempts"][1]["prompt"] == "the fox runs. slower"
    assert clip["status"] == "review"  # a regenerated stage waits for approval again
    code, _, err = run(capsys, "storyboard", "stitch", board_id, "--json")
    assert code == 2 and "scene 2 (review)" in err
    run(capsys, "storyboard", "approve", board_id, "--scene", "2", "--stage", "clip")

    code, out, err = run(capsys, "storyboard", "stitch", board_id, "--json")
    assert code == 0, err
    data = json.loads(out)
    final = data["final"]
    assert set(final) == {"path", "sha256", "duration_seconds", "width", "height"}
    with av.open(final["path"]) as box:
        stream = box.streams.video[0]
        assert (stream.width, stream.height) == (final["width"], final["height"])
        assert sum(1 for _ in box.decode(video=0)) > 0
    code, out, _ = run(capsys, "storyboard", "show", board_id, "--json")
    shown = json.loads(out)
    assert shown["final"] == final and shown["status"] == "stitched"
    code, out, _ = run(capsys, "lineage", data["asset_id"], "--json")
    assert code == 0


def test_create_takes_the_assistants_draft(home, capsys, tmp_path):
    draft = {"run": "r1", "flow": "story", "live": True, "result": {"storyboard": {
        "schema_name": "provider-studio/storyboard-draft", "version": 1, "title": "Winter",
        "brief": "a fox", "story": "...", "approved": True, "rounds": 1,
        "scenes": [{"index": 1, "prompt": "a fox wakes", "duration_seconds": 4}]}}}
    board_id = create(capsys, tmp_path, draft)
    code, out, _ = run(capsys, "storyboard", "show", board_id, "--json")
    data = json.loads(out)
    assert code == 0 and data["title"] == "Winter" and data["scenes"][0]["duration_seconds"] == 4


def test_bad_files_and_ids_exit_2(home, capsys, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"scenes": []}')
    code, _, err = run(capsys, "storyboard", "create", str(bad))
    assert code == 2 and "scenes" in err
    code, _, err = run(capsys, "storyboard", "create", str(tmp_path / "missing.json"))
    assert code == 2 and "cannot read" in err
    code, _, err = run(capsys, "storyboard", "show", "nope", "--json")
    assert code == 2 and "no storyboard 'nope'" in err
    board_id = create(capsys, tmp_path)
    code, _, err = run(capsys, "storyboard", "approve", board_id, "--scene", "9",
                       "--stage", "clip")
    assert code == 2 and "scenes 1 to 2" in err
    code, out, _ = run(capsys, "storyboard", "list", "--json")
    assert len(json.loads(out)) == 1


def test_audition_then_vote_then_pick(home, capsys, tmp_path, sandbox):
    pre = live(capsys, sandbox)
    board_id = create(capsys, tmp_path)
    code, out, err = run(capsys, *pre, "storyboard", "audition", board_id, "--scene", "1",
                         "--stage", "keyframe", "--target", "fal:fal-ai/flux/schnell",
                         "--target", "fal:fal-ai/flux/dev", "--wait", "--json")
    assert code == 0, err
    key = json.loads(out)["scenes"][0]["stages"]["keyframe"]
    assert key["status"] == "audition"
    group = key["audition_group"]
    code, out, _ = run(capsys, "group", group, "--json")
    jobs = [t["job_id"] for t in json.loads(out)["targets"]]
    assert len(jobs) == 2
    code, _, err = run(capsys, "storyboard", "pick", board_id, "--scene", "1",
                       "--stage", "keyframe")
    assert code == 2 and "no winner yet" in err
    code, _, err = run(capsys, "vote", group, "--winner", "B")
    assert code == 0, err
    code, out, err = run(capsys, "storyboard", "pick", board_id, "--scene", "1",
                         "--stage", "keyframe", "--json")
    assert code == 0, err
    scene = json.loads(out)["scenes"][0]
    assert scene["stages"]["keyframe"]["approved_job"] == jobs[1]
    assert scene["image_model"] == "fal:fal-ai/flux/dev"


def test_run_is_priced_whole_before_anything_is_sent(home, capsys, tmp_path, sandbox):
    pre = live(capsys, sandbox)
    board_id = create(capsys, tmp_path)
    # two keyframes (flux schnell) and two 5 s Kling clips priced before the first job
    code, out, err = run(capsys, *pre, "storyboard", "run", board_id, "--max-usd", "0.10",
                         "--json")
    assert code == 2 and "Nothing was sent" in err
    quote = json.loads(out)["quote"]
    assert len(quote["items"]) == 4
    assert sandbox_requests(sandbox, "fal") == []
    code, out, _ = run(capsys, "storyboard", "show", board_id, "--json")
    assert all(s["stages"]["keyframe"]["attempts"] == [] for s in json.loads(out)["scenes"])
    code, _, err = run(capsys, *pre, "storyboard", "run", board_id, "--max-usd", "1", "--json")
    assert code == 0, err
    assert len([r for r in sandbox_requests(sandbox, "fal") if r["method"] == "POST"]) == 2


def test_a_budget_refuses_a_pass_whole(home, capsys, tmp_path, sandbox):
    pre = live(capsys, sandbox)
    board_id = create(capsys, tmp_path)
    code, _, err = run(capsys, "budget", "set", "provider=fal", "daily=0.001")
    assert code == 0, err
    code, out, err = run(capsys, *pre, "storyboard", "run", board_id, "--json")
    assert code == 2 and "refused" in err
    assert sandbox_requests(sandbox, "fal") == []
    statuses = [s["stages"]["keyframe"]["status"] for s in json.loads(out)["scenes"]]
    assert statuses == ["refused", "refused"]  # regenerate once there is room


def test_a_clip_that_ends_on_the_next_keyframe_through_the_cli(home, capsys, tmp_path,
                                                                sandbox):
    instant_jobs(sandbox)
    pre = live(capsys, sandbox)
    board = {**BOARD, "video_model": {
        "provider": "fal", "model": "fal-ai/kling-video/v2.1/pro/image-to-video"}}
    board["scenes"] = [{**BOARD["scenes"][0], "end_on_next_keyframe": True},
                       BOARD["scenes"][1]]
    board_id = create(capsys, tmp_path, board, *pre)
    code, out, err = run(capsys, *pre, "storyboard", "run", board_id, "--auto-approve",
                         "--wait", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["status"] == "ready"
    first, second = data["scenes"]
    assert (first["end_on_next_keyframe"], second["end_on_next_keyframe"]) == (True, False)
    [attempt] = first["stages"]["clip"]["attempts"]
    assert attempt["end_frame"] == f"asset:{second['stages']['keyframe']['output']['asset_id']}"
    code, out, _ = run(capsys, *pre, "storyboard", "show", board_id)
    lines = out.splitlines()
    assert lines[1].endswith("(ends on 2's keyframe)") and "ends on" not in lines[2]
    code, out, err = run(capsys, *pre, "storyboard", "stitch", board_id, "--json")
    assert code == 0, err
    assert json.loads(out)["final"]["duration_seconds"] > 9  # both clips, end to end
