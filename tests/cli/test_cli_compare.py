"""studio-cli compare / groups / vote / scoreboard: JSON shapes and exit codes."""

import getpass
import json

from studio.cli import main
from tests.conftest import sandbox_requests

FLUX, ULTRA, RAY = "fal:fal-ai/flux/dev", "stability:ultra", "luma:ray-2"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def compare(capsys, *extra):
    return run(capsys, "compare", "--target", FLUX, "--target", ULTRA, "--target", RAY,
               "--prompt", "a red fox", "--seed", "7", "--aspect", "4:5", "--duration", "7",
               *extra)


def test_compare_dry_run_json(home, capsys):
    code, out, _ = compare(capsys, "--param", "output_format=png",
                           "--param", f"{FLUX}:num_inference_steps=20", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["brief"] == {"prompt": "a red fox", "negative_prompt": None, "seed": 7,
                             "aspect": "4:5", "duration": 7.0, "input_images": []}
    flux, ultra, ray = data["targets"]
    assert [t["target"] for t in data["targets"]] == [FLUX, ULTRA, RAY]
    assert [t["label"] for t in data["targets"]] == ["A", "B", "C"]
    for t in data["targets"]:
        assert t["job_id"] and t["status"] == "dry_run" and t["dry_run"] is True
        assert t["compare_group"] == data["group_id"] and t["estimates"]["usd"] > 0
        assert t["outputs"] == []
    assert flux["target_params"] == {"output_format": "png", "num_inference_steps": 20}
    assert ultra["target_params"] == {"output_format": "png"}  # ray-2 has no output_format
    assert flux["input"]["params"]["image_size"] == "portrait_4_3"
    assert ray["seed_honoured"] is False and flux["seed_honoured"] is True
    ray_notes = {a["input"]: a for a in ray["adaptations"]}
    assert ray_notes["duration"]["outcome"] == "changed" and ray_notes["duration"]["sent"] == "5s"


def test_bad_target_exits_2_and_names_it(home, capsys):
    code, out, err = run(capsys, "compare", "--target", FLUX, "--target", "fal:fal-ai/nope",
                         "--prompt", "x", "--json")
    assert code == 2 and out == ""
    assert "fal:fal-ai/nope" in err and "no model 'fal-ai/nope'" in err
    code, _, err = run(capsys, "compare", "--target", "flux-dev", "--prompt", "x")
    assert code == 2 and "flux-dev" in err and "PROVIDER:MODEL" in err
    code, _, err = run(capsys, "compare", "--target", FLUX, "--prompt", "x",
                       "--param", "ratio=16:9")
    assert code == 2 and "none of the targets has a setting 'ratio'" in err
    code, _, err = run(capsys, "compare", "--target", FLUX, "--prompt", "x", "--aspect", "wide")
    assert code == 2 and "aspect" in err
    code, out, _ = run(capsys, "groups", "--json")
    assert json.loads(out) == []  # nothing was written by the failed attempts


def test_vote_then_scoreboard(home, capsys, sandbox):
    compare(capsys)  # a dry-run group: nothing to judge
    [dry] = json.loads(run(capsys, "groups", "--json")[1])
    code, _, err = run(capsys, "vote", dry["group_id"], "--tie")
    assert code == 2 and "no outputs to vote on yet" in err

    run(capsys, "config", "set", "features.enable_public_image_providers", "true")
    code, out, _ = run(capsys, "--sandbox-url", sandbox.url, "compare", "--target",
                       "fal:fal-ai/flux/schnell", "--target", "stability:core", "--target",
                       "stability:sd3.5-medium", "--prompt", "a fox", "--wait", "--json")
    group = json.loads(out)
    jobs = {t["label"]: t["job_id"] for t in group["targets"]}
    code, out, _ = run(capsys, "groups", "--json")
    listed = json.loads(out)[0]  # newest first
    assert listed["group_id"] == group["group_id"] and listed["votes"] == 0
    assert listed["statuses"] == ["succeeded"] * 3

    code, out, _ = run(capsys, "vote", group["group_id"][:6], "--winner", "B",
                       "--rate", "B=5", "--rate", f"{jobs['C']}=2", "--json")
    assert code == 0
    vote = json.loads(out)
    assert vote["outcome"] == "winner" and vote["winner"] == jobs["B"]
    assert vote["ratings"] == {jobs["B"]: 5, jobs["C"]: 2}
    assert vote["artist"] == getpass.getuser() and vote["shown"] == list(jobs.values())
    assert vote["requests"][jobs["A"]]["params"]["num_inference_steps"] == 4

    code, out, _ = run(capsys, "scoreboard", "--json")
    board = json.loads(out)
    assert code == 0 and board["votes"] == 1
    assert board["rows"][0]["target"] == "stability:core"
    assert board["rows"][0]["wins"] == 1 and board["rows"][0]["average_rating"] == 5
    assert board["rows"][0]["median_latency_seconds"] is not None
    code, out, _ = run(capsys, "scoreboard", "--artist", "nobody", "--json")
    assert json.loads(out)["rows"] == []

    code, _, err = run(capsys, "vote", group["group_id"], "--winner", "Z")
    assert code == 2 and "'Z' is not a cell" in err
    code, _, err = run(capsys, "vote", "ffffffff", "--tie")
    assert code == 2 and "no compare group" in err


def test_rerun_and_add_target(home, capsys):
    group = json.loads(compare(capsys, "--json")[1])
    code, out, _ = run(capsys, "group-rerun", group["group_id"], "--cell", "C", "--json")
    again = json.loads(out)
    ray = again["targets"][2]
    assert code == 0 and len(ray["runs"]) == 2 and ray["retried_from"] == ray["runs"][0]
    assert [len(t["runs"]) for t in again["targets"]] == [1, 1, 2]
    code, out, _ = run(capsys, "group-add", group["group_id"], "--target", "luma:photon-1",
                       "--json")
    added = json.loads(out)["targets"][3]
    assert code == 0 and added["label"] == "D" and added["input"]["params"]["aspect_ratio"] == "3:4"


def test_live_compare_waits_for_outputs(home, capsys, sandbox):
    run(capsys, "config", "set", "features.enable_public_image_providers", "true")
    code, out, _ = run(capsys, "--sandbox-url", sandbox.url, "compare", "--target",
                       "fal:fal-ai/flux/schnell", "--target", "stability:core",
                       "--prompt", "a fox", "--aspect", "1:1", "--wait", "--json")
    assert code == 0
    data = json.loads(out)
    for t in data["targets"]:
        assert t["status"] == "succeeded" and t["dry_run"] is False
        [output] = t["outputs"]
        assert output["width"] == output["height"]
    [post] = [r for r in sandbox_requests(sandbox, "stability") if r["method"] == "POST"]
    assert post["body"]["fields"]["aspect_ratio"] == "1:1"
