"""Pause sending, and the order waiting live jobs go in: nothing is sent while paused,
and a job moved up is sent first (over real HTTP to the sandbox)."""

import asyncio

from studio.core.config import set_value
from studio.core.jobs import JobStatus
from studio.core.send_queue import SendQueue
from studio.core.service import Studio
from studio.providers.base import RenderRequest
from tests.conftest import sandbox_requests


def _request(prompt: str) -> RenderRequest:
    return RenderRequest(provider="fal", model="fal-ai/flux/schnell", prompt=prompt)


def _posted_prompts(sandbox) -> list[str]:
    return [r["body"]["prompt"] for r in sandbox_requests(sandbox, "fal")
            if r["method"] == "POST"]


async def test_paused_jobs_wait_unsent_then_go_in_the_order_set(home, sandbox):
    studio = Studio(home, env={}, sandbox_url=sandbox.url)
    studio.update_settings(set_value(studio.settings,
                                     "network.max_concurrent_per_provider", "1"))
    seen: list[bool] = []
    studio.sending.listen(lambda: seen.append(studio.sending.paused))
    try:
        studio.sending.pause()
        jobs = [await studio.submit(_request(p)) for p in ("first", "second", "third")]
        await asyncio.sleep(0.3)
        assert [studio.job(j.id).status for j in jobs] == [JobStatus.QUEUED] * 3
        assert _posted_prompts(sandbox) == []  # nothing is sent while paused
        assert studio.sending.waiting() == [j.id for j in jobs]
        assert studio.sending.move(jobs[2].id, -2)  # third goes first
        assert studio.sending.position(jobs[2].id) == 1
        assert studio.sending.move(jobs[0].id, +5)  # past the end: last
        assert studio.sending.waiting() == [jobs[2].id, jobs[1].id, jobs[0].id]
        assert True in seen
        studio.sending.resume()
        done = [await studio.wait(j.id) for j in jobs]
        assert all(j.status is JobStatus.SUCCEEDED for j in done)
        assert _posted_prompts(sandbox) == ["third", "second", "first"]
        assert studio.sending.waiting() == [] and not studio.sending.move(jobs[0].id, -1)
    finally:
        await studio.aclose()


async def test_a_job_cancelled_while_waiting_gives_up_its_place(home, sandbox):
    studio = Studio(home, env={}, sandbox_url=sandbox.url)
    try:
        studio.sending.pause()
        job = await studio.submit(_request("never"))
        await asyncio.sleep(0.05)
        assert studio.sending.position(job.id) == 1
        cancelled = await studio.cancel(job.id)
        assert cancelled.status is JobStatus.CANCELLED
        assert studio.sending.waiting() == []
        studio.sending.resume()
        await asyncio.sleep(0.1)
        assert _posted_prompts(sandbox) == []
    finally:
        await studio.aclose()


async def test_the_limit_holds_per_provider_and_polls_are_never_paused():
    limits = {"a": 1, "b": 2}
    queue = SendQueue(lambda p: limits[p])
    order: list[str] = []

    async def job(job_id: str, provider: str, sends: bool = True) -> None:
        async with queue.slot(job_id, provider, sends=sends):
            order.append(job_id)
            await asyncio.sleep(0.02)

    queue.pause()
    tasks = [asyncio.create_task(job(*args)) for args in
             (("a1", "a"), ("a2", "a"), ("b1", "b"), ("poll", "a", False))]
    await asyncio.sleep(0.05)
    assert order == ["poll"]  # a poll of a job already sent goes on
    queue.resume()
    await asyncio.gather(*tasks)
    assert order == ["poll", "a1", "b1", "a2"]
