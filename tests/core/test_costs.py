"""Actual cost: the provider's own report (RunPod) or its balance before and after the job
(Luma, Vivid Flow), never guessed when other jobs shared the window."""

import asyncio

import pytest
from PIL import Image

from studio.core.config import set_value
from studio.core.jobs import JobStatus
from studio.core.service import Studio
from studio.providers.base import RenderRequest
from tests.conftest import sandbox_requests, set_faults


def live(home, sandbox, *flags: str) -> Studio:
    studio = Studio(home, sandbox_url=sandbox.url)
    settings = studio.settings
    for flag in flags:
        settings = set_value(settings, f"features.enable_public_{flag}_providers", "true")
    studio.update_settings(settings)
    return studio


async def test_luma_cost_is_the_drop_in_its_credits(home, sandbox):
    studio = live(home, sandbox, "video")
    try:
        assert await studio.catalog.refresh_quotas(force=True) == {}
        job = await studio.wait((await studio.submit(
            RenderRequest(provider="luma", model="ray-2", prompt="waves"))).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        # The sandbox charges 8 cents/s for ray-2 at 540p: 5 s is $0.40.
        assert job.actual_cost["usd"] == pytest.approx(0.40)
        assert job.actual_cost["exact"] is True
        assert job.actual_cost["source"] == "https://docs.lumalabs.ai/docs/api"
        assert job.estimate["usd"] == pytest.approx(0.40) and not job.estimate["exact"]
        [asset] = studio.store.assets_for_job(job.id)
        assert asset.provenance["actual_cost"] == job.actual_cost
        # The next job starts from the balance read after this one.
        second = await studio.wait((await studio.submit(
            RenderRequest(provider="luma", model="ray-2", prompt="waves",
                          params={"resolution": "720p"}))).id)
        assert second.actual_cost["usd"] == pytest.approx(0.80)
    finally:
        await studio.aclose()


async def test_jobs_that_overlap_get_no_actual_cost(home, sandbox):
    set_faults(sandbox, run_seconds=0.6)
    studio = live(home, sandbox, "video")
    try:
        await studio.catalog.refresh_quotas(force=True)
        jobs = [await studio.submit(RenderRequest(provider="luma", model="ray-2",
                                                  prompt=f"waves {i}")) for i in range(2)]
        done = await asyncio.gather(*(studio.wait(j.id) for j in jobs))
        assert [j.status for j in done] == [JobStatus.SUCCEEDED] * 2
        # One balance drop for two jobs cannot be split between them.
        assert [j.actual_cost for j in done] == [None, None]
    finally:
        await studio.aclose()


async def test_vivid_flow_cost_is_one_credit_from_its_usage(home, sandbox, tmp_path):
    image = tmp_path / "start.png"
    Image.new("RGB", (64, 48), (9, 9, 9)).save(image)
    studio = live(home, sandbox, "video")
    try:
        await studio.catalog.refresh_quotas(force=True)
        job = await studio.wait((await studio.submit(RenderRequest(
            provider="vividflow", model="wan2.1", prompt="x", input_images=[str(image)],
            params={"width": 64, "height": 48, "length": 17}))).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        assert (job.actual_cost["credits"], job.actual_cost["usd"]) == (1, None)
        assert "100 -> 99 credits" in job.actual_cost["basis"]
    finally:
        await studio.aclose()


async def test_runpod_cost_is_execution_time_times_the_endpoints_gpu_rate(home, sandbox):
    studio = live(home, sandbox, "image")
    studio.update_settings(set_value(studio.settings, "provider_options.runpod.gpu",
                                     "A100 (80 GB)"))
    try:
        request = RenderRequest(provider="runpod", model="raw/image", prompt="x")
        assert studio.estimate(request).usd is None  # no run measured yet
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        # The sandbox runs 0.3 s; RunPod bills whole seconds at $0.00076/s for an A100.
        assert job.actual_cost["usd"] == pytest.approx(0.00076)
        assert "executionTime 0.3 s, billed as 1 s x $0.00076/s for A100 (80 GB)" in (
            job.actual_cost["basis"])
        assert job.actual_cost["source"] == "https://docs.runpod.io/serverless/pricing"
        # Two finished runs give this model a typical run time: now it has an estimate.
        await studio.wait((await studio.submit(request)).id)
        estimate = studio.estimate(request)
        assert estimate.usd == pytest.approx(0.00076) and "x 1 s" in estimate.basis
        # A per-endpoint $/s wins over the GPU type.
        studio.update_settings(set_value(
            studio.settings, "provider_options.runpod.endpoints",
            '{"ep-7": {"usd_per_second": 0.002}}'))
        pinned = request.model_copy(update={"params": {"endpoint_id": "ep-7"}})
        assert studio.estimate(pinned).usd == pytest.approx(0.002)
    finally:
        await studio.aclose()


def test_a_bad_provider_option_is_a_clear_error(home, memory_keyring):
    studio = Studio(home, env={})
    studio.update_settings(set_value(studio.settings, "provider_options.runpod.gpu", "TPU"))
    with pytest.raises(ValueError, match=r"provider_options\.runpod\.gpu: Input should be"):
        studio.context("runpod")


async def test_the_first_job_reads_the_balance_before_it_is_sent(home, sandbox):
    """No catalog refresh first (the CLI, the API, the app before Refresh): the meter reads
    the balance just before sending, so the first job of a session gets its cost too."""
    studio = live(home, sandbox, "video")
    try:
        assert studio.costs.last("luma") is None
        job = await studio.wait((await studio.submit(
            RenderRequest(provider="luma", model="ray-2", prompt="waves"))).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        assert job.actual_cost["usd"] == pytest.approx(0.40)
        calls = [(r["method"], r["path"]) for r in sandbox_requests(sandbox, "luma")]
        sent = next(i for i, (method, _) in enumerate(calls) if method == "POST")
        assert any(path.endswith("/credits") for _, path in calls[:sent]), calls
    finally:
        await studio.aclose()


async def test_a_balance_that_cannot_be_read_first_holds_nothing_up(home, sandbox):
    set_faults(sandbox, malformed_json={"count": 1, "provider": "luma"})  # the first read
    studio = live(home, sandbox, "video")
    try:
        job = await studio.wait((await studio.submit(
            RenderRequest(provider="luma", model="ray-2", prompt="waves"))).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        assert job.actual_cost is None  # no reading from before it was sent: not guessed
        # The balance read after it is the next job's starting point.
        second = await studio.wait((await studio.submit(
            RenderRequest(provider="luma", model="ray-2", prompt="waves"))).id)
        assert second.actual_cost["usd"] == pytest.approx(0.40)
    finally:
        await studio.aclose()
