"""Luma Dream Machine API over real HTTP: generations, validation, delete, credits, faults."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import httpx
import pytest
from sandbox_helpers import advance, freeze, image_size, video_facts

from studio.sandbox import SandboxServer
from studio.sandbox.render import render_png

PNG_URI = "data:image/png;base64," + base64.b64encode(render_png("in", 1, 16, 16)).decode()
HTTPS_PNG = "https://images.example.com/in.png"
RAY = {"model": "ray-2", "prompt": "a lake at dawn"}


@pytest.fixture
def luma(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": "Bearer luma-test"}
    with httpx.Client(base_url=f"{sandbox.url}/luma", headers=headers, timeout=10) as client:
        yield client


def test_video_generation_goes_queued_dreaming_completed(
    luma: httpx.Client, admin: httpx.Client, sandbox: SandboxServer
) -> None:
    freeze(admin)
    created = luma.post("/generations/video", json={**RAY, "resolution": "720p"})
    assert created.status_code == 201
    generation = created.json()
    assert (generation["state"], generation["generation_type"], generation["model"]) == (
        "queued", "video", "ray-2")
    assert generation["assets"] is None and generation["failure_reason"] is None
    assert generation["request"] == {**RAY, "resolution": "720p"}
    url = f"/generations/{generation['id']}"
    advance(admin, 0.15)
    assert luma.get(url).json()["state"] == "dreaming"
    advance(admin, 0.2)
    done = luma.get(url).json()
    assert done["state"] == "completed"
    assert set(done["assets"]) == {"video"}
    assert done["assets"]["video"].startswith(f"{sandbox.url}/files/")
    facts = video_facts(httpx.get(done["assets"]["video"]).content)
    # 720p 16:9 (1280x720) is rendered at the 640-pixel cap; 5 s by default.
    assert (facts["width"], facts["height"], facts["seconds"]) == (640, 360, 5.0)


def test_image_generation_renders_the_aspect_and_format(
    luma: httpx.Client, admin: httpx.Client
) -> None:
    freeze(admin)
    long_url = "https://example.com/ref.png?" + "x" * 300
    body = {"model": "photon-flash-1", "prompt": "a kettle", "aspect_ratio": "3:4",
            "format": "jpg", "image_ref": [{"url": long_url, "weight": 0.5}],
            "style_ref": [{"url": "https://example.com/style.png"}]}
    generation = luma.post("/generations/image", json=body).json()
    # Long strings are echoed cut short, as a record of what was asked for.
    assert generation["request"]["image_ref"][0]["url"].endswith("chars>")
    advance(admin, 1)
    done = luma.get(f"/generations/{generation['id']}").json()
    assert set(done["assets"]) == {"image"}
    assert image_size(httpx.get(done["assets"]["image"]).content) == ("JPEG", 896, 1152)


@pytest.mark.parametrize(("path", "change", "words"), [
    ("video", {"model": "ray-9"}, "model: must be one of ray-2"),
    ("video", {"aspect_ratio": "2:1"}, "aspect_ratio"),
    ("video", {"duration": "7s"}, "duration: must be one of 5s, 9s"),
    ("video", {"resolution": "8k"}, "resolution"),
    ("video", {"loop": "yes"}, "loop: must be a boolean"),
    ("video", {"keyframes": {"frame0": {"type": "image", "url": "http://127.0.0.1/a.png"}}},
     "keyframes.frame0.url"),
    ("video", {"keyframes": {"frame2": {"type": "image", "url": PNG_URI}}}, "keyframes"),
    ("video", {"prompt": ""}, "prompt: is required"),
    ("image", {"model": "photon-1", "image_ref": [{"url": HTTPS_PNG, "weight": 2}]},
     "image_ref.0.weight"),
    ("image", {"model": "photon-1", "image_ref": [{"url": HTTPS_PNG}] * 5}, "1 to 4"),
    # Luma fetches images by URL: a data URI is refused, and so is a file it cannot fetch.
    ("image", {"model": "photon-1", "image_ref": [{"url": PNG_URI}]},
     "image_ref.0.url: must be a hosted image URL; Luma fetches input images and does not "
     "take data URIs"),
    ("video", {"keyframes": {"frame0": {"type": "image", "url": "SANDBOX/files/missing.png"}}},
     "keyframes.frame0.url: could not fetch"),
    ("image", {"model": "ray-2"}, "model: must be one of photon-1"),
])
def test_invalid_bodies_are_400_with_the_field(
    luma: httpx.Client, path: str, change: dict, words: str
) -> None:
    body = json.loads(json.dumps({**RAY, **change}).replace("SANDBOX", str(luma.base_url)[
        :-len("/luma")]))
    response = luma.post(f"/generations/{path}", json=body)
    assert response.status_code == 400
    assert words in response.json()["detail"]


def test_keyframes_alone_need_no_prompt(luma: httpx.Client) -> None:
    body = {"model": "ray-flash-2", "keyframes": {"frame1": {"type": "image", "url": HTTPS_PNG}}}
    assert luma.post("/generations/video", json=body).status_code == 201


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Key abc"}, {"Authorization": "Bearer"}])
def test_requests_without_a_bearer_key_are_401(sandbox: SandboxServer, headers: dict) -> None:
    response = httpx.get(f"{sandbox.url}/luma/credits", headers=headers)
    assert (response.status_code, response.json()) == (401, {"detail": "Invalid API key provided"})


def test_delete_stops_a_dreaming_generation_and_hides_it(
    luma: httpx.Client, admin: httpx.Client
) -> None:
    freeze(admin)
    generation = luma.post("/generations/video", json=RAY).json()
    advance(admin, 0.15)
    deleted = luma.delete(f"/generations/{generation['id']}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    for response in (luma.get(f"/generations/{generation['id']}"),
                     luma.delete(f"/generations/{generation['id']}")):
        assert (response.status_code, response.json()) == (404, {"detail": "Generation not found"})
    jobs = admin.get("/jobs", params={"provider": "luma"}).json()
    assert [job["phase"] for job in jobs] == ["cancelled"]


def test_credits_are_cents_charged_on_completion(luma: httpx.Client, admin: httpx.Client) -> None:
    freeze(admin)
    assert luma.get("/credits").json() == {"credit_balance": 10_000.0}
    generation = luma.post("/generations/video", json={**RAY, "duration": "9s"}).json()
    assert luma.get("/credits").json() == {"credit_balance": 10_000.0}  # not finished yet
    advance(admin, 1)
    assert luma.get(f"/generations/{generation['id']}").json()["state"] == "completed"
    assert luma.get("/credits").json() == {"credit_balance": 10_000.0 - 8 * 9}
    admin.post("/faults", json={"luma_credits": 10}).raise_for_status()
    refused = luma.post("/generations/video", json=RAY)
    assert (refused.status_code, refused.json()["detail"]) == (
        402, "Insufficient credits to create this generation")
    assert admin.get("/faults").json()["luma_credits"] == 10
    assert admin.delete("/faults").json()["luma_credits"] == 10_000.0


def test_faults_reach_luma(luma: httpx.Client, admin: httpx.Client) -> None:
    freeze(admin)
    admin.post("/faults", json={"fail_next": {"provider": "luma", "message": "Bad prompt"},
                                "rate_limit": {"provider": "luma", "retry_after": 2}})
    limited = luma.post("/generations/video", json=RAY)
    assert (limited.status_code, limited.headers["retry-after"]) == (429, "2")
    generation = luma.post("/generations/video", json=RAY).json()
    advance(admin, 1)
    admin.post("/faults", json={"server_errors": {"provider": "luma", "status": 502}})
    assert luma.get(f"/generations/{generation['id']}").status_code == 502
    failed = luma.get(f"/generations/{generation['id']}").json()
    assert (failed["state"], failed["failure_reason"], failed["assets"]) == (
        "failed", "Bad prompt", None)


def test_requests_are_recorded_with_the_key_redacted(
    luma: httpx.Client, admin: httpx.Client
) -> None:
    luma.get("/ping")
    assert luma.get("/nowhere").status_code == 404
    records = admin.get("/requests", params={"provider": "luma"}).json()
    assert [(r["route"], r["status"]) for r in records] == [("/ping", 200), ("/nowhere", 404)]
    assert records[0]["headers"]["authorization"].startswith("Bearer <redacted sha256:")
    assert "luma-test" not in str(records)
