"""Two cancels of one running job (Cancel all while the Queue's Cancel runs): the job ends
`cancelled`, the second never cuts the first one's clean-up short."""

import asyncio

from studio.core.jobs import JobStatus
from studio.core.service import Studio
from studio.providers.base import RenderRequest
from tests.conftest import set_faults


async def test_two_cancels_at_once_end_the_job_cancelled(home, sandbox):
    set_faults(sandbox, run_seconds=5.0)
    studio = Studio(home, sandbox_url=sandbox.url)
    try:
        assert await studio.catalog.refresh() == {}
        for delay in (0.0, 0.002, 0.005, 0.01, 0.02):
            jobs = [await studio.submit(RenderRequest(provider="comfyui", model="sdxl-txt2img",
                                                      prompt=f"slow {n}")) for n in range(2)]
            for _ in range(200):
                if all(studio.store.get_job(j.id).remote_id for j in jobs):
                    break
                await asyncio.sleep(0.02)
            for job in jobs:  # the running one and the one queued behind it
                first = asyncio.ensure_future(studio.cancel(job.id))
                await asyncio.sleep(delay)  # the first one's clean-up is under way
                await asyncio.gather(first, studio.cancel(job.id))
                now = studio.store.get_job(job.id)
                assert now.status is JobStatus.CANCELLED, (delay, now.status, now.message)
    finally:
        await studio.aclose()
