"""GET /api/jobs (pagination, status filter), GET /api/jobs/{id}, POST .../cancel."""

import asyncio

from studio.core.jobs import JobStatus
from studio.providers.base import RenderRequest
from tests.api.conftest import FLUX
from tests.conftest import sandbox_requests, set_faults


async def test_pagination_total_and_has_more(api):
    ids = []
    for i in range(5):
        r = await api.client.post("/api/providers/image/generate",
                                  json={**FLUX, "prompt": f"fox {i}"})
        ids.append(r.json()["job_id"])
    page = (await api.client.get("/api/jobs", params={"limit": 2})).json()
    assert (page["total"], page["limit"], page["offset"], page["has_more"]) == (5, 2, 0, True)
    assert [j["job_id"] for j in page["items"]] == ids[::-1][:2]  # newest first
    last = (await api.client.get("/api/jobs", params={"limit": 2, "offset": 4})).json()
    assert [j["job_id"] for j in last["items"]] == [ids[0]] and last["has_more"] is False
    beyond = (await api.client.get("/api/jobs", params={"offset": 10})).json()
    assert beyond["items"] == [] and beyond["total"] == 5 and beyond["has_more"] is False
    dry = (await api.client.get("/api/jobs", params={"status": "dry_run,queued"})).json()
    assert dry["total"] == 5
    none = (await api.client.get("/api/jobs", params={"status": "running"})).json()
    assert none["total"] == 0 and none["items"] == [] and none["has_more"] is False
    for params, field in [({"status": "sideways"}, "status"), ({"limit": 0}, "limit"),
                          ({"limit": 1000}, "limit"), ({"offset": -1}, "offset")]:
        r = await api.client.get("/api/jobs", params=params)
        assert r.status_code == 422 and r.json()["fields"][0]["field"] == field, params


async def test_unknown_job_is_404(api):
    assert (await api.client.get("/api/jobs/nope")).status_code == 404
    assert (await api.client.post("/api/jobs/nope/cancel")).status_code == 404


async def test_api_jobs_reach_store_subscribers_at_once_and_vice_versa(api):
    """The GUI's queue listens to these store events: an API job shows up immediately."""
    seen = []
    unsubscribe = api.studio.store.subscribe(lambda e: seen.append((e.kind, e.job_id)))
    try:
        r = await api.client.post("/api/providers/image/generate", json=FLUX)
        assert ("job_created", r.json()["job_id"]) in seen
    finally:
        unsubscribe()
    gui_job = await api.studio.submit(RenderRequest(provider="fal", model="fal-ai/flux/dev",
                                                    prompt="made in the GUI"))
    listed = (await api.client.get("/api/jobs")).json()["items"]
    assert listed[0]["job_id"] == gui_job.id and listed[0]["input"]["prompt"] == "made in the GUI"


async def test_cancel_a_running_live_job(live_api, sandbox):
    set_faults(sandbox, run_seconds=5)
    r = await live_api.client.post("/api/providers/image/generate", json=FLUX)
    assert r.status_code == 201 and r.json()["dry_run"] is False
    job_id = r.json()["job_id"]
    for _ in range(200):
        job = (await live_api.client.get(f"/api/jobs/{job_id}")).json()
        if job["status"] == "running":
            break
        await asyncio.sleep(0.02)
    assert job["status"] == "running" and job["remote_id"]
    r = await live_api.client.post(f"/api/jobs/{job_id}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert live_api.studio.store.get_job(job_id).status is JobStatus.CANCELLED
    again = await live_api.client.post(f"/api/jobs/{job_id}/cancel")
    assert again.status_code == 409 and "cancelled" in again.json()["error"]
    assert any(q["method"] == "PUT" and q["path"].endswith("/cancel")
               for q in sandbox_requests(sandbox, "fal"))
