"""`studio-cli storyboard run --auto-approve --wait` killed with its keyframe jobs out:
`studio-cli resume` finishes those jobs and carries the storyboard on to its clips (ready to
stitch, as an uninterrupted run leaves it), sending no job twice."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import httpx

from tests.api.test_storyboards import BOARD


def _remote_jobs(home) -> int:
    if not home.db_file.exists():
        return 0
    db = sqlite3.connect(home.db_file)
    try:
        return db.execute("SELECT COUNT(*) FROM jobs WHERE remote IS NOT NULL AND "
                          "remote != ''").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0
    finally:
        db.close()


def test_resume_carries_a_killed_storyboard_run_on_to_its_film(home, tmp_path):
    from studio.sandbox import spawn_sandbox_process

    proc, url = spawn_sandbox_process(queue_seconds=0.1, run_seconds=3)
    env = {**os.environ, "STUDIO_HOME": str(home.config_dir.parent)}
    cli = [sys.executable, "-m", "studio.cli", "--sandbox-url", url]
    try:
        for flag in ("image", "video"):
            subprocess.run([*cli, "config", "set", f"features.enable_public_{flag}_providers",
                            "true"], env=env, check=True, capture_output=True)
        spec = tmp_path / "board.json"
        spec.write_text(json.dumps(BOARD))
        made = subprocess.run([*cli, "storyboard", "create", str(spec), "--json"], env=env,
                              check=True, capture_output=True, text=True)
        board_id = json.loads(made.stdout)["storyboard_id"]
        run = subprocess.Popen([*cli, "storyboard", "run", board_id, "--auto-approve",
                                "--wait", "--max-usd", "5"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while _remote_jobs(home) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _remote_jobs(home) == 2, "the keyframe jobs never got remote ids"
        run.send_signal(signal.SIGKILL)
        run.wait(10)
        # The keyframes keep their 3 s (long enough to kill the run mid-job); the clips the
        # resume sends are done at their first poll.
        httpx.post(f"{url}/_sandbox/faults",
                   json={"queue_seconds": 0, "run_seconds": 0}).raise_for_status()
        done = subprocess.run([*cli, "resume"], env=env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        assert "resuming 1 storyboard run(s)" in done.stderr
        shown = subprocess.run([*cli, "storyboard", "show", board_id, "--json"], env=env,
                               check=True, capture_output=True, text=True)
        data = json.loads(shown.stdout)
        assert data["status"] == "ready", data["status"]
        assert all(s["stages"]["clip"]["status"] == "approved" for s in data["scenes"])
        stitched = subprocess.run([*cli, "storyboard", "stitch", board_id, "--json"],
                                  env=env, check=True, capture_output=True, text=True)
        assert json.loads(stitched.stdout)["final"]["duration_seconds"] > 9
        posts = [r for r in httpx.get(f"{url}/_sandbox/requests").json()
                 if r["method"] == "POST"]
        assert len(posts) == 4  # two keyframes, two clips: none sent twice
    finally:
        proc.terminate()
        proc.wait(10)
