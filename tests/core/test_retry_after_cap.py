"""Retry-After is honoured up to a cap; a longer wait fails the job and names the wait.
Runway's 429 on create is its daily cap: said so at once, never retried all day."""

from studio.core.jobs import JobStatus
from studio.providers.base import RenderRequest
from tests.conftest import set_faults
from tests.core.live_helpers import flux, live_studio, submissions, wait_for


async def test_a_wait_beyond_the_cap_on_submit_fails_at_once_naming_it(home, sandbox):
    set_faults(sandbox, provider="fal", rate_limit={"count": 1, "retry_after": 3600})
    studio = live_studio(home, sandbox)
    try:
        job = await studio.wait((await studio.submit(flux())).id)
    finally:
        await studio.aclose()
    assert job.status is JobStatus.FAILED
    assert "wait 60 min" in job.error and "10 min cap" in job.error
    assert "nothing was sent" in job.error and not job.recoverable
    assert len(submissions(sandbox, "fal")) == 1


async def test_the_cap_is_a_setting(home, sandbox):
    set_faults(sandbox, provider="fal", rate_limit={"count": 1, "retry_after": 2})
    studio = live_studio(home, sandbox, max_retry_after_seconds=1)
    try:
        job = await studio.wait((await studio.submit(flux())).id)
    finally:
        await studio.aclose()
    assert job.status is JobStatus.FAILED and "wait 2 s, longer than the 1 s cap" in job.error


async def test_a_wait_beyond_the_cap_while_polling_keeps_the_remote_id(home, sandbox):
    set_faults(sandbox, queue_seconds=0.4)
    studio = live_studio(home, sandbox)
    try:
        job = await studio.submit(flux())
        await wait_for(lambda: studio.store.get_job(job.id).remote_id, "a remote id")
        set_faults(sandbox, provider="fal", rate_limit={"count": 5, "retry_after": 1800})
        job = await studio.wait(job.id)
        assert job.status is JobStatus.FAILED
        assert "wait 30 min" in job.error and job.recoverable and job.remote_id
        set_faults(sandbox, rate_limit=0)
        await studio.check_again(job.id)
        assert (await studio.wait(job.id)).status is JobStatus.SUCCEEDED
    finally:
        await studio.aclose()
    assert len(submissions(sandbox, "fal")) == 1


async def test_runway_429_on_create_is_the_daily_cap_and_is_not_retried(home, sandbox):
    set_faults(sandbox, provider="runway", rate_limit={"count": 10, "retry_after": 1})
    studio = live_studio(home, sandbox)
    try:
        request = RenderRequest(provider="runway", model="gen4_image", prompt="a red kite")
        job = await studio.wait((await studio.submit(request)).id)
    finally:
        await studio.aclose()
    assert job.status is JobStatus.FAILED and job.error_code == "daily_cap"
    assert "daily generation limit" in job.error and "nothing was sent" in job.error
    assert len(submissions(sandbox, "runway")) == 1


async def test_while_a_429_is_waited_out_the_job_is_queued_not_in_flight(home, sandbox):
    set_faults(sandbox, provider="fal", rate_limit={"count": 1, "retry_after": 1})
    studio = live_studio(home, sandbox)
    try:
        job = await studio.wait((await studio.submit(flux())).id)
        statuses = [e["to"] for e in studio.store.events(job.id) if e["kind"] == "status"]
    finally:
        await studio.aclose()
    assert job.status is JobStatus.SUCCEEDED
    # A kill during the wait leaves it queued: resume sends it, nothing was accepted yet.
    assert statuses[:5] == ["queued", "submitting", "queued", "submitting", "submitted"]
