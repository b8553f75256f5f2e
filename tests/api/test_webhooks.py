"""Webhook delivery: dry-runs call back at once, retries with backoff, redirects stay on
the same host, and a registration survives a restart."""

import asyncio

import pytest

from studio.api.webhooks import WebhookDispatcher, check_webhook_url
from studio.core.service import Studio
from studio.providers.base import RenderRequest
from tests.api.conftest import FLUX, WebhookReceiver, serve

FAST = {"webhook_options": {"base_delay": 0.05}}


async def test_a_dry_run_calls_its_webhook_at_once(api, receiver):
    r = await api.client.post("/api/providers/image/generate",
                              json={**FLUX, "webhook": receiver.url + "/done"})
    assert r.json()["webhook"] is True
    [hook] = await receiver.wait(1)
    assert hook.json()["job_id"] == r.json()["job_id"] and hook.json()["status"] == "dry_run"


async def test_retries_with_backoff_then_gives_up(home, memory_keyring, receiver):
    studio = Studio(home, env={})
    try:
        async with serve(studio, **FAST) as api:
            receiver.statuses = [503, 500]
            r = await api.client.post("/api/providers/image/generate",
                                      json={**FLUX, "webhook": receiver.url})
            await receiver.wait(3)
            await asyncio.sleep(0.05)
            job = (await api.client.get(f"/api/jobs/{r.json()['job_id']}")).json()
            assert job["webhook"]["attempts"] == 3 and job["webhook"]["delivered_at"]

            receiver.statuses = [500] * 10
            r = await api.client.post("/api/providers/image/generate",
                                      json={**FLUX, "webhook": receiver.url})
            await receiver.wait(3 + 4)
            await asyncio.sleep(0.1)
            assert len(receiver.received) == 7  # four attempts, then it stops
            hook = (await api.client.get(f"/api/jobs/{r.json()['job_id']}")).json()["webhook"]
            assert hook["gave_up_at"] and hook["last_error"] == "HTTP 500"

            receiver.statuses = [404]  # not retryable
            await api.client.post("/api/providers/image/generate",
                                  json={**FLUX, "webhook": receiver.url})
            await receiver.wait(8)
            await asyncio.sleep(0.2)
            assert len(receiver.received) == 8
    finally:
        await studio.aclose()


async def test_redirects_only_within_the_same_host(api, receiver):
    other = await WebhookReceiver().start()
    try:
        receiver.statuses = [307]
        receiver.extra_headers = {307: f"Location: {other.url}/stolen\r\n"}
        r = await api.client.post("/api/providers/image/generate",
                                  json={**FLUX, "webhook": receiver.url})
        await receiver.wait(1)
        await asyncio.sleep(0.2)
        assert other.received == []
        hook = (await api.client.get(f"/api/jobs/{r.json()['job_id']}")).json()["webhook"]
        assert hook["last_error"] == "redirect to another host refused"

        receiver.statuses = [308]
        receiver.extra_headers = {308: "Location: /moved\r\n"}
        await api.client.post("/api/providers/image/generate",
                              json={**FLUX, "webhook": receiver.url + "/first"})
        received = await receiver.wait(3)
        assert [h.path for h in received[1:]] == ["/first", "/moved"]
    finally:
        await other.close()


async def test_an_undelivered_webhook_is_sent_after_a_restart(home, memory_keyring, receiver):
    studio = Studio(home, env={})
    try:
        dispatcher = WebhookDispatcher(studio, lambda: "secret")
        job = await studio.submit(RenderRequest(provider="fal", model="fal-ai/flux/dev",
                                                prompt="while nobody listened"))
        with studio.store.transaction() as db:  # registered, then the app stopped
            db.execute("INSERT INTO api_webhooks (job_id, url, created_at) VALUES (?, ?, 0)",
                       (job.id, receiver.url))
        dispatcher.start()
        [hook] = await receiver.wait(1)
        assert hook.json()["job_id"] == job.id
        await dispatcher.aclose()
    finally:
        await studio.aclose()


@pytest.mark.parametrize("url", ["ftp://x/y", "file:///etc/passwd", "http:///nohost",
                                 "https://u:p@example.com/", "http://example.com:99999/",
                                 "javascript:alert(1)"])
def test_only_plain_http_urls_are_accepted(url):
    with pytest.raises(ValueError):
        check_webhook_url(url)


def test_loopback_and_public_urls_are_accepted():
    for url in ("http://127.0.0.1:9000/hook", "http://localhost/x", "https://example.com/h?a=1"):
        assert check_webhook_url(url) == url
