"""The CLI keeps its word: `generate` returns once the provider has the job, `wait` and
`job --refresh` finish it later (never a second submission), params are read by type,
prompts come from files or stdin, and a closed pipe ends a listing quietly."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time

import pytest

from studio.cli import follow, main
from studio.core.jobs import Job, JobStatus, new_job_id
from studio.core.leases import new_owner_id
from studio.core.store import Store
from tests.conftest import TEST_KEY, sandbox_requests, set_faults

FAL = ["--provider", "fal", "--model", "fal-ai/flux/schnell"]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def live(home, capsys, sandbox, monkeypatch, no_keyring):
    """fal live against the sandbox: the image flag on and a key in the environment."""
    monkeypatch.setenv("FAL_KEY", TEST_KEY)
    assert run(capsys, "--sandbox-url", sandbox.url, "config", "set",
               "features.enable_public_image_providers", "true")[0] == 0
    return sandbox


def _posts(sandbox):
    return [r for r in sandbox_requests(sandbox, "fal") if r["method"] == "POST"]


def _leases(home):
    db = sqlite3.connect(home.db_file)
    try:
        return db.execute("SELECT job_id, owner FROM leases").fetchall()
    finally:
        db.close()


def test_generate_returns_once_accepted_and_wait_finishes_it(live, home, capsys):
    set_faults(live, run_seconds=2.0)
    code, out, err = run(capsys, "--sandbox-url", live.url, "generate", *FAL,
                         "--prompt", "a slow fox", "--json")
    assert code == 0, err
    data = json.loads(out)
    # Sent and accepted: the remote id is stored, nothing is finished yet, nobody owns it.
    assert data["status"] in ("submitted", "running") and data["remote_id"]
    assert "accepted by fal" in err and f"studio-cli wait {data['job_id']}" in err
    assert len(_posts(live)) == 1
    assert _leases(home) == []
    code, out, err = run(capsys, "--sandbox-url", live.url, "wait", data["job_id"], "--json")
    assert code == 0, err
    [done] = json.loads(out)
    assert done["status"] == "succeeded" and os.path.exists(done["outputs"][0]["path"])
    assert len(_posts(live)) == 1  # polled and fetched, never sent again


def test_job_refresh_records_progress_then_fetches_the_outputs(live, home, capsys):
    set_faults(live, run_seconds=1.5)
    code, out, _ = run(capsys, "--sandbox-url", live.url, "generate", *FAL, "--prompt", "fox",
                       "--json")
    job_id = json.loads(out)["job_id"]
    code, out, err = run(capsys, "--sandbox-url", live.url, "job", job_id, "--refresh",
                         "--json")
    assert code == 0 and "at the provider" in err
    assert json.loads(out)["status"] in ("submitted", "running")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # until the provider says it is done
        code, out, err = run(capsys, "--sandbox-url", live.url, "job", job_id, "--refresh",
                             "--json")
        if json.loads(out)["status"] == "succeeded":
            break
        time.sleep(0.2)
    data = json.loads(out)
    assert data["status"] == "succeeded", err
    assert os.path.exists(data["outputs"][0]["path"])
    assert len(_posts(live)) == 1 and _leases(home) == []


def test_refresh_of_an_unknown_job_fetches_what_the_provider_finished(live, home, capsys):
    code, out, _ = run(capsys, "--sandbox-url", live.url, "generate", *FAL, "--prompt", "u",
                       "--wait", "--json")
    job_id = json.loads(out)["job_id"]
    store = Store(home.db_file)  # what a long poll outage leaves: unknown, remote id kept
    job = store.get_job(job_id)
    db = sqlite3.connect(home.db_file)
    with db:
        db.execute("DELETE FROM assets WHERE job_id=?", (job_id,))
        db.execute("UPDATE jobs SET status='unknown', recoverable=1 WHERE id=?", (job_id,))
    db.close()
    store.close()
    code, out, err = run(capsys, "--sandbox-url", live.url, "job", job_id, "--refresh",
                         "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["status"] == "succeeded" and data["remote_id"] == job.remote_id
    assert len(data["outputs"]) == 1 and len(_posts(live)) == 1


def test_wait_follows_a_job_another_process_holds_and_takes_it_over(live, home, capsys,
                                                                     monkeypatch):
    monkeypatch.setattr(follow, "ELSEWHERE_POLL_SECONDS", 0.05)
    code, out, _ = run(capsys, "--sandbox-url", live.url, "generate", *FAL, "--prompt", "w",
                       "--json")
    job_id = json.loads(out)["job_id"]
    # Another process holds it (our own pid keeps the lease "alive") for half a second more.
    db = sqlite3.connect(home.db_file)
    now = time.time()
    with db:
        db.execute("INSERT INTO leases VALUES (?, ?, ?, ?, ?)",
                   (job_id, new_owner_id(), now, now, now + 0.5))
    db.close()
    code, out, err = run(capsys, "--sandbox-url", live.url, "wait", job_id)
    assert code == 0, err
    assert "succeeded" in out and len(_posts(live)) == 1


def test_a_job_driven_elsewhere_is_shown_as_such_on_refresh(live, home, capsys):
    code, out, _ = run(capsys, "--sandbox-url", live.url, "generate", *FAL, "--prompt", "e",
                       "--json")
    job_id = json.loads(out)["job_id"]
    owner = new_owner_id()
    db = sqlite3.connect(home.db_file)
    with db:
        db.execute("INSERT INTO leases VALUES (?, ?, ?, ?, ?)",
                   (job_id, owner, time.time(), time.time(), time.time() + 60))
    db.close()
    code, out, err = run(capsys, "--sandbox-url", live.url, "job", job_id, "--refresh")
    assert code == 0 and "another Provider Studio process" in err and owner in err


def test_compare_without_wait_returns_once_every_provider_accepted(live, home, capsys):
    code, _out, err = run(capsys, "--sandbox-url", live.url, "compare", "--target",
                         "fal:fal-ai/flux/schnell", "--target", "fal:fal-ai/flux/dev",
                         "--prompt", "two foxes", "--json")
    assert code == 0, err
    assert len(_posts(live)) == 2
    store = Store(home.db_file)
    try:
        jobs = store.list_jobs()
    finally:
        store.close()
    assert len(jobs) == 2 and all(j.remote_id for j in jobs)


@pytest.mark.parametrize(("provider", "model", "field", "value", "extra"), [
    ("pika", "fal-ai/pika/v2.2/text-to-video", "duration", "5", []),
    ("runway", "veo3.1/text_to_video", "duration", "4", []),
    ("vividflow", "veo3.1", "duration_seconds", "6",
     ["--param", "image_url=https://example.com/a.png"]),
])
def test_param_is_read_by_the_field_type(home, capsys, provider, model, field, value, extra):
    """`Literal[5, 10]` and friends: the text "5" is the integer the model wants."""
    code, out, err = run(capsys, "generate", "--provider", provider, "--model", model,
                         "--prompt", "x", "--param", f"{field}={value}", *extra, "--json")
    assert code == 0, err
    params = json.loads(out)["input"]["params"]
    assert params[field] == int(value) and isinstance(params[field], int)


def test_params_of_every_kind(home, capsys):
    code, out, err = run(capsys, "generate", "--provider", "fal", "--model", "fal-ai/flux/dev",
                         "--prompt", "x", "--param", "num_images=2.0", "--param",
                         "guidance_scale=4", "--param", "enable_safety_checker=yes",
                         "--param", "image_size=square", "--json")
    assert code == 0, err
    params = json.loads(out)["input"]["params"]
    assert params["num_images"] == 2 and params["guidance_scale"] == 4.0
    assert params["enable_safety_checker"] is True and params["image_size"] == "square"


def test_prompt_file_and_stdin(home, capsys, tmp_path):
    long = "a lighthouse at dusk, " * 200
    path = tmp_path / "prompt.txt"
    path.write_text(long + "\n", encoding="utf-8")
    code, out, err = run(capsys, "generate", "--provider", "fal", "--model", "fal-ai/flux/dev",
                         "--prompt-file", str(path), "--json")
    assert code == 0, err
    assert json.loads(out)["input"]["prompt"] == long.strip()
    done = subprocess.run([sys.executable, "-m", "studio.cli", "generate", "--provider", "fal",
                           "--model", "fal-ai/flux/dev", "--prompt-file", "-", "--json"],
                          input="from stdin ünïcode\n", capture_output=True, text=True,
                          env={**os.environ, "PYTHON_KEYRING_BACKEND":
                               "keyring.backends.fail.Keyring"}, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["input"]["prompt"] == "from stdin ünïcode"
    with pytest.raises(SystemExit) as exit_:  # one or the other (argparse says so)
        main(["generate", "--provider", "fal", "--model", "fal-ai/flux/dev", "--prompt", "x",
              "--prompt-file", str(path)])
    assert exit_.value.code == 2 and "not allowed with" in capsys.readouterr().err


def test_a_closed_pipe_ends_the_listing_quietly(home):
    home.ensure()
    store = Store(home.db_file)
    try:
        for n in range(400):  # far more than a pipe buffer holds
            store.create_job(Job(id=new_job_id(), provider="fal", model="fal-ai/flux/dev",
                                 mode="txt2img", prompt=f"prompt number {n} " * 4,
                                 request={"provider": "fal", "model": "fal-ai/flux/dev"},
                                 status=JobStatus.DRY_RUN))
    finally:
        store.close()
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    for args in (["jobs", "--limit", "400"], ["jobs", "--limit", "400", "--json"]):
        done = subprocess.run(f"{sys.executable} -m studio.cli {' '.join(args)} | head -3",
                              shell=True, capture_output=True, text=True, env=env, timeout=60)
        assert len(done.stdout.splitlines()) == 3
        assert done.stderr == "", done.stderr


def test_an_output_sent_with_the_answer_is_saved_before_returning(home, capsys, sandbox,
                                                                 monkeypatch, no_keyring):
    """Stability answers with the image itself: there is no remote copy to fetch later, so
    `generate` without --wait saves it before it returns."""
    monkeypatch.setenv("STABILITY_API_KEY", TEST_KEY)
    run(capsys, "--sandbox-url", sandbox.url, "config", "set",
        "features.enable_public_image_providers", "true")
    code, out, err = run(capsys, "--sandbox-url", sandbox.url, "generate", "--provider",
                         "stability", "--model", "core", "--prompt", "a fox", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["status"] == "succeeded" and os.path.exists(data["outputs"][0]["path"])
