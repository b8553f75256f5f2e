"""The automation API and spend budgets: a refused job answers 402 with the figures, and no
request through the API can raise (or even touch) a budget."""

import json

from studio.core.config import set_value
from tests.api.conftest import FLUX
from tests.conftest import sandbox_requests

DEV = {**FLUX, "model": "fal-ai/flux/dev"}  # $0.025


def _budget(api, key: str, value: str) -> None:
    studio = api.studio
    studio.update_settings(set_value(studio.settings, f"budgets.{key}", value))


async def test_a_job_a_budget_refuses_answers_402_with_the_figures(live_api, sandbox):
    _budget(live_api, "providers", '{"fal": {"daily_usd": 0.02}}')
    r = await live_api.client.post("/api/providers/image/generate", json=DEV)
    assert r.status_code == 402, r.text
    body = r.json()
    assert body["budget"] == {"scope": "provider", "provider": "fal", "period": "day",
                              "limit_usd": 0.02, "label": "fal daily budget"}
    assert (body["estimate_usd"], body["left_usd"]) == (0.025, 0.02)
    assert body["error"] == ("refused: this job (≈ $0.025) would cross the fal daily budget "
                             "($0.02; $0.02 left). Nothing was sent.")
    assert [q for q in sandbox_requests(sandbox, "fal") if q["method"] == "POST"] == []
    job = (await live_api.client.get(f"/api/jobs/{body['job_id']}")).json()
    assert job["status"] == "refused" and job["dry_run"] is False
    assert job["refusal"]["left_usd"] == 0.02
    listed = (await live_api.client.get("/api/jobs?status=refused")).json()
    assert [j["job_id"] for j in listed["items"]] == [body["job_id"]]
    # Within the budget the same request is sent.
    _budget(live_api, "providers", '{"fal": {"daily_usd": 1}}')
    r = await live_api.client.post("/api/providers/image/generate", json=DEV)
    assert r.status_code == 201 and r.json()["dry_run"] is False


async def test_the_api_cannot_raise_a_budget(live_api, home):
    _budget(live_api, "overall.daily_usd", "0.01")
    before = home.config_file.read_bytes()
    client = live_api.client
    payload = {"budgets": {"overall": {"daily_usd": 1000}}, "daily_usd": 1000,
               "confirm_above_usd": 1000}
    for path in ("/api/budget", "/api/budgets", "/api/settings", "/api/config",
                 "/api/budgets/overall", "/api/settings/budgets"):
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            r = await client.request(method, path, json=payload)
            assert r.status_code in (404, 405), (method, path, r.status_code)
    # A generate body cannot carry settings either: unknown fields are refused.
    r = await client.post("/api/providers/image/generate", json={**DEV, **payload})
    assert r.status_code == 422 and {f["field"] for f in r.json()["fields"]} >= {"budgets"}
    assert home.config_file.read_bytes() == before
    assert live_api.studio.settings.budgets.overall.daily_usd == 0.01
    doc = (await client.get("/openapi.json")).json()
    writes = [(p, m) for p, item in doc["paths"].items() for m in item if m != "get"]
    # Writes make or stop jobs (single, chains, storyboards, batches) or stop a pod; none
    # reaches the settings.
    assert all("generate" in p or p.endswith(("/cancel", "/api/pods/{pod_id}/stop"))
               or p.startswith(("/api/chains", "/api/storyboards", "/api/batches"))
               for p, _ in writes), writes
    assert not [p for p, _ in writes if any(w in p for w in ("budget", "setting", "config"))]
    r = await client.post("/api/providers/image/generate", json=DEV)
    assert r.status_code == 402  # still refused: the limit did not move
    refusal = doc["paths"]["/api/providers/image/generate"]["post"]["responses"]["402"]
    ref = refusal["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert {"error", "budget", "estimate_usd", "left_usd"} <= set(
        doc["components"]["schemas"][ref]["properties"])
    assert json.loads(home.config_file.read_text())["budgets"]["overall"]["daily_usd"] == 0.01
