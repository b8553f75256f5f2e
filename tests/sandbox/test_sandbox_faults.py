"""Fault switches: 429 with Retry-After, 5xx on polls, malformed JSON, fail_next, timings."""

from __future__ import annotations

import json

import httpx
import pytest
from sandbox_helpers import advance, freeze

from studio.sandbox import SandboxServer

FLUX = "/fal-ai/flux/dev"
TURBO = {
    "model": "gen4_turbo",
    "promptImage": "https://example.com/a.png",
    "ratio": "1280:720",
    "duration": 2,
}


def test_rate_limit_answers_429_with_retry_after(
    fal: httpx.Client, runway: httpx.Client, admin: httpx.Client
) -> None:
    admin.post("/faults", json={"rate_limit": {"count": 2, "retry_after": 3}}).raise_for_status()
    first = fal.post(FLUX, json={"prompt": "x"})
    assert first.status_code == 429
    assert first.headers["retry-after"] == "3"
    assert first.headers["retry-after-ms"] == "3000"
    assert isinstance(first.json()["detail"], str)
    second = runway.get("/v1/organization")
    assert second.status_code == 429
    assert isinstance(second.json()["error"], str)
    assert fal.post(FLUX, json={"prompt": "x"}).status_code == 200


def test_faults_can_target_one_provider(
    fal: httpx.Client, runway: httpx.Client, admin: httpx.Client
) -> None:
    admin.post("/faults", json={"rate_limit": 1, "provider": "runway"}).raise_for_status()
    assert fal.post(FLUX, json={"prompt": "x"}).status_code == 200
    assert runway.get("/v1/organization").status_code == 429
    assert runway.get("/v1/organization").status_code == 200


def test_rate_limit_does_not_hide_auth_errors(
    sandbox: SandboxServer, fal: httpx.Client, admin: httpx.Client
) -> None:
    admin.post("/faults", json={"rate_limit": 1}).raise_for_status()
    unauthorised = httpx.post(f"{sandbox.url}/fal{FLUX}", json={"prompt": "x"})
    assert unauthorised.status_code == 401
    assert fal.post(FLUX, json={"prompt": "x"}).status_code == 429


def test_server_errors_hit_status_polls_only(
    fal: httpx.Client, runway: httpx.Client, admin: httpx.Client
) -> None:
    admin.post("/faults", json={"server_errors": 2}).raise_for_status()
    job = fal.post(FLUX, json={"prompt": "x"})
    assert job.status_code == 200  # submissions are not polls
    first = fal.get(job.json()["status_url"])
    task_id = runway.post("/v1/image_to_video", json=TURBO).json()["id"]
    second = runway.get(f"/v1/tasks/{task_id}")
    assert (first.status_code, second.status_code) == (500, 503)
    assert "detail" in first.json() and "error" in second.json()
    assert fal.get(job.json()["status_url"]).status_code == 200
    assert runway.get(f"/v1/tasks/{task_id}").status_code == 200


def test_server_error_status_can_be_chosen(runway: httpx.Client, admin: httpx.Client) -> None:
    task_id = runway.post("/v1/image_to_video", json=TURBO).json()["id"]
    admin.post("/faults", json={"server_errors": {"count": 1, "status": 502}})
    assert runway.get(f"/v1/tasks/{task_id}").status_code == 502


def test_malformed_json_is_truncated_with_status_200(
    fal: httpx.Client, admin: httpx.Client
) -> None:
    admin.post("/faults", json={"malformed_json": 1}).raise_for_status()
    response = fal.post(FLUX, json={"prompt": "x"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-fal-request-id"]
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    assert fal.post(FLUX, json={"prompt": "x"}).json()["status"] == "IN_QUEUE"


def test_fail_next_on_fal(fal: httpx.Client, admin: httpx.Client) -> None:
    freeze(admin)
    fault = {"provider": "fal", "code": "content_policy_violation", "message": "Nope"}
    admin.post("/faults", json={"fail_next": fault}).raise_for_status()
    job = fal.post(FLUX, json={"prompt": "x"}).json()
    advance(admin, 1)
    status = fal.get(job["status_url"]).json()
    assert status["status"] == "COMPLETED"
    assert (status["error"], status["error_type"]) == ("Nope", "content_policy_violation")
    result = fal.get(job["response_url"])
    assert (result.status_code, result.json()) == (422, {"detail": "Nope"})
    assert result.headers["x-fal-error-type"] == "content_policy_violation"
    logs = fal.get(job["status_url"], params={"logs": "true"}).json()["logs"]
    assert logs[-1]["level"] == "ERROR"


def test_fail_next_waits_for_its_provider(
    fal: httpx.Client, runway: httpx.Client, admin: httpx.Client
) -> None:
    freeze(admin)
    admin.post("/faults", json={"fail_next": {"provider": "runway", "code": "INTERNAL"}})
    job = fal.post(FLUX, json={"prompt": "x"}).json()
    task_id = runway.post("/v1/image_to_video", json=TURBO).json()["id"]
    advance(admin, 1)
    assert "error" not in fal.get(job["status_url"]).json()
    assert runway.get(f"/v1/tasks/{task_id}").json()["failureCode"] == "INTERNAL"


def test_timing_overrides_apply_to_new_jobs(fal: httpx.Client, admin: httpx.Client) -> None:
    freeze(admin)
    admin.post("/faults", json={"queue_seconds": 1.0, "run_seconds": 2.0}).raise_for_status()
    job = fal.post(FLUX, json={"prompt": "x"}).json()
    advance(admin, 0.9)
    assert fal.get(job["status_url"]).json()["status"] == "IN_QUEUE"
    advance(admin, 2.0)
    assert fal.get(job["status_url"]).json()["status"] == "IN_PROGRESS"
    advance(admin, 0.2)
    done = fal.get(job["status_url"]).json()
    assert done["metrics"] == {"inference_time": 2.0}


def test_faults_are_listed_and_cleared(admin: httpx.Client) -> None:
    spec = {"rate_limit": {"count": 2, "retry_after": 1}, "server_errors": 1, "queue_seconds": 0.5}
    state = admin.post("/faults", json=spec).json()
    assert state["rate_limit"] == [{"count": 2, "provider": None, "retry_after": 1}]
    assert state["server_errors"] == [{"count": 1, "provider": None}]
    assert state["queue_seconds"] == 0.5
    cleared = admin.delete("/faults").json()
    assert cleared["rate_limit"] == [] and "queue_seconds" not in cleared
    assert cleared["runway_credits"] == 1000


@pytest.mark.parametrize(
    "spec",
    [
        {"explode": 1},
        {"rate_limit": {"count": -1}},
        {"rate_limit": {"count": 1, "retry_after": "soon"}},
        {"server_errors": {"status": 200}},
        {"fail_next": {"provider": "openai"}},
        {"queue_seconds": -1},
        {"runway_credits": "lots"},
        [1, 2],
    ],
)
def test_bad_fault_specs_are_refused(admin: httpx.Client, spec: object) -> None:
    response = admin.post("/faults", json=spec)
    assert response.status_code == 400
    assert response.json()["error"]
    assert admin.get("/faults").json()["rate_limit"] == []
