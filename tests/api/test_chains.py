"""/api/chains: a dry-run chain answers with every link recorded; a live one runs in the
background to a stitched film, calling its webhook as each stage (link, film) ends."""

from __future__ import annotations

import asyncio
import base64

from studio.core.service import Studio
from tests.api.conftest import enable_live, serve
from tests.conftest import sandbox_requests
from tests.core.sequences.chain_helpers import start_image

CHAIN = {"provider": "runway", "model": "gen4_turbo", "prompts": ["waves"], "links": 3,
         "parameters": {"duration": 2}}


def _data_uri(tmp_path) -> str:
    path = start_image(tmp_path / "s.png")
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


async def test_a_dry_run_chain_answers_with_every_link(api, tmp_path):
    r = await api.client.post("/api/chains", json={**CHAIN, "image": _data_uri(tmp_path)})
    assert r.status_code == 201, r.text
    data = r.json()
    assert data["status"] == "dry_run" and data["final"] is None
    assert [lk["status"] for lk in data["links"]] == ["dry_run"] * 3
    assert [lk["input_image"]["placeholder"] for lk in data["links"]] == [False, True, True]
    assert r.headers["location"] == f"/api/chains/{data['chain_id']}"
    one = (await api.client.get(r.headers["location"])).json()
    assert one["chain_id"] == data["chain_id"] and one["links"] == data["links"]
    listed = (await api.client.get("/api/chains")).json()["items"]
    assert [c["chain_id"] for c in listed] == [data["chain_id"]]
    assert (await api.client.get("/api/chains/cnope")).status_code == 404


async def test_bad_chains_are_422_and_file_paths_are_refused(api, tmp_path):
    r = await api.client.post("/api/chains", json={**CHAIN, "model": "gen4_image",
                                                   "image": _data_uri(tmp_path)})
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "model"
    path = start_image(tmp_path / "p.png")
    r = await api.client.post("/api/chains", json={**CHAIN, "image": str(path)})
    assert r.status_code == 422 and "file paths are not accepted" in r.text
    r = await api.client.post("/api/chains", json={**CHAIN, "prompts": ["a", "b"],
                                                   "image": _data_uri(tmp_path)})
    assert r.status_code == 422 and "2 prompts for 3 links" in r.text
    assert (await api.client.get("/api/chains")).json()["items"] == []


async def test_a_live_chain_runs_to_a_film_and_calls_back_per_stage(home, memory_keyring,
                                                                     sandbox, receiver,
                                                                     tmp_path):
    studio = Studio(home, env={}, sandbox_url=sandbox.url)
    enable_live(studio, video=True)
    try:
        async with serve(studio) as api:
            r = await api.client.post("/api/chains", json={
                **CHAIN, "links": 2, "image": _data_uri(tmp_path),
                "webhook": receiver.url + "/chain"})
            assert r.status_code == 201, r.text
            assert r.json()["status"] == "running"
            location = r.headers["location"]
            for _ in range(600):
                data = (await api.client.get(location)).json()
                if data["status"] not in ("running", "pending"):
                    break
                await asyncio.sleep(0.05)
            assert data["status"] == "succeeded", data
            final = data["final"]
            film = await api.client.get(f"/api/assets/{final['asset_id']}")
            assert film.status_code == 200 and film.content[4:8] == b"ftyp"
            hooks = await receiver.wait(3)
            called = [h.json()["job_id"] for h in hooks]
            film_job = studio.store.get_asset(final["asset_id"]).job_id
            assert called == [data["links"][0]["job_id"], data["links"][1]["job_id"],
                              film_job]
            assert all(h.json()["status"] == "succeeded" for h in hooks)
            assert len([q for q in sandbox_requests(sandbox, "runway")
                        if q["method"] == "POST"]) == 2
    finally:
        await studio.aclose()
