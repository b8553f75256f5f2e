"""Running the sandbox: thread server, child process, admin routes, files and clock."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from studio.sandbox import SandboxConfig, SandboxServer, spawn_sandbox_process
from studio.sandbox.server import SandboxStartError

ROOT = Path(__file__).resolve().parents[2]


def test_thread_server_serves_and_stops() -> None:
    with SandboxServer(SandboxConfig(run_seconds=0.05, max_body_bytes=64)) as server:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.url)
        health = httpx.get(f"{server.url}/health").json()
        assert health["status"] == "ok" and health["sandbox"] is True
        # Every protocol the adapters are tested against is mounted.
        assert {"fal", "runway", "stability", "luma"} <= set(health["providers"])
        assert server.app.state.sandbox.config.run_seconds == 0.05
        too_big = httpx.post(
            f"{server.url}/fal/fal-ai/flux/dev",
            json={"prompt": "x" * 100},
            headers={"Authorization": "Key k"},
        )
        assert too_big.status_code == 413
        assert "too large" in too_big.json()["detail"]
        url = server.url
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/health", timeout=1)


def test_module_prints_one_url_line_and_serves() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "studio.sandbox", "--port", "0", "--queue-seconds", "0.01"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.fullmatch(r"SANDBOX_URL=(http://127\.0\.0\.1:(\d+))\n", line)
        assert match and int(match.group(2)) > 0
        url = match.group(1)
        submitted = httpx.post(
            f"{url}/fal/fal-ai/flux/schnell",
            json={"prompt": "from a child process"},
            headers={"Authorization": "Key k"},
        )
        assert submitted.status_code == 200
        assert submitted.json()["status_url"].startswith(f"{url}/fal/fal-ai/flux/requests/")
    finally:
        process.terminate()
        rest, _ = process.communicate(timeout=10)
    assert rest == ""


def test_spawn_sandbox_process_returns_a_live_url() -> None:
    process, url = spawn_sandbox_process(queue_seconds=0.01, run_seconds=0.01)
    try:
        assert httpx.get(f"{url}/health").status_code == 200
        assert process.poll() is None
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_started_sandbox_is_awaited_later_and_stopped() -> None:
    """The desktop app starts the sandbox first and reads its URL when the service needs
    it (app.launch); `stop` ends it, and a sandbox that cannot start says why."""
    from studio.sandbox.process import start_sandbox_process

    launch = start_sandbox_process(queue_seconds=0.01, run_seconds=0.01)
    try:
        url = launch.url(timeout=30)
        assert launch.url() == url  # asked again: the same answer, no new wait
        assert httpx.get(f"{url}/health").status_code == 200
    finally:
        launch.stop()
    assert launch.process.poll() is not None
    refused = start_sandbox_process(host="192.0.2.1")
    with pytest.raises(SandboxStartError, match="loopback"):
        refused.url(timeout=30)
    refused.stop()  # already gone: nothing to do, no error


def test_starting_the_sandbox_loads_nothing_of_its_server() -> None:
    child = ("import sys\n"
             "from studio.sandbox.process import start_sandbox_process\n"
             "from studio.sandbox import SandboxStartError\n"
             "print(sorted(m for m in ('uvicorn', 'starlette', 'httpx', 'PIL', "
             "'studio.sandbox.server', 'studio.sandbox.app') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", child], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_non_loopback_hosts_are_refused() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "studio.sandbox", "--host", "0.0.0.0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    assert "loopback" in result.stderr
    assert "SANDBOX_URL" not in result.stdout
    with pytest.raises(SandboxStartError, match="loopback"):
        spawn_sandbox_process(host="192.0.2.1", timeout=30)


def test_files_support_head_and_ranges(
    sandbox: SandboxServer, fal: httpx.Client, admin: httpx.Client
) -> None:
    admin.post("/faults", json={"queue_seconds": 0, "run_seconds": 0}).raise_for_status()
    job = fal.post("/fal-ai/flux/dev", json={"prompt": "x", "image_size": "square"}).json()
    url = fal.get(job["response_url"]).json()["images"][0]["url"]
    whole = httpx.get(url)
    head = httpx.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(whole.content))
    part = httpx.get(url, headers={"Range": "bytes=2-9"})
    assert part.status_code == 206
    assert part.content == whole.content[2:10]
    assert part.headers["content-range"] == f"bytes 2-9/{len(whole.content)}"
    tail = httpx.get(url, headers={"Range": "bytes=-4"})
    assert tail.content == whole.content[-4:]
    outside = httpx.get(url, headers={"Range": f"bytes={len(whole.content)}-"})
    assert outside.status_code == 416
    missing = httpx.get(f"{sandbox.url}/files/nothing.png")
    assert (missing.status_code, missing.json()) == (404, {"error": "File not found"})


def test_clock_can_freeze_advance_and_resume(fal: httpx.Client, admin: httpx.Client) -> None:
    frozen = admin.post("/clock", json={"freeze": True}).json()
    assert frozen["frozen"] is True
    later = admin.get("/clock").json()
    assert later["now"] == frozen["now"]
    moved = admin.post("/clock", json={"advance": 2.5}).json()
    assert moved["now"] == pytest.approx(frozen["now"] + 2.5)
    resumed = admin.post("/clock", json={"resume": True}).json()
    assert resumed["frozen"] is False and resumed["now"] >= moved["now"]
    assert admin.post("/clock", json={"advance": -1}).status_code == 400
    assert admin.post("/clock", json={"rewind": 1}).status_code == 400


def test_jobs_listing_and_reset(
    fal: httpx.Client, runway: httpx.Client, admin: httpx.Client
) -> None:
    admin.post("/clock", json={"freeze": True})
    fal.post("/fal-ai/flux/dev", json={"prompt": "x"})
    task = {"model": "gen4_image", "promptText": "y", "ratio": "720:720"}
    runway.post("/v1/text_to_image", json=task)
    jobs = admin.get("/jobs").json()
    assert [(j["provider"], j["route"], j["phase"]) for j in jobs] == [
        ("fal", "fal-ai/flux/dev", "queued"),
        ("runway", "gen4_image", "queued"),
    ]
    assert [j["provider"] for j in admin.get("/jobs", params={"provider": "runway"}).json()] == [
        "runway"
    ]
    assert admin.post("/reset").status_code == 204
    assert admin.get("/jobs").json() == []
    assert admin.get("/clock").json()["frozen"] is False
