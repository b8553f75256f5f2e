"""Runway API over real HTTP: tasks, validation, cancellation, organization credits."""

from __future__ import annotations

import base64

import httpx
import pytest
from sandbox_helpers import advance, freeze, image_size, poll_until, video_facts

from studio.sandbox import SandboxServer
from studio.sandbox.render import render_png

PNG_URI = "data:image/png;base64," + base64.b64encode(render_png("in", 1, 16, 16)).decode()
GEN4_TURBO = {"model": "gen4_turbo", "promptImage": PNG_URI, "ratio": "1280:720", "duration": 2}


def test_image_to_video_lifecycle(
    runway: httpx.Client, sandbox: SandboxServer, admin: httpx.Client
) -> None:
    # Real time here; the phases are long enough that a slow machine still sees each one.
    admin.post("/faults", json={"queue_seconds": 0.3, "run_seconds": 0.4}).raise_for_status()
    created = runway.post("/v1/image_to_video", json={**GEN4_TURBO, "promptText": "a boat"})
    assert created.status_code == 200
    task_id = created.json()["id"]
    assert list(created.json()) == ["id"]

    seen = poll_until(
        lambda: runway.get(f"/v1/tasks/{task_id}").json(),
        lambda task: task["status"] in ("SUCCEEDED", "FAILED"),
    )
    assert seen[0] == {"id": task_id, "createdAt": seen[0]["createdAt"], "status": "PENDING"}
    assert seen[0]["createdAt"].endswith("Z")
    running = [task for task in seen if task["status"] == "RUNNING"]
    assert running, "expected at least one RUNNING poll"
    progress = [task["progress"] for task in running]
    assert progress == sorted(progress) and all(0 <= p <= 1 for p in progress)
    done = seen[-1]
    assert done["status"] == "SUCCEEDED"
    [url] = done["output"]
    assert url.startswith(f"{sandbox.url}/files/")
    download = httpx.get(url)
    assert download.headers["content-type"] == "video/mp4"
    facts = video_facts(download.content)
    # 1280:720 is rendered at the 640-pixel cap; the duration is what was asked for.
    assert (facts["width"], facts["height"], facts["seconds"]) == (640, 360, 2.0)


def test_text_to_image_renders_the_ratio(runway: httpx.Client, admin: httpx.Client) -> None:
    freeze(admin)
    body = {"model": "gen4_image", "promptText": "@cat on a sofa", "ratio": "1360:768", "seed": 5}
    body["referenceImages"] = [{"uri": PNG_URI, "tag": "cat"}]
    task_id = runway.post("/v1/text_to_image", json=body).json()["id"]
    advance(admin, 1)
    task = runway.get(f"/v1/tasks/{task_id}").json()
    assert task["status"] == "SUCCEEDED"
    assert image_size(httpx.get(task["output"][0]).content) == ("PNG", 1360, 768)


def test_text_to_video_veo_defaults_to_eight_seconds(
    runway: httpx.Client, admin: httpx.Client
) -> None:
    freeze(admin)
    body = {"model": "veo3.1_fast", "promptText": "rain", "ratio": "720:1280"}
    task_id = runway.post("/v1/text_to_video", json=body).json()["id"]
    advance(admin, 1)
    output = runway.get(f"/v1/tasks/{task_id}").json()["output"][0]
    facts = video_facts(httpx.get(output).content)
    assert (facts["width"], facts["height"], facts["seconds"]) == (360, 640, 8.0)


def test_delete_cancels_running_and_finished_tasks(
    runway: httpx.Client, admin: httpx.Client
) -> None:
    freeze(admin)
    running = runway.post("/v1/image_to_video", json=GEN4_TURBO).json()["id"]
    advance(admin, 0.15)
    assert runway.get(f"/v1/tasks/{running}").json()["status"] == "RUNNING"
    deleted = runway.delete(f"/v1/tasks/{running}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    advance(admin, 1)
    task = runway.get(f"/v1/tasks/{running}").json()
    assert task["status"] == "CANCELLED"
    assert "output" not in task

    finished = runway.post("/v1/image_to_video", json=GEN4_TURBO).json()["id"]
    advance(admin, 1)
    assert runway.get(f"/v1/tasks/{finished}").json()["status"] == "SUCCEEDED"
    assert runway.delete(f"/v1/tasks/{finished}").status_code == 204
    assert runway.get(f"/v1/tasks/{finished}").json()["status"] == "CANCELLED"


def test_unknown_task_is_404(runway: httpx.Client) -> None:
    for response in (runway.get("/v1/tasks/nope"), runway.delete("/v1/tasks/nope")):
        assert (response.status_code, response.json()) == (404, {"error": "Task not found"})


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"X-Runway-Version": "2024-11-06"}, 401),
        ({"Authorization": "Key abc", "X-Runway-Version": "2024-11-06"}, 401),
        ({"Authorization": "Bearer key_x"}, 400),
        ({"Authorization": "Bearer key_x", "X-Runway-Version": "2023-01-01"}, 400),
    ],
)
def test_auth_and_version_headers(sandbox: SandboxServer, headers: dict, status: int) -> None:
    response = httpx.get(f"{sandbox.url}/runway/v1/organization", headers=headers)
    assert response.status_code == status
    assert isinstance(response.json()["error"], str)
    if status == 401:
        assert response.json() == {"error": "Invalid API key"}


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"ratio": "1920:1080"}, ["ratio"]),
        ({"promptImage": "http://localhost:8000/a.png"}, ["promptImage"]),
        ({"promptImage": "https://127.0.0.1/a.png"}, ["promptImage"]),
        ({"promptImage": "data:image/png;base64,@@@"}, ["promptImage"]),
        ({"promptImage": [{"uri": PNG_URI, "position": "middle"}]}, ["promptImage", 0, "position"]),
        ({"promptText": "x" * 1001}, ["promptText"]),
        ({"duration": 11}, ["duration"]),
        ({"model": "gen3a_turbo"}, ["model"]),
    ],
)
def test_validation_issues_name_the_field(runway: httpx.Client, change: dict, path: list) -> None:
    response = runway.post("/v1/image_to_video", json={**GEN4_TURBO, **change})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Validation of body failed"
    assert [issue["path"] for issue in body["issues"]] == [path]
    assert all(issue["message"] for issue in body["issues"])


