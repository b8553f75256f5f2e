"""Owners in one process: heartbeats keep a long job's lease, another owner leaves it
alone, and a cancel from elsewhere stops the owner without a false failure."""

from studio.core.jobs import JobStatus
from studio.core.leases import Leases
from studio.core.service import Studio
from tests.conftest import set_faults
from tests.core.live_helpers import flux, live_studio, submissions, wait_for


async def test_heartbeats_keep_a_long_job_owned(home, sandbox):
    set_faults(sandbox, run_seconds=1.5)
    studio = live_studio(home, sandbox)
    studio.leases.seconds = 0.3  # expires fast unless renewed
    other = Leases(studio.store, "another-host:1:x", seconds=0.3)
    try:
        job = await studio.submit(flux())
        await wait_for(lambda: studio.store.get_job(job.id).status is JobStatus.RUNNING,
                       "the job to run")
        taken = studio.leases.holder(job.id).taken_at

        def renewed_for(seconds):
            lease = studio.leases.holder(job.id)
            return lease is not None and lease.heartbeat_at - taken >= seconds

        # Three lease lifetimes later, only heartbeats can have kept it.
        await wait_for(lambda: renewed_for(0.9), "heartbeats for three lease lifetimes")
        assert not other.take(job.id)
        assert (await studio.wait(job.id)).status is JobStatus.SUCCEEDED
        assert other.take(job.id)  # released when done
    finally:
        await studio.aclose()


async def test_a_second_studio_leaves_a_running_job_alone(home, sandbox):
    set_faults(sandbox, run_seconds=1.0)
    first = live_studio(home, sandbox)
    second = Studio(home, sandbox_url=sandbox.url)
    try:
        job = await first.submit(flux())
        await wait_for(lambda: first.store.get_job(job.id).remote_id, "a remote id")
        assert await second.resume() == []
        assert second.leases.held_elsewhere(job.id).owner == first.leases.owner
        assert (await first.wait(job.id)).status is JobStatus.SUCCEEDED
    finally:
        await first.aclose()
        await second.aclose()
    assert len(submissions(sandbox, "fal")) == 1


async def test_cancel_from_another_studio_stops_the_owner_quietly(home, sandbox):
    set_faults(sandbox, run_seconds=3.0)
    first = live_studio(home, sandbox)
    second = Studio(home, sandbox_url=sandbox.url)
    try:
        job = await first.submit(flux())
        await wait_for(lambda: first.store.get_job(job.id).status is JobStatus.RUNNING,
                       "the job to run")
        cancelled = await second.cancel(job.id)
        assert cancelled.status is JobStatus.CANCELLED
        await first.wait(job.id)  # its next write finds the lease gone, and it stops
        final = first.store.get_job(job.id)
        assert final.status is JobStatus.CANCELLED and final.error is None
    finally:
        await first.aclose()
        await second.aclose()
