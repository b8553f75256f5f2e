"""/api/storyboards/{id}/audition and /pick: a stage tried on several models as one compare
group (live over the sandbox, a webhook per job), then the chosen job becomes the take and
the scene's model; bad targets, missing prerequisites and budgets are refused with
nothing sent."""

from __future__ import annotations

from studio.core.config import set_value
from studio.core.jobs import JobStatus
from tests.api.test_storyboards import BOARD, until
from tests.conftest import sandbox_requests

SCHNELL, DEV = "fal:fal-ai/flux/schnell", "fal:fal-ai/flux/dev"


async def _board(api) -> str:
    r = await api.client.post("/api/storyboards", json={"storyboard": BOARD})
    assert r.status_code == 201, r.text
    return r.json()["storyboard_id"]


def _posts(sandbox) -> int:
    return len([r for r in sandbox_requests(sandbox, "fal") if r["method"] == "POST"])


async def test_audition_a_keyframe_then_pick_a_job(live_api, sandbox, receiver):
    api = live_api
    board_id = await _board(api)
    r = await api.client.post(f"/api/storyboards/{board_id}/audition", json={
        "scene": 1, "stage": "keyframe", "targets": [SCHNELL, DEV],
        "webhook": receiver.url + "/audition"})
    assert r.status_code == 202, r.text
    data = r.json()
    group, jobs = data["compare_group"], data["jobs"]
    assert len(jobs) == 2
    key = data["scenes"][0]["stages"]["keyframe"]
    assert key["status"] == "audition" and key["audition_group"] == group
    cell = api.studio.compare.get(group)
    assert cell is not None and sorted(cell.latest_jobs()) == sorted(jobs)
    hooks = await receiver.wait(2)  # one per job as it ends
    assert sorted(h.json()["job_id"] for h in hooks) == sorted(jobs)

    async def statuses():
        return [(await api.client.get(f"/api/jobs/{j}")).json()["status"] for j in jobs]
    await until(statuses, lambda s: s == ["succeeded", "succeeded"])

    r = await api.client.post(f"/api/storyboards/{board_id}/pick",
                              json={"scene": 1, "stage": "keyframe"})
    assert r.status_code == 409 and "no winner yet" in r.json()["error"]
    r = await api.client.post(f"/api/storyboards/{board_id}/pick",
                              json={"scene": 1, "stage": "keyframe", "job": jobs[1]})
    assert r.status_code == 200, r.text
    scene = r.json()["scenes"][0]
    assert scene["stages"]["keyframe"]["approved_job"] == jobs[1]
    assert scene["image_model"] == DEV
    assert api.studio.store.get_job(jobs[1]).status is JobStatus.SUCCEEDED


async def test_bad_auditions_are_refused_and_send_nothing(live_api, sandbox):
    api = live_api
    board_id = await _board(api)
    before = _posts(sandbox)
    url = f"/api/storyboards/{board_id}/audition"
    r = await api.client.post(url, json={"scene": 1, "stage": "keyframe",
                                         "targets": [SCHNELL]})
    assert r.status_code == 422 and "targets" in [f["field"] for f in r.json()["fields"]]
    r = await api.client.post(url, json={"scene": 1, "stage": "keyframe",
                                         "targets": [SCHNELL, "no-colon-here"]})
    assert r.status_code == 422 and "targets.1" in [f["field"] for f in r.json()["fields"]]
    r = await api.client.post(url, json={"scene": 1, "stage": "keyframe",
                                         "targets": [SCHNELL, "nobody:some-model"]})
    assert r.status_code == 422 and "unknown provider" in r.json()["error"]
    r = await api.client.post(url, json={"scene": 1, "stage": "clip",
                                         "targets": [SCHNELL, DEV]})
    assert r.status_code == 409 and "no approved keyframe" in r.json()["error"]
    r = await api.client.post(url, json={"scene": 9, "stage": "keyframe",
                                         "targets": [SCHNELL, DEV]})
    assert r.status_code == 409
    r = await api.client.post(f"/api/storyboards/{board_id}/pick",
                              json={"scene": 1, "stage": "keyframe", "job": "job-x"})
    assert r.status_code == 409 and "no audition" in r.json()["error"]
    r = await api.client.post("/api/storyboards/nope/audition", json={
        "scene": 1, "stage": "keyframe", "targets": [SCHNELL, DEV]})
    assert r.status_code == 404
    assert _posts(sandbox) == before and api.studio.compare.ids() == []
    board = (await api.client.get(f"/api/storyboards/{board_id}")).json()
    assert board["scenes"][0]["stages"]["keyframe"]["status"] != "audition"


async def test_an_audition_over_budget_is_402_and_sends_nothing(live_api, sandbox):
    api = live_api
    studio = api.studio
    studio.update_settings(set_value(studio.settings, "budgets.overall.daily_usd", "0.004"))
    board_id = await _board(api)
    before = _posts(sandbox)
    r = await api.client.post(f"/api/storyboards/{board_id}/audition", json={
        "scene": 1, "stage": "keyframe", "targets": [SCHNELL, DEV]})
    assert r.status_code == 402, r.text
    body = r.json()
    assert body["budget"]["limit_usd"] == 0.004 and body["estimate_usd"] > 0.004
    assert _posts(sandbox) == before
    assert studio.compare.ids() == []  # no group was written
    board = (await api.client.get(f"/api/storyboards/{board_id}")).json()
    assert board["scenes"][0]["stages"]["keyframe"].get("audition_group") is None
