"""Provider errors at submit end the job with an actionable message; limits are respected."""

import asyncio

import httpx
import pytest

from studio.core.config import set_value
from studio.core.jobs import JobStatus
from studio.core.service import Studio
from studio.providers.base import RenderRequest
from tests.conftest import TEST_KEY

REQ = RenderRequest(provider="fal", model="fal-ai/flux/schnell", prompt="a fox")


def studio_with(home, handler, **settings) -> Studio:
    studio = Studio(home, env={"FAL_KEY": TEST_KEY, "STUDIO_FAL_BASE_URL": "https://fal.test"},
                    transport=httpx.MockTransport(handler))
    s = set_value(studio.settings, "features.enable_public_image_providers", "true")
    for key, value in settings.items():
        s = set_value(s, key, value)
    studio.update_settings(s)
    return studio


@pytest.mark.parametrize(("status", "body", "words"), [
    (401, {"detail": "Invalid key"}, "check it in Settings"),
    (402, {"detail": "Insufficient balance"}, "add credits"),
    (422, {"detail": [{"loc": ["body", "image_size"], "msg": "bad size"}]}, "image_size"),
    (500, {"detail": "boom"}, "internal error"),
])
async def test_submit_errors_fail_the_job_with_a_clear_message(home, status, body, words):
    def handler(request):
        assert request.headers["authorization"] == f"Key {TEST_KEY}"
        return httpx.Response(status, json=body)

    studio = studio_with(home, handler)
    try:
        job = await studio.wait((await studio.submit(REQ)).id)
        assert job.status is JobStatus.FAILED and words in job.error
        assert TEST_KEY not in job.error
    finally:
        await studio.aclose()


async def test_connection_refused_is_a_failure_but_a_read_timeout_is_unknown(home):
    def refuse(request):
        raise httpx.ConnectError("refused", request=request)

    def hang(request):
        raise httpx.ReadTimeout("no answer", request=request)

    for handler, status in ((refuse, JobStatus.FAILED), (hang, JobStatus.UNKNOWN)):
        studio = studio_with(home, handler)
        try:
            job = await studio.wait((await studio.submit(REQ)).id)
            assert job.status is status, job.error
        finally:
            await studio.aclose()


async def test_per_provider_concurrency_limit(home):
    in_flight, peak = 0, 0
    polls: dict[str, int] = {}

    async def handler(request):
        nonlocal in_flight, peak
        if request.method == "POST":
            in_flight += 1
            peak = max(peak, in_flight)
            rid = f"r{len(polls)}"
            polls[rid] = 0
            return httpx.Response(200, json={"request_id": rid})
        rid = request.url.path.split("/")[4]
        if request.url.path.endswith("/status"):
            polls[rid] += 1
            if polls[rid] < 2:
                return httpx.Response(200, json={"status": "IN_PROGRESS"})
            in_flight -= 1
            return httpx.Response(200, json={"status": "COMPLETED"})
        return httpx.Response(200, json={"images": [
            {"url": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlE"
                    "QVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg=="}]})

    studio = studio_with(home, handler, **{"network.max_concurrent_per_provider": "2"})
    try:
        jobs = [await studio.submit(REQ) for _ in range(5)]
        done = await asyncio.gather(*(studio.wait(j.id) for j in jobs))
        assert [j.status for j in done] == [JobStatus.SUCCEEDED] * 5
        assert peak == 2
    finally:
        await studio.aclose()
