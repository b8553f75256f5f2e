"""Poll outages never write off a job the provider may still finish: they are survived up
to the job's deadline, then the job is `unknown` with its remote id, and Check again or
resume fetch it later."""

import pytest

from studio.core.jobs import Job, JobStatus, NotRecoverable, new_job_id
from studio.core.service import Studio
from tests.conftest import sandbox_requests, set_faults
from tests.core.live_helpers import flux, live_studio, submissions, wait_for
from tests.core.outage_proxy import OutageProxy

FAST = dict(poll_backoff_cap_seconds=0.5)


async def _history(studio, runs: int = 2) -> None:
    """A few quick successful jobs: the model's expected duration comes from them."""
    for i in range(runs):
        job = await studio.wait((await studio.submit(flux(seed=100 + i))).id)
        assert job.status is JobStatus.SUCCEEDED


async def _has_remote_id(studio, job_id):
    await wait_for(lambda: studio.store.get_job(job_id).remote_id, "a remote id")


async def test_more_failed_polls_than_the_old_limit_do_not_fail_the_job(home, sandbox):
    set_faults(sandbox, queue_seconds=0.3)
    studio = live_studio(home, sandbox, **FAST)
    try:
        job = await studio.submit(flux())
        await _has_remote_id(studio, job.id)
        # 5xx answers and dropped connections, ten polls in a row (the old runner gave
        # up after seven, while the provider went on and charged).
        set_faults(sandbox, provider="fal", server_errors=6, drop_poll=4)
        job = await studio.wait(job.id)
        assert job.status is JobStatus.SUCCEEDED, job.error
    finally:
        await studio.aclose()
    failed = [r for r in sandbox_requests(sandbox, "fal") if (r["status"] or 0) >= 500]
    assert len(failed) >= 6


async def test_an_outage_past_the_deadline_leaves_the_job_unknown_then_check_again(
        home, sandbox):
    studio = live_studio(home, sandbox, poll_outage_margin_seconds=1, **FAST)
    try:
        await _history(studio)
        set_faults(sandbox, queue_seconds=0.3)
        job = await studio.submit(flux(prompt="a lighthouse in a storm"))
        await _has_remote_id(studio, job.id)
        set_faults(sandbox, provider="fal", server_errors=1000)
        job = await studio.wait(job.id)
        assert job.status is JobStatus.UNKNOWN
        assert job.remote_id and job.recoverable
        assert "Check again" in job.message and "HTTP 50" in job.error

        set_faults(sandbox, server_errors=0)  # the provider is back
        await studio.check_again(job.id)
        job = await studio.wait(job.id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        assert len(studio.store.assets_for_job(job.id)) == 1
        statuses = [e["to"] for e in studio.store.events(job.id) if e["kind"] == "status"]
        assert statuses[statuses.index("unknown"):] == ["unknown", "submitted", "succeeded"]
    finally:
        await studio.aclose()
    prompts = [r["body"]["prompt"] for r in submissions(sandbox, "fal")]
    assert prompts.count("a lighthouse in a storm") == 1


async def test_resume_at_start_fetches_an_unknown_job_with_a_remote_id(home, sandbox):
    studio = live_studio(home, sandbox, poll_outage_margin_seconds=1, **FAST)
    try:
        await _history(studio)
        set_faults(sandbox, queue_seconds=0.3)
        job = await studio.submit(flux(prompt="a heron"))
        await _has_remote_id(studio, job.id)
        set_faults(sandbox, provider="fal", server_errors=1000)
        assert (await studio.wait(job.id)).status is JobStatus.UNKNOWN
    finally:
        await studio.aclose()
    set_faults(sandbox, server_errors=0)

    again = Studio(home, sandbox_url=sandbox.url)  # the next start of the app
    try:
        assert await again.resume() == [job.id]
        done = await again.wait(job.id)
        assert done.status is JobStatus.SUCCEEDED, done.error
    finally:
        await again.aclose()


async def test_connection_refused_for_a_while_is_survived(home, sandbox):
    proxy = OutageProxy(sandbox.url)
    await proxy.up()
    studio = live_studio(home, sandbox, **FAST)
    studio.sandbox_url = proxy.url  # every provider call goes through the proxy
    try:
        set_faults(sandbox, queue_seconds=0.5)
        job = await studio.submit(flux(prompt="a moth at a lamp"))
        await _has_remote_id(studio, job.id)
        await proxy.down()  # nothing listens: connection refused
        await wait_for(lambda: _poll_errors(studio, job) >= 3, "three refused status checks")
        during = studio.store.get_job(job.id)
        assert during.status in (JobStatus.SUBMITTED, JobStatus.RUNNING)
        assert "could not connect" in during.message and "checking again" in during.message
        await proxy.up()
        job = await studio.wait(job.id)
        assert job.status is JobStatus.SUCCEEDED, job.error
    finally:
        await studio.aclose()
        await proxy.down()


def _poll_errors(studio, job) -> int:
    path = studio.paths.job_log(job.provider, job.id)
    return path.read_text().count('"event": "poll_error"') if path.exists() else 0


async def test_check_again_refuses_a_job_that_never_reached_the_provider(home):
    studio = Studio(home)
    try:
        job = Job(id=new_job_id(), provider="fal", model=flux().model, mode="txt2img",
                  prompt="x", request=flux().model_dump(mode="json"), dry_run=False)
        studio.store.create_job(job)
        for status in (JobStatus.QUEUED, JobStatus.SUBMITTING, JobStatus.UNKNOWN):
            studio.store.update_job(job.id, status=status)
        with pytest.raises(NotRecoverable, match="never got a remote id"):
            await studio.check_again(job.id)
        assert studio.store.get_job(job.id).status is JobStatus.UNKNOWN
        assert await studio.resume() == []  # and resume leaves it alone too
    finally:
        await studio.aclose()
