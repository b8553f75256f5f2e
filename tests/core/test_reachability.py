"""Self-hosted servers are live only once they answer: a cheap, cached, async check per
catalog entry, asked before a job decides, and a Test of an address typed in Settings."""

import asyncio
import socket

from studio.core.config import set_value
from studio.core.jobs import JobStatus
from studio.core.reachability import Reach, Reachability
from studio.core.service import Studio
from studio.providers.base import Health, ProviderError, RenderRequest
from tests.conftest import sandbox_requests


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again: nothing listens there


async def test_one_probe_per_entry_at_a_time_and_answers_are_cached():
    calls: list[str] = []

    async def probe(entry_id: str) -> Health | None:
        calls.append(entry_id)
        await asyncio.sleep(0.05)
        if entry_id == "down":
            raise ProviderError("could not connect to 127.0.0.1:8188")
        return None if entry_id == "hosted" else Health(True, "GPU")

    reach = Reachability(probe)
    assert reach.reach("pod-1") is Reach.UNCHECKED
    answers = await asyncio.gather(*(reach.check("pod-1") for _ in range(5)),
                                   reach.check("down"), reach.check("hosted"))
    assert calls.count("pod-1") == 1  # five callers, one probe
    assert {a.reach for a in answers} == {Reach.ANSWERS, Reach.SILENT, Reach.NOT_APPLICABLE}
    assert reach.detail("down") == "could not connect to 127.0.0.1:8188"
    await reach.check("pod-1")
    assert calls.count("pod-1") == 1  # fresh: not asked again
    await reach.check("pod-1", force=True)
    assert calls.count("pod-1") == 2
    reach.forget("pod-1")
    assert reach.reach("pod-1") is Reach.UNCHECKED and reach.reach("down") is Reach.SILENT
    reach.ttl = 0.0
    assert reach.stale("down") and reach.reach("down") is Reach.SILENT  # stale, still shown
    await reach.check("pod-1")
    assert calls.count("pod-1") == 3  # stale: asked again


async def test_an_entry_added_at_run_time_brings_its_own_probe():
    async def default(entry_id: str) -> Health | None:
        raise AssertionError("the default probe is not asked for this entry")

    reach = Reachability(default)
    asked: list[int] = []

    async def pod() -> Health | None:
        asked.append(1)
        return Health(True, "pod GPU")

    reach.add_probe("pod-abc", pod)
    assert (await reach.check("pod-abc")).reach is Reach.ANSWERS
    assert reach.detail("pod-abc") == "pod GPU" and asked == [1]
    reach.remove_probe("pod-abc")
    assert reach.reach("pod-abc") is Reach.UNCHECKED


async def test_nothing_on_the_port_means_no_job_is_sent_even_unchecked(home):
    """The old bug: ComfyUI showed live with nothing on :8188 and every job failed with
    ConnectError. Now the job asks first and is a dry-run that says why."""
    studio = Studio(home, env={})
    try:
        url = f"http://127.0.0.1:{_closed_port()}"
        studio.update_settings(set_value(studio.settings, "base_urls.comfyui", url))
        entry = studio.catalog.entry("comfyui")
        assert (entry.status, entry.server) == ("dry-run", "unchecked")
        job = await studio.submit(RenderRequest(provider="comfyui", model="sdxl-txt2img",
                                                prompt="x"))
        assert job.status is JobStatus.DRY_RUN and "does not answer" in job.dry_run_reason
        assert studio.catalog.entry("comfyui").server == "silent"
    finally:
        await studio.aclose()


async def test_a_server_that_answers_runs_live_and_a_settings_change_asks_again(home,
                                                                                 sandbox):
    studio = Studio(home, env={})
    try:
        studio.update_settings(set_value(studio.settings, "base_urls.comfyui",
                                         f"{sandbox.url}/comfyui"))
        job = await studio.submit(RenderRequest(provider="comfyui", model="sdxl-txt2img",
                                                prompt="x", params={"width": 256,
                                                                    "height": 256}))
        assert job.status is JobStatus.QUEUED  # asked first, it answered: live
        assert (await studio.wait(job.id)).status is JobStatus.SUCCEEDED
        assert studio.catalog.entry("comfyui").status == "live"
        gets = [r for r in sandbox_requests(sandbox, "comfyui")
                if r["route"].startswith("/system_stats")]
        assert len(gets) == 1
        studio.update_settings(set_value(studio.settings, "base_urls.comfyui",
                                         f"http://127.0.0.1:{_closed_port()}"))
        assert studio.catalog.entry("comfyui").server == "unchecked"  # forgotten
        errors = await studio.catalog.refresh_health(force=False)
        assert "comfyui" in errors and studio.catalog.entry("comfyui").status == "dry-run"
    finally:
        await studio.aclose()


async def test_test_of_a_typed_address_asks_it_and_saves_nothing(home, sandbox):
    studio = Studio(home, env={})
    try:
        ok, said = await studio.check_address("comfyui", f"{sandbox.url}/comfyui")
        assert ok and said.startswith("The server answers") and "Sandbox GPU" in said
        ok, said = await studio.check_address("comfyui",
                                              f"http://127.0.0.1:{_closed_port()}")
        assert not ok and "connect" in said.lower()
        ok, said = await studio.check_address("comfyui", "file:///etc/passwd")
        assert not ok
        ok, said = await studio.check_address("vividflow", f"{sandbox.url}/vividflow")
        assert ok and "answers" in said  # no key, no health check: any HTTP answer
        assert studio.settings.base_urls == {}
    finally:
        await studio.aclose()
