"""Latency counts from the moment the request started going out, so a provider that
answers synchronously (Stability) is not shown as 0 s."""

from studio.core.config import set_value
from studio.core.service import Studio
from studio.providers.base import RenderRequest
from tests.conftest import set_faults


async def test_synchronous_provider_latency_includes_the_request(home, sandbox):
    set_faults(sandbox, run_seconds=0.6)
    studio = Studio(home, sandbox_url=sandbox.url)
    studio.update_settings(set_value(studio.settings, "features.enable_public_image_providers",
                                     "true"))
    try:
        ids = []
        for _ in range(2):
            job = await studio.submit(RenderRequest(provider="stability", model="core",
                                                    prompt="a lighthouse", seed=3))
            ids.append((await studio.wait(job.id)).id)
        job = studio.store.get_job(ids[0])
        assert job.finished_at - job.submitted_at < 0.3  # what the old figure measured
        assert studio.latency_seconds(job) >= 0.5  # the sandbox held the answer 0.6 s
        assert studio.typical_seconds("stability", "core") >= 0.5
        assert studio.latency_seconds(studio.store.get_job(ids[1])) >= 0.5
    finally:
        await studio.aclose()


def test_no_latency_for_jobs_that_did_not_succeed(home):
    studio = Studio(home, env={})
    try:
        assert studio.latency_seconds(None) is None
        assert studio.typical_seconds("fal", "fal-ai/flux/dev") is None
    finally:
        studio.store.close()
