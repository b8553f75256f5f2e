"""studio-cli chain / chains: the JSON contract of issue 14, dry-run by default, live over
the sandbox with --wait, or link 1 now and `chains resume` later; regenerate; spend guard."""

from __future__ import annotations

import hashlib
import itertools
import json
from pathlib import Path

import pytest

from studio.cli import main
from studio.core.frames import extract_frame
from tests.conftest import instant_jobs, sandbox_requests
from tests.core.sequences.chain_helpers import start_image

RUNWAY = ["--provider", "runway", "--model", "gen4_turbo", "--param", "duration=2"]
LINK_KEYS = {"index", "job_id", "status", "input_image", "output"}


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _posts(sandbox):
    return [r for r in sandbox_requests(sandbox, "runway") if r["method"] == "POST"]


@pytest.fixture
def live(home, capsys, sandbox, no_keyring):
    assert run(capsys, "--sandbox-url", sandbox.url, "config", "set",
               "features.enable_public_video_providers", "true")[0] == 0
    return sandbox


def test_a_chain_is_a_dry_run_by_default_in_the_contract_shape(home, capsys, tmp_path, sandbox):
    image = start_image(tmp_path / "s.png")
    # Outside the sandbox (where every job runs live), with the flags off: dry-runs.
    code, out, err = run(capsys, "chain", *RUNWAY,
                         "--image", str(image), "--prompt", "waves", "--links", "3", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert {"chain_id", "status", "links", "final"} <= set(data)
    assert data["status"] == "dry_run" and data["final"] is None
    assert [link["index"] for link in data["links"]] == [1, 2, 3]
    for link in data["links"]:
        assert set(link) >= LINK_KEYS and link["status"] == "dry_run" and link["job_id"]
        assert {"path", "sha256"} <= set(link["input_image"]) and link["output"] is None
    assert data["links"][0]["input_image"]["sha256"] == \
        hashlib.sha256(image.read_bytes()).hexdigest()
    assert data["links"][1]["input_image"]["placeholder"] is True
    assert _posts(sandbox) == []


def test_a_live_chain_with_wait_makes_every_link_and_the_film(live, capsys, tmp_path):
    instant_jobs(live)  # about the links and the film, not the wait
    image = start_image(tmp_path / "s.png")
    code, out, err = run(capsys, "--sandbox-url", live.url, "chain", *RUNWAY,
                         "--image", str(image), "--prompt", "waves", "--prompt", "storm",
                         "--prompt", "calm", "--wait", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["status"] == "succeeded"
    links = data["links"]
    assert [link["status"] for link in links] == ["succeeded"] * 3
    for before, link in itertools.pairwise(links):
        last = extract_frame(before["output"]["path"])
        assert link["input_image"]["sha256"] == hashlib.sha256(last.png).hexdigest()
    final = data["final"]
    assert set(final) >= {"path", "sha256", "duration_seconds", "width", "height"}
    assert final["duration_seconds"] == pytest.approx(
        sum(link["output"]["duration_seconds"] for link in links), abs=3 / 12)
    assert (final["width"], final["height"]) == (640, 360)
    assert hashlib.sha256(Path(final["path"]).read_bytes()).hexdigest() == final["sha256"]
    assert len(_posts(live)) == 3


def test_without_wait_link_one_goes_out_and_chains_resume_makes_the_rest(live, capsys,
                                                                         tmp_path):
    image = start_image(tmp_path / "s.png")
    code, out, err = run(capsys, "--sandbox-url", live.url, "chain", *RUNWAY,
                         "--image", str(image), "--prompt", "drift", "--links", "2", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["status"] == "running" and data["links"][0]["status"] == "running"
    assert f"chains resume {data['chain_id']}" in err
    assert len(_posts(live)) == 1
    code, out, err = run(capsys, "--sandbox-url", live.url, "chains", "resume",
                         data["chain_id"], "--json")
    assert code == 0, err
    done = json.loads(out)
    assert done["status"] == "succeeded" and done["final"] is not None
    assert done["links"][0]["job_id"] == data["links"][0]["job_id"]  # followed, not resent
    assert len(_posts(live)) == 2
    code, out, _ = run(capsys, "--sandbox-url", live.url, "chains", "resume",
                       data["chain_id"], "--json")  # nothing is missing: nothing is made
    assert code == 0 and json.loads(out)["final"] == done["final"]
    assert len(_posts(live)) == 2
    code, out, _ = run(capsys, "chains", "show", data["chain_id"], "--json")
    assert code == 0 and json.loads(out)["final"] == done["final"]
    code, out, _ = run(capsys, "chains", "list")
    assert data["chain_id"] in out and "succeeded" in out


def test_regenerate_one_link_then_resume_the_stale_ones(live, capsys, tmp_path):
    instant_jobs(live)  # about the links and the film, not the wait
    image = start_image(tmp_path / "s.png")
    code, out, err = run(capsys, "--sandbox-url", live.url, "chain", *RUNWAY, "--image",
                         str(image), "--prompt", "a", "--links", "3", "--wait", "--json")
    assert code == 0, err
    first = json.loads(out)
    code, _, err = run(capsys, "--sandbox-url", live.url, "chains", "regenerate",
                       first["chain_id"], "--link", "2", "--max-usd", "0.001")
    assert code == 2 and "--max-usd" in err  # refused before anything changed
    code, out, _ = run(capsys, "chains", "show", first["chain_id"], "--json")
    assert json.loads(out)["status"] == "succeeded" and len(_posts(live)) == 3
    code, out, err = run(capsys, "--sandbox-url", live.url, "chains", "regenerate",
                         first["chain_id"], "--link", "2", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert [link["status"] for link in data["links"]] == ["succeeded", "succeeded", "stale"]
    assert data["links"][1]["job_id"] != first["links"][1]["job_id"]
    assert data["final"] is None and data["status"] == "stale"
    code, out, err = run(capsys, "--sandbox-url", live.url, "chains", "resume",
                         first["chain_id"], "--json")
    done = json.loads(out)
    assert code == 0 and done["status"] == "succeeded"
    assert done["final"]["sha256"] != first["final"]["sha256"]


def test_bad_chains_and_spend_refusals_exit_2_and_send_nothing(live, capsys, tmp_path):
    image = start_image(tmp_path / "s.png")
    code, _, err = run(capsys, "--sandbox-url", live.url, "chain", "--provider", "fal",
                       "--model", "fal-ai/flux/dev", "--image", str(image), "--prompt", "x")
    assert code == 2 and "image-to-video" in err
    code, _, err = run(capsys, "--sandbox-url", live.url, "chain", *RUNWAY, "--image",
                       str(image), "--prompt", "x", "--prompt", "y", "--links", "3")
    assert code == 2 and "2 prompts for 3 links" in err
    code, _, err = run(capsys, "--sandbox-url", live.url, "chain", *RUNWAY, "--image",
                       str(image), "--prompt", "x", "--links", "3", "--max-usd", "0.01",
                       "--wait")
    assert code == 2 and "--max-usd" in err
    code, _, err = run(capsys, "chains", "show", "cnope")
    assert code == 2 and "no chain cnope" in err
    assert _posts(live) == []
    code, out, _ = run(capsys, "chains", "list", "--json")
    assert json.loads(out) == []


def test_a_key_pasted_into_a_prompt_is_never_written(live, capsys, tmp_path, home,
                                                     monkeypatch):
    from tests.conftest import TEST_KEY, scan_for_secret

    monkeypatch.setenv("RUNWAY_API_KEY", TEST_KEY)  # a real key, sent to the emulator
    monkeypatch.setenv("STUDIO_RUNWAY_BASE_URL", f"{live.url}/runway")
    image = start_image(tmp_path / "s.png")
    code, out, err = run(capsys, "chain", *RUNWAY, "--image",
                         str(image), "--prompt", f"waves {TEST_KEY}", "--links", "2",
                         "--wait", "--json")
    assert code == 0, err
    assert json.loads(out)["status"] == "succeeded"
    assert TEST_KEY not in out and TEST_KEY not in err
    root = home.data_dir.parent
    assert scan_for_secret(root, TEST_KEY) == []
