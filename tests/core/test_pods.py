"""A pod's whole life through the studio, over real HTTP against the sandbox (its clock
frozen and moved by hand, so nothing sleeps for long)."""

from __future__ import annotations

import httpx
import pytest
from PIL import Image

from studio.core.config import set_value
from studio.core.jobs import JobStatus
from studio.core.service import Studio
from studio.providers.base import RenderRequest
from studio.providers.runpod_pods import CreatePod, server_id
from tests.conftest import advance, sandbox_pods

RTX4090 = "NVIDIA GeForce RTX 4090"


def go_live(studio: Studio, **pods) -> None:
    settings = set_value(studio.settings, "features.enable_public_image_providers", "true")
    for key, value in pods.items():
        settings = set_value(settings, f"pods.{key}", str(value))
    studio.update_settings(settings)


def spec(**changes) -> CreatePod:
    return CreatePod(**{"name": "my-gpu", "gpu_type_id": RTX4090,
                        "template_id": "runpod-comfyui", **changes})


async def test_create_is_a_dry_run_with_its_price_until_the_flag_is_on(home, cloud):
    studio = Studio(home, sandbox_url=cloud.url, sandbox_live=False)  # the real-world rule
    try:
        row = await studio.pods.create(spec(cloud_type="COMMUNITY"))
        assert row.dry_run and "enable_public_image_providers" in row.reason
        assert row.usd_per_hour == pytest.approx(0.34)  # the live list's community price
        assert row.request["method"] == "POST"
        assert row.request["url"] == f"{cloud.url}/runpod_pods/v2/pods"
        assert row.request["body"]["gpu"] == {"id": RTX4090, "count": 1}
        assert row.request["body"]["cloud"] == "COMMUNITY"
        assert sandbox_pods(cloud) == []  # nothing was sent
        assert studio.pods.records.actions()[0].id == row.id
    finally:
        await studio.aclose()


async def test_the_whole_life_of_a_pod(home, cloud):
    studio = Studio(home, sandbox_url=cloud.url)
    go_live(studio)
    try:
        row = await studio.pods.create(spec())
        assert row.live and row.error is None and row.usd_per_hour == pytest.approx(0.69)
        pod_id = row.pod_id
        assert [p["id"] for p in sandbox_pods(cloud)] == [pod_id]
        [view] = await studio.pods.pods()
        assert view.pod.status == "PROVISIONING" and view.server is None  # still booting
        assert studio.pods.running_cost().pods == 1  # a booting pod bills already
        advance(cloud, 0.7)
        assert (await studio.pods.show(pod_id)).pod.status == "STARTING"
        advance(cloud, 30)
        server = await studio.pods.wait_ready(pod_id, timeout=10, interval=0.05)
        assert server is not None and server.name == "my-gpu"
        assert "sd_xl_base_1.0.safetensors" in server.checkpoints
        pid = server_id(pod_id)
        entry = next(e for e in studio.catalog.entries() if e.id == pid)
        assert entry.name == "my-gpu" and entry.status == "live"
        assert studio.catalog.reachable(pid) is True

        request = RenderRequest(provider=pid, model="sdxl-txt2img", prompt="a lighthouse",
                                seed=3, params={"width": 320, "height": 256})
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        [asset] = studio.store.assets_for_job(job.id)
        with Image.open(asset.path) as image:
            assert image.size == (320, 256)
        assert job.prepared["url"].startswith(f"{cloud.url}/runpod_pods/proxy/{pod_id}-8188/")

        # Another process (the CLI) sees the registered server too.
        other = Studio(home, sandbox_url=cloud.url)
        try:
            assert any(e.id == pid and e.name == "my-gpu" for e in other.catalog.entries())
        finally:
            await other.aclose()

        stop = await studio.pods.act(pod_id, "stop")
        assert stop.live and stop.error is None and stop.result["status"] == "EXITED"
        assert pid not in studio.providers and studio.pods.records.servers() == []
        gone = await studio.pods.act(pod_id, "terminate")
        assert gone.live and gone.error is None and sandbox_pods(cloud) == []
    finally:
        await studio.aclose()


async def test_cost_so_far_is_billed_per_second(home, cloud):
    studio = Studio(home, sandbox_url=cloud.url)
    go_live(studio)
    try:
        a = (await studio.pods.create(spec(name="a"))).pod_id
        b = (await studio.pods.create(spec(name="b", gpu_type_id="NVIDIA RTX A5000",
                                           gpu_count=2))).pod_id
        advance(cloud, 125)
        views = {v.pod.id: v for v in await studio.pods.pods()}
        assert views[a].cost_so_far == pytest.approx(125 * 0.69 / 3600)
        assert views[b].cost_so_far == pytest.approx(125 * 2 * 0.27 / 3600)
        running = studio.pods.running_cost()
        assert running.pods == 2 and running.usd_per_hour == pytest.approx(0.69 + 0.54)
        account = await studio.pods.account()
        assert account["balance_usd"] == pytest.approx(100 - 125 * (0.69 + 0.54) / 3600)
        quit = studio.pods.quit_check()
        assert {q["name"]: q["usd_per_hour"] for q in quit} == {"a": 0.69, "b": 0.54}
        await studio.pods.act(a, "stop")
        advance(cloud, 600)
        views = {v.pod.id: v for v in await studio.pods.pods()}
        assert views[a].cost_so_far == pytest.approx(125 * 0.69 / 3600)  # stopped: no more
        assert views[b].cost_so_far == pytest.approx(725 * 0.54 / 3600)
        assert [q["name"] for q in studio.pods.quit_check()] == ["b"]
    finally:
        await studio.aclose()