def test_accepted_prompt_image_forms(runway: httpx.Client) -> None:
    for image in ("https://example.com/cat.png", [{"uri": PNG_URI, "position": "first"}]):
        response = runway.post("/v1/image_to_video", json={**GEN4_TURBO, "promptImage": image})
        assert response.status_code == 200, response.json()


def test_model_specific_rules(runway: httpx.Client) -> None:
    missing_prompt = runway.post(
        "/v1/text_to_video", json={"model": "gen4.5", "ratio": "1280:720", "duration": 5}
    )
    assert [i["path"] for i in missing_prompt.json()["issues"]] == [["promptText"]]
    turbo = {"model": "gen4_image_turbo", "promptText": "x", "ratio": "1024:1024"}
    assert runway.post("/v1/text_to_image", json=turbo).status_code == 400
    four = [{"uri": PNG_URI}] * 4
    too_many = runway.post("/v1/text_to_image", json={**turbo, "referenceImages": four})
    assert [i["path"] for i in too_many.json()["issues"]] == [["referenceImages"]]


def test_organization_credits_fall_as_tasks_succeed(
    runway: httpx.Client, admin: httpx.Client
) -> None:
    freeze(admin)
    org = runway.get("/v1/organization").json()
    assert org["creditBalance"] == 1000
    assert org["tier"]["maxMonthlyCreditSpend"] == 10000
    assert org["tier"]["models"]["gen4_turbo"] == {
        "maxConcurrentGenerations": 2,
        "maxDailyGenerations": 200,
    }
    runway.post("/v1/image_to_video", json={**GEN4_TURBO, "duration": 4})
    body = {"model": "gen4.5", "promptText": "x", "ratio": "1280:720", "duration": 2}
    runway.post("/v1/text_to_video", json=body)
    assert runway.get("/v1/organization").json()["creditBalance"] == 1000
    advance(admin, 1)
    org = runway.get("/v1/organization").json()
    # gen4_turbo 5 credits/s * 4 s + gen4.5 12 credits/s * 2 s
    assert org["creditBalance"] == 1000 - 20 - 24
    assert org["usage"]["models"]["gen4_turbo"] == {"dailyGenerations": 1}


def test_low_credits_refuse_new_tasks(runway: httpx.Client, admin: httpx.Client) -> None:
    admin.post("/faults", json={"runway_credits": 5}).raise_for_status()
    assert runway.get("/v1/organization").json()["creditBalance"] == 5
    response = runway.post("/v1/image_to_video", json=GEN4_TURBO)
    assert response.status_code == 400
    assert "credits" in response.json()["error"]
    admin.delete("/faults").raise_for_status()
    assert runway.get("/v1/organization").json()["creditBalance"] == 1000


def test_throttled_then_running(runway: httpx.Client, admin: httpx.Client) -> None:
    freeze(admin)
    admin.post("/faults", json={"throttle_next": {"count": 1, "seconds": 0.5}}).raise_for_status()
    task_id = runway.post("/v1/image_to_video", json=GEN4_TURBO).json()["id"]
    states = []
    for step in (0.05, 0.1, 0.5, 0.2):
        advance(admin, step)
        states.append(runway.get(f"/v1/tasks/{task_id}").json()["status"])
    assert states == ["PENDING", "THROTTLED", "RUNNING", "SUCCEEDED"]


def test_fail_next_gives_runway_failure_shape(runway: httpx.Client, admin: httpx.Client) -> None:
    freeze(admin)
    fault = {"provider": "runway", "code": "SAFETY.INPUT.TEXT", "message": "Prompt flagged"}
    admin.post("/faults", json={"fail_next": fault}).raise_for_status()
    failing = runway.post("/v1/image_to_video", json=GEN4_TURBO).json()["id"]
    fine = runway.post("/v1/image_to_video", json=GEN4_TURBO).json()["id"]
    advance(admin, 1)
    task = runway.get(f"/v1/tasks/{failing}").json()
    assert task["status"] == "FAILED"
    assert (task["failure"], task["failureCode"]) == ("Prompt flagged", "SAFETY.INPUT.TEXT")
    assert runway.get(f"/v1/tasks/{fine}").json()["status"] == "SUCCEEDED"
    assert runway.get("/v1/organization").json()["creditBalance"] == 1000 - 10
