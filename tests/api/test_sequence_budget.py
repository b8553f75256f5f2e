"""Chains and storyboard runs over the API are quoted whole with the spend guard first: a
run whose live jobs together would cross a budget answers 402 with the body a refused
generate gets, and nothing is sent or written (even when the first stage alone fits)."""

from __future__ import annotations

import base64

import pytest

from studio.core.config import set_value
from studio.core.service import Studio
from studio.providers.base import Mode, RenderRequest
from tests.api.conftest import enable_live, serve
from tests.api.test_storyboards import BOARD
from tests.conftest import sandbox_requests
from tests.core.sequences.chain_helpers import start_image

CHAIN = {"provider": "runway", "model": "gen4_turbo", "prompts": ["waves"], "links": 3,
         "parameters": {"duration": 2}}


def _budget(studio: Studio, usd: float) -> None:
    studio.update_settings(set_value(studio.settings, "budgets.overall.daily_usd", str(usd)))


def _posts(sandbox, provider: str) -> list[dict]:
    return [r for r in sandbox_requests(sandbox, provider) if r["method"] == "POST"]


@pytest.fixture
async def video_api(home, memory_keyring, sandbox):
    studio = Studio(home, env={}, sandbox_url=sandbox.url)
    enable_live(studio, image=True, video=True)
    try:
        async with serve(studio) as api:
            yield api
    finally:
        await studio.aclose()


def _shape(body: dict, limit: float) -> None:
    assert set(body) >= {"error", "budget", "estimate_usd", "left_usd"}
    assert body["budget"]["scope"] == "overall" and body["budget"]["limit_usd"] == limit
    assert body["left_usd"] == limit and body["estimate_usd"] > limit
    assert "Nothing was sent" in body["error"]


async def test_a_chain_over_budget_is_402_and_sends_nothing(video_api, sandbox, tmp_path):
    studio = video_api.studio
    image = start_image(tmp_path / "s.png")
    link = studio.budget.quote([RenderRequest(
        provider="runway", model="gen4_turbo", mode=Mode.IMG2VIDEO, prompt="waves",
        params={"duration": 2}, input_images=[str(image)])]).live_usd
    assert link > 0
    limit = round(link * 1.5, 4)  # one link fits, the whole chain of three does not
    _budget(studio, limit)
    uri = "data:image/png;base64," + base64.b64encode(image.read_bytes()).decode()
    inputs = studio.paths.data_dir / "api_inputs"
    uploads = sorted(inputs.glob("*"))
    r = await video_api.client.post("/api/chains", json={**CHAIN, "image": uri})
    assert r.status_code == 402, r.text
    body = r.json()
    _shape(body, limit)
    assert body["estimate_usd"] == pytest.approx(3 * link)
    assert body["jobs"] == 3
    assert _posts(sandbox, "runway") == []
    assert (await video_api.client.get("/api/chains")).json()["items"] == []
    assert (await video_api.client.get("/api/jobs")).json()["items"] == []
    assert sorted(inputs.glob("*")) == uploads  # the upload was not kept either
    # Within the budget the same chain is sent.
    _budget(studio, 100)
    r = await video_api.client.post("/api/chains", json={**CHAIN, "image": uri})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "running"


async def test_a_storyboard_run_over_budget_is_402_before_any_stage(video_api, sandbox):
    studio = video_api.studio
    board_id = (await video_api.client.post("/api/storyboards", json={
        "storyboard": BOARD})).json()["storyboard_id"]
    whole = studio.budget.quote(studio.storyboard_requests(board_id))
    keyframes = sum(i.counted_usd or 0 for i in whole.live if i.model.startswith("fal-ai/flux"))
    assert len(whole.live) == 4 and 0 < keyframes < whole.live_usd
    limit = round((keyframes + whole.live_usd) / 2, 4)  # the keyframes alone would fit
    _budget(studio, limit)
    r = await video_api.client.post(f"/api/storyboards/{board_id}/run",
                                    json={"auto_approve": True})
    assert r.status_code == 402, r.text
    body = r.json()
    _shape(body, limit)
    assert body["estimate_usd"] == pytest.approx(whole.live_usd)
    assert _posts(sandbox, "fal") == []
    data = (await video_api.client.get(f"/api/storyboards/{board_id}")).json()
    assert all(st["attempts"] == [] for s in data["scenes"] for st in s["stages"].values())
    assert data["status"] == "draft"
    assert (await video_api.client.get("/api/jobs")).json()["items"] == []
    # Within the budget the run goes.
    _budget(studio, 100)
    r = await video_api.client.post(f"/api/storyboards/{board_id}/run", json={})
    assert r.status_code == 202, r.text
    assert len(r.json()["jobs"]) == 2  # the keyframes
