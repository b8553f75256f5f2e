"""Webhook delivery: dry-runs call back at once, retries with backoff, redirects stay on
the same host, a registration survives a restart, targets inside the local network are
refused (as written and as resolved), and a job that ends twice calls back twice."""

import asyncio
import socket
import time

import pytest

from studio.api.webhooks import WebhookDispatcher, check_webhook_url
from studio.core.config import set_value
from studio.core.jobs import Job, JobStatus, new_job_id
from studio.core.service import Studio
from studio.providers.base import RenderRequest
from tests.api.conftest import FLUX, WebhookReceiver, serve

FAST = {"webhook_options": {"base_delay": 0.05}}


async def until(condition, timeout: float = 10.0):
    """Wait for a condition the server reaches on its own (a record written, a give-up)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not (value := await condition()):
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)
    return value


async def _hook(api, job_id):
    return (await api.client.get(f"/api/jobs/{job_id}")).json().get("webhook") or {}


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
            hook = await until(lambda: _delivered(api, r.json()["job_id"]))
            assert hook["attempts"] == 3 and hook["delivered_at"]

            receiver.statuses = [500] * 10
            r = await api.client.post("/api/providers/image/generate",
                                      json={**FLUX, "webhook": receiver.url})
            await receiver.wait(3 + 4)
            hook = await until(lambda: _gave_up(api, r.json()["job_id"]))
            assert len(receiver.received) == 7  # four attempts, then it stops
            assert hook["gave_up_at"] and hook["last_error"] == "HTTP 500"

            receiver.statuses = [404]  # not retryable
            r = await api.client.post("/api/providers/image/generate",
                                      json={**FLUX, "webhook": receiver.url})
            await receiver.wait(8)
            await until(lambda: _gave_up(api, r.json()["job_id"]))
            assert len(receiver.received) == 8
    finally:
        await studio.aclose()


async def _delivered(api, job_id):
    hook = await _hook(api, job_id)
    return hook if hook.get("delivered_at") else None


async def _gave_up(api, job_id):
    hook = await _hook(api, job_id)
    return hook if hook.get("gave_up_at") else None


async def test_redirects_only_within_the_same_host(api, receiver):
    other = await WebhookReceiver().start()
    try:
        receiver.statuses = [307]
        receiver.extra_headers = {307: f"Location: {other.url}/stolen\r\n"}
        r = await api.client.post("/api/providers/image/generate",
                                  json={**FLUX, "webhook": receiver.url})
        await receiver.wait(1)
        hook = await until(lambda: _gave_up(api, r.json()["job_id"]))
        assert other.received == []
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


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/hook",
    "http://10.0.0.5/hook", "http://192.168.1.1/", "http://172.16.0.1:8080/",
    "http://0.0.0.0:9000/", "http://[::]/", "http://100.64.0.1/", "http://224.0.0.1/",
    "http://2130706433/", "http://0x7f.0.0.1/", "http://0177.0.0.1/", "http://127.1/",
    "http://0xa9fea9fe/", "http://[::ffff:169.254.169.254]/", "http://[::ffff:7f00:1]/",
    "http://[64:ff9b::a9fe:a9fe]/", "http://[2002:a9fe:a9fe::1]/", "http://[fc00::1]/",
])
async def test_webhooks_into_the_local_network_are_refused(api, url):
    r = await api.client.post("/api/providers/image/generate", json={**FLUX, "webhook": url})
    assert r.status_code == 422, r.text
    assert [f["field"] for f in r.json()["fields"]] == ["webhook"]
    assert api.studio.store.count_jobs() == 0  # refused before anything was written


async def test_the_allow_list_in_settings_lets_a_private_host_through(api):
    url = "http://10.1.2.3:9000/hook"
    assert (await api.client.post("/api/providers/image/generate",
                                  json={**FLUX, "webhook": url})).status_code == 422
    api.studio.update_settings(set_value(api.studio.settings,
                                         "automation_api.webhook_allowed_hosts",
                                         '["10.0.0.0/8", "nas.home"]'))
    r = await api.client.post("/api/providers/image/generate", json={**FLUX, "webhook": url})
    assert r.status_code == 201 and r.json()["webhook"] is True
    # Tricks stay refused, whatever the list says.
    r = await api.client.post("/api/providers/image/generate",
                              json={**FLUX, "webhook": "http://0x0a.1.2.3/"})
    assert r.status_code == 422


@pytest.fixture
def fake_dns(monkeypatch):
    """Names this test controls, as the system resolver would answer them."""
    answers: dict[str, str] = {}
    real = asyncio.BaseEventLoop.getaddrinfo

    async def getaddrinfo(self, host, port, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return await real(self, host, port, *args, **kwargs)

    monkeypatch.setattr(asyncio.BaseEventLoop, "getaddrinfo", getaddrinfo)
    return answers


async def test_the_resolved_address_is_checked_and_used(api, receiver, fake_dns):
    port = receiver.url.rsplit(":", 1)[1]
    # A name that resolves to this computer: delivered to the address that was checked,
    # with the name in the Host header (httpx alone could not resolve it).
    fake_dns["hooks.example"] = "127.0.0.1"
    r = await api.client.post("/api/providers/image/generate",
                              json={**FLUX, "webhook": f"http://hooks.example:{port}/done"})
    [hook] = await receiver.wait(1)
    assert hook.headers["host"] == f"hooks.example:{port}" and hook.path == "/done"
    assert hook.headers["x-studio-final"] == "true"
    # A name that resolves into the network (DNS rebinding): never called.
    fake_dns["rebind.example"] = "169.254.169.254"
    r = await api.client.post("/api/providers/image/generate",
                              json={**FLUX, "webhook": f"http://rebind.example:{port}/x"})
    assert r.status_code == 201  # a name is judged by what it resolves to, at send time
    hook = await until(lambda: _gave_up(api, r.json()["job_id"]))
    assert "link-local" in hook["last_error"] and hook["attempts"] == 1
    assert len(receiver.received) == 1


async def test_a_job_that_ends_twice_calls_back_for_each_outcome(home, memory_keyring,
                                                                 receiver):
    """unknown (status checks failed too long), then succeeded after Check again."""
    studio = Studio(home, env={})
    try:
        dispatcher = WebhookDispatcher(studio, lambda: "secret")
        dispatcher.start()
        store = studio.store
        job = store.create_job(Job(id=new_job_id(), provider="fal", model="fal-ai/flux/dev",
                                   mode="txt2img", prompt="twice", request={}, dry_run=False))
        dispatcher.register(job.id, receiver.url + "/hook")
        for status, extra in ((JobStatus.QUEUED, {}), (JobStatus.SUBMITTING, {}),
                              (JobStatus.SUBMITTED, {"remote": {"remote_id": "r-1"}}),
                              (JobStatus.UNKNOWN, {"recoverable": True,
                                                   "finished_at": time.time()})):
            store.update_job(job.id, status=status, **extra)
        [first] = await receiver.wait(1)
        assert first.json()["status"] == "unknown" and first.headers["x-studio-final"] == "false"
        store.update_job(job.id, status=JobStatus.SUBMITTED, recoverable=False)
        store.update_job(job.id, status=JobStatus.SUCCEEDED, finished_at=time.time())
        received = await receiver.wait(2)
        assert received[1].json()["status"] == "succeeded"
        assert received[1].headers["x-studio-final"] == "true"
        store.update_job(job.id, message="a later note")  # same outcome: no third call
        await dispatcher.drain()
        await dispatcher.aclose()
        # After a restart nothing is repeated either.
        again = WebhookDispatcher(studio, lambda: "secret")
        again.start()
        await again.drain()
        await again.aclose()
        assert len(receiver.received) == 2
    finally:
        await studio.aclose()
