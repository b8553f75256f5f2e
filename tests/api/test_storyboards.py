"""/api/storyboards: create, list, show, run (dry-run; live with auto-approve carried on by
the server, one webhook per stage), approve, regenerate, stitch; paths refused."""

from __future__ import annotations

import asyncio

import av
import pytest

from studio.core.service import Studio
from tests.api.conftest import enable_live, serve
from tests.conftest import instant_jobs

KLING = "fal-ai/kling-video/v2.1/standard/image-to-video"
BOARD = {
    "title": "Fox ad",
    "image_model": {"provider": "fal", "model": "fal-ai/flux/schnell",
                    "params": {"output_format": "png"}},
    "video_model": {"provider": "fal", "model": KLING},
    "scenes": [{"prompt": "a red fox wakes", "duration_seconds": 5, "seed": 1},
               {"prompt": "the fox runs", "duration_seconds": 5, "seed": 2}],
}


async def until(fetch, condition, timeout: float = 30.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await fetch()
        if condition(value):
            return value
        assert asyncio.get_running_loop().time() < deadline, f"timed out: {value}"
        await asyncio.sleep(0.05)


async def test_dry_run_storyboard_over_the_api(api, receiver):
    r = await api.client.post("/api/storyboards", json={"storyboard": BOARD})
    assert r.status_code == 201, r.text
    board_id = r.json()["storyboard_id"]
    assert r.headers["location"] == f"/api/storyboards/{board_id}"
    listed = (await api.client.get("/api/storyboards")).json()["storyboards"]
    assert [b["storyboard_id"] for b in listed] == [board_id]
    r = await api.client.post(f"/api/storyboards/{board_id}/run",
                              json={"webhook": receiver.url + "/stage"})
    assert r.status_code == 202, r.text
    data = r.json()
    assert len(data["jobs"]) == 2
    assert [s["stages"]["keyframe"]["status"] for s in data["scenes"]] == ["dry_run"] * 2
    hooks = await receiver.wait(2)
    assert sorted(h.json()["job_id"] for h in hooks) == sorted(data["jobs"])
    r = await api.client.post(f"/api/storyboards/{board_id}/approve",
                              json={"scene": 1, "stage": "keyframe"})
    assert r.status_code == 409 and "dry_run" in r.json()["error"]
    r = await api.client.post(f"/api/storyboards/{board_id}/stitch")
    assert r.status_code == 409
    assert (await api.client.get("/api/storyboards/nope")).status_code == 404


@pytest.mark.parametrize("change, field", [
    ({"reference_images": ["/etc/passwd"]}, "storyboard.reference_images.0"),
    ({"scenes": [{"prompt": "x", "keyframe": {"kind": "file", "ref": "/tmp/a.png"}}]},
     "storyboard.scenes.0.keyframe"),
    ({"scenes": []}, "storyboard"),
])
async def test_paths_on_this_computer_and_bad_boards_are_refused(api, change, field):
    r = await api.client.post("/api/storyboards", json={"storyboard": {**BOARD, **change}})
    assert r.status_code == 422
    assert field in [f["field"] for f in r.json()["fields"]]
    assert (await api.client.get("/api/storyboards")).json()["storyboards"] == []


async def test_live_auto_approve_runs_on_then_stitches(home, memory_keyring, sandbox,
                                                       receiver):
    instant_jobs(sandbox)  # about the stages and the film, not the wait
    studio = Studio(home, env={}, sandbox_url=sandbox.url)
    enable_live(studio, image=True, video=True)
    try:
        async with serve(studio) as api:
            board_id = (await api.client.post("/api/storyboards", json={
                "storyboard": BOARD})).json()["storyboard_id"]
            r = await api.client.post(f"/api/storyboards/{board_id}/run", json={
                "auto_approve": True, "webhook": receiver.url})
            assert r.status_code == 202 and len(r.json()["jobs"]) == 2  # the keyframes

            async def fetch():
                return (await api.client.get(f"/api/storyboards/{board_id}")).json()
            data = await until(fetch, lambda d: d["status"] == "ready")
            stage_jobs = {a["job_id"] for s in data["scenes"] for st in s["stages"].values()
                          for a in st["attempts"]}
            assert len(stage_jobs) == 4
            hooks = await receiver.wait(4)
            assert {h.json()["job_id"] for h in hooks} == stage_jobs
            assert {h.json()["status"] for h in hooks} == {"succeeded"}

            r = await api.client.post(f"/api/storyboards/{board_id}/regenerate", json={
                "scene": 1, "stage": "clip", "notes": "slower"})
            assert r.status_code == 202
            data = await until(fetch, lambda d: d["status"] == "review")
            r = await api.client.post(f"/api/storyboards/{board_id}/approve", json={
                "scene": 1, "stage": "clip"})
            assert r.status_code == 200 and r.json()["status"] == "ready"
            r = await api.client.post(f"/api/storyboards/{board_id}/stitch")
            assert r.status_code == 200, r.text
            final = r.json()["final"]
            assert set(final) == {"path", "sha256", "duration_seconds", "width", "height"}
            with av.open(final["path"]) as box:
                assert sum(1 for _ in box.decode(video=0)) > 0
    finally:
        await studio.aclose()
