"""The sandbox's Vivid Flow: 202 and the status progression, validation details, cancel of
queued jobs only, history limits, usage and credits, and a 429 with retry_after in JSON."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sandbox_helpers import advance, freeze, video_facts

from studio.sandbox import SandboxServer

IMAGE = {"image": ("a.png", b"\x89PNG\r\n\x1a\n fake", "image/png")}
WAN = {"prompt": "waves", "model": "wan2.1", "width": "320", "height": "256", "length": "17"}


@pytest.fixture
def vivid(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    headers = {"X-API-Key": "vf_test"}
    with httpx.Client(base_url=f"{sandbox.url}/vividflow", headers=headers,
                      timeout=10) as client:
        yield client


def test_generate_answers_202_and_the_job_completes(admin, vivid) -> None:
    freeze(admin)
    answer = vivid.post("/generate", data=WAN, files=IMAGE)
    assert answer.status_code == 202 and answer.json()["status"] == "queued"
    job_id = answer.json()["job_id"]
    statuses = [vivid.get(f"/status/{job_id}").json()]
    advance(admin, 0.15)
    statuses.append(vivid.get(f"/status/{job_id}").json())
    advance(admin, 0.3)
    statuses.append(vivid.get(f"/status/{job_id}").json())
    assert [s["status"] for s in statuses] == ["queued", "processing", "completed"]
    assert statuses[0]["queue_position"] == 0 and 0 <= statuses[1]["progress"] <= 100
    done = statuses[-1]
    # The document's metrics, in seconds; no credits or cost field.
    assert set(done["metrics"]) == {"generation_time", "spin_up_time", "total_time"}
    assert done["metrics"]["total_time"] == pytest.approx(
        done["metrics"]["generation_time"] + done["metrics"]["spin_up_time"])
    facts = video_facts(httpx.get(done["result_url"]).content)
    assert (facts["width"], facts["height"]) == (320, 256)
    assert vivid.get("/usage").json()["credits_remaining"] == 99


@pytest.mark.parametrize(("data", "files", "fields"), [
    ({**WAN, "duration_seconds": "4"}, IMAGE, ["duration_seconds"]),
    ({**WAN, "cfg": "25"}, IMAGE, ["cfg"]),
    ({"prompt": "", "model": "wan2.1"}, IMAGE, ["prompt"]),
    ({**WAN, "image_url": "https://x/a.png"}, IMAGE, ["image"]),
    (WAN, {"image_url": (None, "http://x/a.png")}, ["image_url"]),
    ({"prompt": "p", "model": "veo3.1", "duration_seconds": "5"}, IMAGE, ["duration_seconds"]),
    ({"prompt": "p", "model": "sora"}, IMAGE, ["model"]),
])
def test_validation_errors_list_their_fields(vivid, data, files, fields) -> None:
    answer = vivid.post("/generate", data=data, files=files)
    assert answer.status_code == 400
    assert [d["field"] for d in answer.json()["details"]] == fields


def test_cancel_history_auth_and_credits(sandbox, admin, vivid) -> None:
    freeze(admin)
    queued = vivid.post("/generate", data={**WAN, "image_url": "gs://b/a.png"}).json()
    assert vivid.post(f"/cancel/{queued['job_id']}").json()["status"] == "cancelled"
    running = vivid.post("/generate", data=WAN, files=IMAGE).json()
    advance(admin, 0.15)
    refused = vivid.post(f"/cancel/{running['job_id']}")
    assert refused.status_code == 400 and "processing" in refused.json()["message"]
    assert vivid.get("/status/nope").status_code == 404
    jobs = vivid.get("/history", params={"limit": 1}).json()["jobs"]
    assert [j["job_id"] for j in jobs] == [running["job_id"]]
    assert vivid.get("/history", params={"limit": 101}).status_code == 400
    assert httpx.get(f"{sandbox.url}/vividflow/usage").status_code == 401
    httpx.post(f"{sandbox.url}/_sandbox/vividflow", json={"credits_remaining": 0})
    out = vivid.post("/generate", data=WAN, files=IMAGE)
    assert out.status_code == 403 and "No credits left" in out.json()["message"]


def test_rate_limit_puts_retry_after_in_the_json_body(admin, vivid) -> None:
    admin.post("/faults", json={"rate_limit": {"provider": "vividflow", "retry_after": 4}})
    limited = vivid.get("/usage")
    assert limited.status_code == 429
    assert limited.json() == {"error": "rate_limited", "message": "Too many requests; slow down",
                              "retry_after": 4}
    assert "retry-after" not in limited.headers
    assert vivid.get("/usage").status_code == 200
