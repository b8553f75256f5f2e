"""`studio-cli serve` in a child process: resumes first, prints URL and token, answers,
and stops cleanly on SIGTERM."""

import os
import re
import signal
import subprocess
import sys
import threading

import httpx

from studio.core.jobs import Job, JobStatus, new_job_id
from studio.core.store import Store


def _leftover_job(home) -> str:
    """A job an earlier session left while submitting: resume must mark it unknown."""
    store = Store(home.db_file)
    job = Job(id=new_job_id(), provider="fal", model="fal-ai/flux/dev", mode="txt2img",
              prompt="left over", request={"provider": "fal", "model": "fal-ai/flux/dev",
                                           "prompt": "left over"}, dry_run=False)
    store.create_job(job)
    store.update_job(job.id, status=JobStatus.QUEUED)
    store.update_job(job.id, status=JobStatus.SUBMITTING)
    store.close()
    return job.id


def test_serve_prints_url_and_token_answers_and_stops(home):
    home.ensure()
    job_id = _leftover_job(home)
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    proc = subprocess.Popen([sys.executable, "-m", "studio.cli", "serve", "--port", "0"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    watchdog = threading.Timer(30, proc.kill)
    watchdog.start()
    try:
        lines = [proc.stdout.readline() for _ in range(4)]
        url = re.search(r"(http://127\.0\.0\.1:\d+)", lines[0]).group(1)
        token = lines[1].split("Token:", 1)[1].strip()
        assert "in memory for this session" in lines[2] and lines[3].startswith("Docs:")
        health = httpx.get(f"{url}/health", trust_env=False)
        assert health.status_code == 200 and health.json() == {"status": "ok"}
        assert httpx.get(f"{url}/api/jobs", trust_env=False).status_code == 401
        job = httpx.get(f"{url}/api/jobs/{job_id}", trust_env=False,
                        headers={"Authorization": f"Bearer {token}"}).json()
        assert job["status"] == "unknown"  # resumed (and judged) before serving
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert "stopped" in proc.stderr.read()
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_serve_refuses_a_privileged_port_and_reports_a_taken_one(home, capsys, no_keyring):
    import socket

    from studio.cli import main

    assert main(["serve", "--port", "80"]) == 2
    assert "1024-65535" in capsys.readouterr().err
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        assert main(["serve", "--port", str(busy.getsockname()[1])]) == 1
    assert "cannot listen" in capsys.readouterr().err