async def test_an_idle_pod_is_warned_about_then_stopped(home, cloud):
    studio = Studio(home, sandbox_url=cloud.url)
    go_live(studio, idle_minutes=1, warn_minutes=0.5)
    now = [0.0]
    studio.pods.guard.clock = lambda: now[0]
    seen = []
    studio.pods.on_event(seen.append)
    try:
        pod_id = (await studio.pods.create(spec())).pod_id
        advance(cloud, 30)
        assert await studio.pods.wait_ready(pod_id, timeout=10, interval=0.05)
        pid = server_id(pod_id)
        now[0] = 20
        assert await studio.pods.check_idle() == []
        # A job on the pod keeps it busy, whatever the time.
        request = RenderRequest(provider=pid, model="sdxl-txt2img", prompt="x", seed=1,
                                params={"width": 256, "height": 256})
        job = await studio.submit(request)
        now[0] = 500
        assert await studio.pods.check_idle() == []
        await studio.wait(job.id)  # finishing counts as use at t=500
        now[0] = 535
        [warning] = await studio.pods.check_idle()
        assert warning.kind == "idle_warning" and "my-gpu" in warning.message
        assert await studio.pods.check_idle() == []  # warned once
        now[0] = 561
        [stopped] = await studio.pods.check_idle()
        assert stopped.kind == "idle_stopped"
        assert sandbox_pods(cloud)[0]["status"] == "EXITED"
        assert pid not in studio.providers
        assert [e.kind for e in seen if e.kind.startswith("idle")] == ["idle_warning",
                                                                       "idle_stopped"]
    finally:
        await studio.aclose()


@pytest.mark.parametrize(("faults", "words"), [
    ({"server_errors": {"count": 1, "provider": "runpod", "status": 500}}, "HTTP 500"),
    ({"malformed_json": {"count": 1, "provider": "runpod"}}, "malformed response"),
])
async def test_errors_lose_nothing(home, cloud, faults, words):
    from studio.providers.base import ProviderError

    studio = Studio(home, sandbox_url=cloud.url)
    go_live(studio)
    try:
        pod_id = (await studio.pods.create(spec())).pod_id
        httpx.post(f"{cloud.url}/_sandbox/faults", json=faults).raise_for_status()
        with pytest.raises(ProviderError, match=words):
            await studio.pods.pods()
        [view] = await studio.pods.pods()
        assert view.pod.id == pod_id
    finally:
        await studio.aclose()


async def test_a_refused_action_is_recorded_with_the_error(home, cloud):
    studio = Studio(home, sandbox_url=cloud.url)
    go_live(studio)
    try:
        row = await studio.pods.create(spec(gpu_type_id="NVIDIA A100 80GB PCIe",
                                            template_id="nope"))
        assert row.live and "templateId 'nope' not found" in row.error
        assert studio.pods.records.actions()[0].error == row.error
        with pytest.raises(ValueError, match="no H100 SXM is free"):
            await studio.pods.create(spec(gpu_type_id="NVIDIA H100 80GB HBM3"))
    finally:
        await studio.aclose()


async def test_the_budget_status_shows_what_the_pods_up_cost(home, cloud):
    studio = Studio(home, sandbox_url=cloud.url)
    go_live(studio)
    try:
        assert studio.budget.status().pods.pods == 0
        a = (await studio.pods.create(spec(name="a"))).pod_id
        b = (await studio.pods.create(spec(name="b", gpu_type_id="NVIDIA RTX A5000",
                                           gpu_count=2))).pod_id
        advance(cloud, 125)
        await studio.pods.pods()
        # Another process (the CLI's `budget show`, the status bar at start) reads it from
        # the store, without asking RunPod.
        other = Studio(home, sandbox_url=cloud.url)
        try:
            status = other.budget.status()
        finally:
            await other.aclose()
        assert status.pods.pods == 2
        assert status.pods.usd_per_hour == pytest.approx(0.69 + 0.54)
        assert status.pods.usd_so_far == pytest.approx(125 * (0.69 + 0.54) / 3600)
        assert status.as_dict()["pods"]["usd_so_far"] == round(125 * 1.23 / 3600, 6)
        assert "2 up, $0.0427 so far" in status.pods_text()  # 125 s x $1.23/h
        assert "pods" not in status.today_text()  # the live Pods label shows them
        assert status.overall["day"].spent_usd == 0.0  # pods are not jobs: not counted
        await studio.pods.act(a, "stop")
        assert studio.budget.status().pods.pods == 1  # b only
        await studio.pods.act(b, "terminate")
        await studio.pods.pods()
        status = studio.budget.status()
        assert status.pods.pods == 0 and status.pods_text() == ""
        # A stopped pod keeps its rate for the next start (RunPod v2 says cost 0.0 then).
        assert studio.pods.rate(a) == pytest.approx(0.69)
    finally:
        await studio.aclose()


