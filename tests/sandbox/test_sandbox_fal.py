"""fal.ai queue protocol over real HTTP: submit, status, logs, result, files, cancel."""

from __future__ import annotations

import httpx
import pytest
from sandbox_helpers import advance, freeze, image_size, poll_until, video_facts

from studio.sandbox import SandboxServer

FLUX = "/fal-ai/flux/dev"


def test_full_image_lifecycle(
    sandbox: SandboxServer, fal: httpx.Client, admin: httpx.Client
) -> None:
    # Real time here; the phases are long enough that a slow machine still sees each one.
    admin.post("/faults", json={"queue_seconds": 0.3, "run_seconds": 0.4}).raise_for_status()
    submitted = fal.post(FLUX, json={"prompt": "a red fox", "image_size": "square", "seed": 7})
    assert submitted.status_code == 200
    job = submitted.json()
    request_id = job["request_id"]
    assert submitted.headers["x-fal-request-id"] == request_id
    base = f"{sandbox.url}/fal/fal-ai/flux/requests/{request_id}"
    assert job == {
        "request_id": request_id,
        "response_url": base,
        "status_url": f"{base}/status",
        "cancel_url": f"{base}/cancel",
        "status": "IN_QUEUE",
        "queue_position": 0,
    }

    seen = poll_until(
        lambda: fal.get(job["status_url"], params={"logs": 1}).json(),
        lambda body: body["status"] == "COMPLETED",
    )
    statuses = [body["status"] for body in seen]
    assert statuses[0] == "IN_QUEUE"
    assert "IN_PROGRESS" in statuses
    running = [body for body in seen if body["status"] == "IN_PROGRESS"]
    assert all(body["response_url"] == base for body in seen)
    # Logs grow while the job runs and carry fal's log-entry fields.
    assert len(running[-1]["logs"]) >= len(running[0]["logs"]) >= 1
    assert set(running[0]["logs"][0]) == {"message", "level", "source", "timestamp"}
    done = seen[-1]
    assert done["metrics"] == {"inference_time": pytest.approx(0.4)}
    assert "error" not in done
    assert len(done["logs"]) > len(running[-1]["logs"]) - 1

    result = fal.get(job["response_url"]).json()
    assert result["seed"] == 7
    assert result["prompt"] == "a red fox"
    assert result["has_nsfw_concepts"] == [False]
    assert result["timings"] == {"inference": pytest.approx(0.4)}
    [image] = result["images"]
    assert image["url"].startswith(f"{sandbox.url}/files/")
    assert (image["width"], image["height"], image["content_type"]) == (512, 512, "image/jpeg")

    download = httpx.get(image["url"])
    assert download.status_code == 200
    assert download.headers["content-type"] == "image/jpeg"
    assert int(download.headers["content-length"]) == len(download.content)
    assert image_size(download.content) == ("JPEG", 512, 512)


def test_logs_only_when_asked(fal: httpx.Client, admin: httpx.Client) -> None:
    freeze(admin)
    job = fal.post(FLUX, json={"prompt": "x"}).json()
    advance(admin, 0.1 + 0.2 * 0.5)
    assert fal.get(job["status_url"]).json() == {
        "status": "IN_PROGRESS",
        "response_url": job["response_url"],
    }
    for flag in ("1", "true"):
        body = fal.get(job["status_url"], params={"logs": flag}).json()
        assert body["status"] == "IN_PROGRESS"
        assert [line["level"] for line in body["logs"]] == ["INFO"] * len(body["logs"])
        assert body["logs"]


def test_queue_positions_count_earlier_jobs(fal: httpx.Client, admin: httpx.Client) -> None:
    freeze(admin)
    jobs = [fal.post(FLUX, json={"prompt": f"job {i}"}).json() for i in range(3)]
    assert [job["queue_position"] for job in jobs] == [0, 1, 2]
    assert fal.get(jobs[2]["status_url"]).json()["queue_position"] == 2


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"image_size": "portrait_16_9"}, (576, 1024, "image/jpeg")),
        (
            {"image_size": {"width": 300, "height": 200}, "output_format": "png"},
            (300, 200, "image/png"),
        ),
        ({"format": "png"}, (1024, 768, "image/png")),
    ],
)
def test_image_sizes_and_formats(
    fal: httpx.Client, admin: httpx.Client, payload: dict, expected: tuple
) -> None:
    freeze(admin)
    job = fal.post(FLUX, json={"prompt": "size check", **payload}).json()
    advance(admin, 1)
    [image] = fal.get(job["response_url"]).json()["images"]
    assert (image["width"], image["height"], image["content_type"]) == expected
    kind = {"image/png": "PNG", "image/jpeg": "JPEG"}[expected[2]]
    assert image_size(httpx.get(image["url"]).content) == (kind, expected[0], expected[1])


def test_num_images_ultra_aspect_and_random_seed(fal: httpx.Client, admin: httpx.Client) -> None:
    freeze(admin)
    job = fal.post("/fal-ai/flux-pro/v1.1-ultra", json={"prompt": "p", "num_images": 2}).json()
    assert "/fal/fal-ai/flux-pro/requests/" in job["status_url"]
    advance(admin, 1)
    result = fal.get(job["response_url"]).json()
    assert [(i["width"], i["height"]) for i in result["images"]] == [(1344, 768)] * 2
    assert len({i["url"] for i in result["images"]}) == 2
    assert isinstance(result["seed"], int)
    assert result["has_nsfw_concepts"] == [False, False]


