"""/api/batches: rows to several models as one batch (live over the sandbox, a webhook per
job, read back with outputs), an output reused as a row's image, bad rows and targets
named with nothing sent, dry-runs recorded, and a budget that refuses the whole."""

from __future__ import annotations

from studio.core.config import set_value
from tests.api.test_storyboards import until
from tests.conftest import instant_jobs, sandbox_requests

SCHNELL, DEV = "fal:fal-ai/flux/schnell", "fal:fal-ai/flux/dev"
I2I = "fal:fal-ai/flux/dev/image-to-image"
ROWS = [{"prompt": "a cafe menu board", "seed": 7},
        {"prompt": "a neon sign", "parameters": {"num_inference_steps": 3}}]


def _posts(sandbox) -> int:
    return len([r for r in sandbox_requests(sandbox, "fal") if r["method"] == "POST"])


async def test_rows_to_two_models_make_one_batch(live_api, sandbox, receiver):
    api = live_api
    instant_jobs(sandbox)
    r = await api.client.post("/api/batches", json={
        "targets": [SCHNELL, DEV], "rows": ROWS, "webhook": receiver.url + "/batch"})
    assert r.status_code == 202, r.text
    data = r.json()
    batch_id = data["batch_id"]
    assert r.headers["location"] == f"/api/batches/{batch_id}"
    assert (data["total"], data["sent"], data["not_sent"]) == (4, 4, 0)
    jobs = [j["job_id"] for j in data["jobs"]]
    # Row by row, each row to every target in order.
    assert [(j["provider"], j["model"]) for j in data["jobs"]] == [
        ("fal", "fal-ai/flux/schnell"), ("fal", "fal-ai/flux/dev")] * 2
    assert api.studio.batches.jobs(batch_id) == jobs
    first = api.studio.store.get_job(jobs[0])
    assert first.request["seed"] == 7 and first.prompt == "a cafe menu board"
    dev = api.studio.store.get_job(jobs[3])
    assert dev.request["params"]["num_inference_steps"] == 3
    hooks = await receiver.wait(4)
    assert sorted(h.json()["job_id"] for h in hooks) == sorted(jobs)

    async def batch():
        return (await api.client.get(f"/api/batches/{batch_id}")).json()
    done = await until(batch, lambda b: b["counts"] == {"succeeded": 4})
    assert [j["job_id"] for j in done["jobs"]] == jobs
    output = done["jobs"][0]["outputs"][0]
    assert output["url"] == f"/api/assets/{output['id']}"
    assert (await api.client.get(output["url"])).status_code == 200

    # An output goes back in as a row's image.
    r = await api.client.post("/api/batches", json={
        "targets": [I2I], "rows": [{"prompt": "as a woodcut", "image": f"asset:{output['id']}",
                                    "parameters": {"strength": 0.7}}]})
    assert r.status_code == 202, r.text
    [job] = r.json()["jobs"]
    record = api.studio.store.get_job(job["job_id"])
    assert record.request["input_images"] == [f"asset:{output['id']}"]
    assert record.request["params"]["strength"] == 0.7
    assert (await api.client.get("/api/batches/nope")).status_code == 404


async def test_bad_rows_and_targets_are_named_and_nothing_is_sent(live_api, sandbox):
    api = live_api
    before = _posts(sandbox)

    async def refused(body, field):
        r = await api.client.post("/api/batches", json=body)
        assert r.status_code == 422, r.text
        fields = [f["field"] for f in r.json()["fields"]]
        assert field in fields, fields
        return r.json()

    await refused({"targets": [SCHNELL], "rows": [{"prompt": "x", "image": "/etc/passwd"}]},
                  "rows.0.image")
    body = await refused({"targets": [SCHNELL], "rows": [
        {"prompt": "fine"}, {"prompt": "  "}, {"prompt": "y", "parameters": {"flavour": 1}},
        {"prompt": "z", "parameters": {"num_inference_steps": 500}}]}, "rows.1")
    fields = {f["field"]: f["message"] for f in body["fields"]}
    assert fields["rows.1"] == "the prompt is empty"
    assert "flavour" in fields["rows.2"] and "num_inference_steps" in fields["rows.3"]
    assert "rows.0" not in fields
    await refused({"targets": [SCHNELL], "rows": [{"prompt": "x", "image": "https://e.x/a.png"}]},
                  "rows.0")  # FLUX.1 [schnell] takes no input image
    await refused({"targets": ["no-colon"], "rows": ROWS}, "targets.0")
    await refused({"targets": ["nobody:model"], "rows": ROWS}, "targets")
    await refused({"targets": [SCHNELL], "rows": []}, "rows")
    await refused({"targets": [SCHNELL], "rows": [{"prompt": "x", "seed": -1}]}, "rows.0.seed")
    assert _posts(sandbox) == before
    assert api.studio.jobs() == []


async def test_dry_runs_are_recorded_as_one_batch(api):
    r = await api.client.post("/api/batches", json={"targets": [SCHNELL, DEV], "rows": ROWS})
    assert r.status_code == 202, r.text
    data = r.json()
    assert data["counts"] == {"dry_run": 4} and data["sent"] == 4
    assert all(j["dry_run"] for j in data["jobs"])
    assert api.studio.batches.jobs(data["batch_id"]) == [j["job_id"] for j in data["jobs"]]


async def test_a_batch_over_budget_is_402_and_sends_nothing(live_api, sandbox):
    api = live_api
    studio = api.studio
    studio.update_settings(set_value(studio.settings, "budgets.overall.daily_usd", "0.03"))
    before = _posts(sandbox)
    r = await api.client.post("/api/batches", json={"targets": [SCHNELL, DEV], "rows": ROWS})
    assert r.status_code == 402, r.text
    body = r.json()
    assert body["budget"]["limit_usd"] == 0.03 and body["estimate_usd"] > 0.03
    assert _posts(sandbox) == before and studio.jobs() == []