async def test_pods_in_use_is_known_without_the_pods_code(home, cloud):
    studio = Studio(home, sandbox_url=cloud.url, sandbox_live=False)  # the real-world rule
    try:
        assert not studio.pods_in_use()  # a fresh studio: the pods' code has not loaded
        assert "pods" not in vars(studio)
        dry = await studio.pods.create(spec())  # the flag is off: a dry-run
        assert dry.dry_run and not studio.pods_in_use() and not studio.pods.in_use()
        go_live(studio)
        live = await studio.pods.create(spec())
        assert live.live and studio.pods_in_use() and studio.pods.in_use()
    finally:
        await studio.aclose()


def test_a_studio_that_never_ran_pods_starts_without_their_code(tmp_path):
    """Start-up (bench/gui_startup): Studio() leaves core.pods' service and RunPod's pod
    client unloaded until a pod has run; one registered by an earlier run loads them."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    child = (
        "import sys\n"
        "from studio.core.paths import StudioPaths\n"
        "from studio.core.service import Studio\n"
        f"s = Studio(StudioPaths.resolve({str(tmp_path / 'home')!r}), env={{}})\n"
        "print(sorted(m for m in ('studio.core.pods.service', 'studio.providers.runpod_pods')"
        " if m in sys.modules))\n"
        "if sys.argv[1:] == ['register']:\n"
        "    with s.store.transaction() as db:\n"
        "        db.execute(\"INSERT INTO pod_servers (pod_id, provider_id, name, base_url, "
        "checkpoints, usd_per_hour, registered_at) VALUES ('p1', 'pod-p1', 'p', "
        "'http://127.0.0.1:9', '[]', 0.69, 0)\")\n"
    )
    env = {"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    first = subprocess.run([sys.executable, "-c", child, "register"], env=env, cwd=root,
                           capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "[]"
    again = subprocess.run([sys.executable, "-c", child], env=env, cwd=root,
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "['studio.core.pods.service', 'studio.providers.runpod_pods']"


def hours_pass(studio: Studio, hours: float) -> None:
    """The studio (closed) was last running `hours` ago: its pod rows say so."""
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(studio.paths.db_file)) as db, db:
        db.execute("UPDATE pod_servers SET registered_at = registered_at - ?", (hours * 3600,))


async def test_a_pod_left_up_while_the_studio_was_closed_is_warned_then_stopped(home, cloud):
    import asyncio

    studio = Studio(home, sandbox_url=cloud.url)
    go_live(studio, idle_minutes=30, warn_minutes=0.01)  # the stop comes 0.6 s after
    try:
        pod_id = (await studio.pods.create(spec())).pod_id
        advance(cloud, 30)
        assert await studio.pods.wait_ready(pod_id, timeout=10, interval=0.05)
    finally:
        await studio.aclose()
    # The studio stays closed for 3 hours (the server was registered, no job since).
    hours_pass(studio, 3)

    again = Studio(home, sandbox_url=cloud.url)  # restores the server, counting those hours
    try:
        [warning] = await again.pods.check_idle()
        assert warning.kind == "idle_warning" and "3.0 h" in warning.message
        assert sandbox_pods(cloud)[0]["status"] == "RUNNING"  # a warning first, no stop
        await asyncio.sleep(0.7)
        [stopped] = await again.pods.check_idle()
        assert stopped.kind == "idle_stopped" and "3.0 h idle" in stopped.message
        assert sandbox_pods(cloud)[0]["status"] == "EXITED"
    finally:
        await again.aclose()


async def test_a_restored_pod_with_a_recent_job_keeps_its_idle_time(home, cloud):
    studio = Studio(home, sandbox_url=cloud.url)
    go_live(studio, idle_minutes=30, warn_minutes=5)
    try:
        pod_id = (await studio.pods.create(spec())).pod_id
        advance(cloud, 30)
        assert await studio.pods.wait_ready(pod_id, timeout=10, interval=0.05)
        request = RenderRequest(provider=server_id(pod_id), model="sdxl-txt2img", prompt="x",
                                seed=1, params={"width": 256, "height": 256})
        await studio.wait((await studio.submit(request)).id)
    finally:
        await studio.aclose()
    hours_pass(studio, 3)

    again = Studio(home, sandbox_url=cloud.url)
    try:  # registered 3 h ago, but used a moment ago: nothing to say
        assert await again.pods.check_idle() == []
        idle = again.pods.guard.clock() - again.pods.guard.watches[pod_id].last_used
        assert idle < 60
    finally:
        await again.aclose()