def test_video_result_is_a_real_mp4(fal: httpx.Client, admin: httpx.Client) -> None:
    freeze(admin)
    endpoint = "/fal-ai/kling-video/v2.1/standard/image-to-video"
    payload = {"prompt": "waves", "image_url": "https://example.com/a.png", "duration": "5s"}
    job = fal.post(endpoint, json={**payload, "seed": 3}).json()
    assert job["status_url"].endswith(
        f"/fal/fal-ai/kling-video/requests/{job['request_id']}/status"
    )
    advance(admin, 1)
    result = fal.get(job["response_url"]).json()
    video = result["video"]
    assert result["seed"] == 3
    assert video["content_type"] == "video/mp4"
    # 720p 16:9 is 1280x720; the sandbox renders it at 640x360 and says so in the name.
    assert "1280x720" in video["file_name"]
    assert video["url"].endswith(video["file_name"])
    data = httpx.get(video["url"]).content
    assert len(data) == video["file_size"]
    facts = video_facts(data)
    assert (facts["width"], facts["height"], facts["seconds"]) == (640, 360, 5.0)


def test_video_resolution_and_aspect(fal: httpx.Client, admin: httpx.Client) -> None:
    freeze(admin)
    payload = {"prompt": "p", "resolution": "360p", "aspect_ratio": "9:16", "duration": 2}
    job = fal.post("/fal-ai/pixverse/v4.5/text-to-video", json=payload).json()
    advance(admin, 1)
    video = fal.get(job["response_url"]).json()["video"]
    facts = video_facts(httpx.get(video["url"]).content)
    assert (facts["width"], facts["height"], facts["seconds"]) == (360, 640, 2.0)
    assert video["file_name"] == f"{job['request_id']}.mp4"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "prompt"),
        ({"prompt": 5}, "prompt"),
        ({"prompt": "x", "num_images": 9}, "num_images"),
        ({"prompt": "x", "image_size": "huge"}, "image_size"),
        ({"prompt": "x", "output_format": "gif"}, "output_format"),
    ],
)
def test_invalid_input_is_422(fal: httpx.Client, payload: dict, field: str) -> None:
    response = fal.post(FLUX, json=payload)
    assert response.status_code == 422
    [detail] = response.json()["detail"]
    assert detail["loc"] == ["body", field]
    if payload == {}:
        assert detail == {
            "loc": ["body", "prompt"],
            "msg": "field required",
            "type": "value_error.missing",
        }


def test_auth_is_required_everywhere(sandbox: SandboxServer, fal: httpx.Client) -> None:
    job = fal.post(FLUX, json={"prompt": "x"}).json()
    for headers in ({}, {"Authorization": "Bearer abc"}, {"Authorization": "Key"}):
        response = httpx.post(f"{sandbox.url}/fal{FLUX}", json={"prompt": "x"}, headers=headers)
        assert response.status_code == 401
        assert isinstance(response.json()["detail"], str)
    assert httpx.get(job["status_url"]).status_code == 401


def test_result_before_completion_and_unknown_ids(fal: httpx.Client, admin: httpx.Client) -> None:
    freeze(admin)
    job = fal.post(FLUX, json={"prompt": "x"}).json()
    early = fal.get(job["response_url"])
    assert (early.status_code, early.json()) == (400, {"detail": "Request is still in progress"})
    missing = "/fal-ai/flux/requests/00000000-0000-0000-0000-000000000000"
    assert fal.get(f"{missing}/status").status_code == 404
    assert fal.get(f"{missing}/status").json() == {"detail": "Request not found"}
    assert fal.get(missing).status_code == 404
    # The same id under another app is not found either.
    other_app = job["status_url"].replace("/fal-ai/flux/", "/fal-ai/fast-sdxl/")
    assert fal.get(other_app).status_code == 404


def test_cancel_flow(fal: httpx.Client, admin: httpx.Client) -> None:
    freeze(admin)
    job = fal.post(FLUX, json={"prompt": "x"}).json()
    cancelled = fal.put(job["cancel_url"])
    assert (cancelled.status_code, cancelled.json()) == (202, {"status": "CANCELLATION_REQUESTED"})
    status = fal.get(job["status_url"]).json()
    assert status["status"] == "COMPLETED"
    assert (status["error"], status["error_type"]) == ("Request was cancelled", "request_cancelled")
    result = fal.get(job["response_url"])
    assert (result.status_code, result.json()) == (400, {"detail": "Request was cancelled"})
    again = fal.put(job["cancel_url"])
    assert (again.status_code, again.json()) == (400, {"status": "ALREADY_COMPLETED"})

    finished = fal.post(FLUX, json={"prompt": "y"}).json()
    advance(admin, 1)
    assert fal.put(finished["cancel_url"]).json() == {"status": "ALREADY_COMPLETED"}
    unknown = fal.put("/fal-ai/flux/requests/nope/cancel")
    assert (unknown.status_code, unknown.json()) == (404, {"status": "NOT_FOUND"})


def test_running_job_can_be_cancelled(fal: httpx.Client, admin: httpx.Client) -> None:
    freeze(admin)
    job = fal.post(FLUX, json={"prompt": "x"}).json()
    advance(admin, 0.15)
    assert fal.get(job["status_url"]).json()["status"] == "IN_PROGRESS"
    assert fal.put(job["cancel_url"]).status_code == 202
    advance(admin, 1)
    assert fal.get(job["status_url"]).json()["error_type"] == "request_cancelled"
