"""Video chains over the sandbox: link k+1 starts from exactly the last frame of link k,
the film is their stitch, a dry-run records every link, cancel keeps finished links and a
restarted studio resumes where the chain stopped."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from studio.core.events import EventKind
from studio.core.frames import extract_frame
from studio.core.sequences.chains import ChainError
from studio.core.service import Studio
from studio.providers.modes import Role
from tests.conftest import instant_jobs, sandbox_requests, set_faults
from tests.core.sequences.chain_helpers import MODEL, PARAMS, PROVIDER, live_studio, start_image


def _posts(sandbox):
    return [r for r in sandbox_requests(sandbox, PROVIDER) if r["method"] == "POST"]


def _frames(path):
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def test_three_links_each_start_on_the_last_frame_of_the_one_before(home, sandbox, tmp_path):
    instant_jobs(sandbox)  # about the frames and links, not the wait
    studio = live_studio(home, sandbox)
    events = []
    studio.subscribe(lambda e: events.append(e) if e.kind is EventKind.CHAIN_CHANGED else None)

    async def go():
        try:
            chain = studio.chains.create(PROVIDER, MODEL, str(start_image(tmp_path / "s.png")),
                                         ["waves", "a storm", "calm again"], params=PARAMS)
            return await studio.chains.run(chain.id)
        finally:
            await studio.aclose()

    chain = asyncio.run(go())
    studio = Studio(home, sandbox_url=sandbox.url)
    try:
        assert chain.status.value == "succeeded", chain.error
        links = chain.links
        assert [lk.status.value for lk in links] == ["succeeded"] * 3
        videos = [studio.store.get_asset(lk.output_asset_id) for lk in links]
        for before, link in zip(videos, links[1:], strict=False):
            last = extract_frame(before.path)  # the exact last frame, decoded again now
            sent = Path(link.input_path).read_bytes()
            assert sent == last.png  # byte-identical
            assert link.input_sha256 == hashlib.sha256(last.png).hexdigest()
            # Lineage: the frame's parent is the video before; the next job's is the frame.
            frame = studio.store.get_asset(link.input_asset_id)
            assert [p.asset_id for p in studio.lineage_records.parents(frame.job_id)] == \
                [before.id]
            parents = studio.lineage_records.parents(link.job_id)
            assert [(p.asset_id, p.role) for p in parents] == [(frame.id, Role.START_FRAME)]
            # And the clip does start there (the sandbox renders from the frame it got).
            first = _frames(studio.store.get_asset(link.output_asset_id).path)[0]
            expected = np.asarray(Image.open(link.input_path).convert("RGB"), np.float32)
            assert np.abs(first - expected).mean() < 4
        # The film: every link in order, as long as their sum, decodable to the end.
        final = studio.store.get_asset(chain.final_asset_id)
        counts = [len(_frames(v.path)) for v in videos]
        frames = _frames(final.path)
        assert len(frames) == sum(counts)
        assert abs(final.duration_seconds - sum(v.duration_seconds for v in videos)) <= 3 / 12
        assert [s["asset_id"] for s in final.provenance["segments"]] == [v.id for v in videos]
        assert final.provenance["operation"]["chain_id"] == chain.id
        messages = [e.message for e in events if e.chain == chain.id]
        assert "Generating link 2/3" in messages and messages[-1] == "Done"
        fractions = [e.fraction for e in events if e.fraction is not None]
        assert fractions == sorted(fractions) and fractions[-1] == 1.0
    finally:
        studio.store.close()


def test_a_dry_run_chain_records_every_link_with_placeholders(home, sandbox, tmp_path):
    # The video flag is off and flags decide (the real-world rule, over the emulator).
    studio = Studio(home, sandbox_url=sandbox.url, sandbox_live=False)

    async def go():
        try:
            chain = studio.chains.create(PROVIDER, MODEL, str(start_image(tmp_path / "s.png")),
                                         ["drift"], links=3, params=PARAMS)
            return await studio.chains.run(chain.id)
        finally:
            await studio.aclose()

    chain = asyncio.run(go())
    studio = Studio(home)
    try:
        assert chain.status.value == "dry_run" and chain.final_asset_id is None
        assert [lk.status.value for lk in chain.links] == ["dry_run"] * 3
        assert [lk.placeholder for lk in chain.links] == [False, True, True]
        assert "placeholder-last-frame-of-link-1" in chain.links[1].input_path
        for link in chain.links:
            job = studio.store.get_job(link.job_id)
            assert job.dry_run and job.prepared["url"].endswith("/image_to_video")
            assert job.request["prompt"] == "drift"
        assert _posts(sandbox) == []  # nothing was sent
    finally:
        studio.store.close()


def test_cancel_keeps_finished_links_and_a_restart_resumes(home, sandbox, tmp_path):
    studio = live_studio(home, sandbox)
    image = start_image(tmp_path / "s.png")

    async def first_session():
        try:
            chain = studio.chains.create(PROVIDER, MODEL, str(image), ["one", "two", "three"],
                                         params=PARAMS)
            cancelled = asyncio.Event()

            def on_event(event):
                job = studio.store.get_job(event.job_id) if event.chain and event.job_id \
                    else None
                if (event.chain == chain.id and event.message == "Generating link 2/3"
                        and job is not None and job.remote_id and not cancelled.is_set()):
                    cancelled.set()
                    set_faults(sandbox, run_seconds=5.0)  # link 2 stays out a while

            studio.subscribe(on_event)
            task = asyncio.create_task(studio.chains.run(chain.id))
            await asyncio.wait_for(cancelled.wait(), 30)
            await studio.chains.cancel(chain.id)
            return await task
        finally:
            await studio.aclose()

    chain = asyncio.run(first_session())
    set_faults(sandbox, run_seconds=0.3)
    assert chain.status.value == "cancelled"
    assert [lk.status.value for lk in chain.links] == ["succeeded", "cancelled", "pending"]
    first_job, cancelled_job = chain.links[0].job_id, chain.links[1].job_id

    studio = live_studio(home, sandbox)  # a restart: a new studio on the same home

    async def second_session():
        try:
            return await studio.chains.run(chain.id)
        finally:
            await studio.aclose()

    chain = asyncio.run(second_session())
    studio = Studio(home)
    try:
        assert chain.status.value == "succeeded", chain.error
        assert chain.links[0].job_id == first_job  # kept, not made again
        assert chain.links[1].attempts == [cancelled_job, chain.links[1].job_id]
        assert studio.store.get_job(cancelled_job).status.value == "cancelled"
        assert len(_posts(sandbox)) == 4  # link 1, link 2 (cancelled), link 2, link 3
        assert chain.final_asset_id
    finally:
        studio.store.close()


def test_regenerate_one_link_marks_later_links_stale(home, sandbox, tmp_path):
    instant_jobs(sandbox)  # about the frames and links, not the wait
    studio = live_studio(home, sandbox)

    async def go():
        try:
            chain = studio.chains.create(PROVIDER, MODEL, str(start_image(tmp_path / "s.png")),
                                         ["a", "b", "c"], params=PARAMS)
            chain = await studio.chains.run(chain.id)
            old_final = chain.final_asset_id
            old_third = chain.links[2].output_asset_id
            chain = studio.chains.regenerate(chain.id, 2)
            assert [lk.status.value for lk in chain.links] == ["succeeded", "pending", "stale"]
            assert chain.status.value == "stale" and chain.final_asset_id is None
            chain = await studio.chains.run(chain.id, until=2)
            assert [lk.status.value for lk in chain.links] == ["succeeded", "succeeded",
                                                               "stale"]
            chain = await studio.chains.run(chain.id)  # the stale link, from the new frame
            assert chain.status.value == "succeeded"
            assert chain.links[2].output_asset_id != old_third
            assert chain.final_asset_id not in (None, old_final)
            last = extract_frame(studio.store.get_asset(chain.links[1].output_asset_id).path)
            assert Path(chain.links[2].input_path).read_bytes() == last.png
        finally:
            await studio.aclose()

    asyncio.run(go())


def test_bad_chains_are_refused_before_anything_is_written(home, tmp_path):
    studio = Studio(home)
    try:
        image = str(start_image(tmp_path / "s.png"))
        with pytest.raises(ChainError, match="not an image-to-video model"):
            studio.chains.create("fal", "fal-ai/flux/dev", image, ["x"])
        with pytest.raises(ChainError, match="2 prompts for 3 links"):
            studio.chains.create(PROVIDER, MODEL, image, ["x", "y"], links=3)
        with pytest.raises(ChainError, match="not an asset id"):
            studio.chains.create(PROVIDER, MODEL, str(tmp_path / "missing.png"), ["x"])
        with pytest.raises(ChainError, match="takes no end frame"):
            studio.chains.create(PROVIDER, MODEL, image, ["x"], end_images=[image])
        assert studio.chains.recent() == []
    finally:
        studio.store.close()


def test_a_chain_cut_off_mid_link_follows_that_links_job_after_a_restart(home, sandbox,
                                                                         tmp_path):
    studio = live_studio(home, sandbox)
    image = start_image(tmp_path / "s.png")

    async def first_session():
        chain = studio.chains.create(PROVIDER, MODEL, str(image), ["one", "two"],
                                     params=PARAMS)
        out = asyncio.Event()

        def on_event(event):
            job = studio.store.get_job(event.job_id) if event.chain and event.job_id else None
            if event.message == "Generating link 2/2" and job is not None and job.remote_id:
                set_faults(sandbox, run_seconds=1.5)
                out.set()

        studio.subscribe(on_event)
        task = asyncio.create_task(studio.chains.run(chain.id))
        await asyncio.wait_for(out.wait(), 30)
        task.cancel()  # the app goes away with link 2 out at the provider
        await asyncio.gather(task, return_exceptions=True)
        await studio.aclose()
        return chain.id

    chain_id = asyncio.run(first_session())
    set_faults(sandbox, run_seconds=0.3)
    studio = live_studio(home, sandbox)
    left = studio.chains.get(chain_id)
    assert left.status.value == "running" and left.links[1].status.value == "running"
    out_job = left.links[1].job_id

    async def second_session():
        try:
            return await studio.chains.run(chain_id)
        finally:
            await studio.aclose()

    chain = asyncio.run(second_session())
    assert chain.status.value == "succeeded", chain.error
    assert chain.links[1].job_id == out_job and chain.links[1].attempts == [out_job]
    assert len(_posts(sandbox)) == 2  # link 2 was followed, never sent again


def test_an_end_frame_goes_to_models_that_take_one(home, sandbox, tmp_path):
    studio = live_studio(home, sandbox)
    end = tmp_path / "end.png"
    Image.new("RGB", (160, 96), (30, 200, 90)).save(end)
    kling = "fal-ai/kling-video/v2.1/pro/image-to-video"

    async def go():
        try:
            chain = studio.chains.create("fal", kling, str(start_image(tmp_path / "s.png")),
                                         ["to green"], end_images=[str(end)])
            chain = await studio.chains.run(chain.id)
            [asset] = studio.job_assets(chain.links[0].job_id)
            return chain, asset
        finally:
            await studio.aclose()

    chain, asset = asyncio.run(go())
    assert chain.status.value == "succeeded", chain.error
    [post] = [r for r in sandbox_requests(sandbox, "fal") if r["method"] == "POST"]
    assert post["body"]["tail_image_url"].startswith("data:image/png;base64,")
    last = _frames(asset.path)[-1]
    assert np.abs(last - np.array([30, 200, 90], np.float32)).mean() < 6  # ends on it


def test_closing_the_studio_mid_link_leaves_the_chain_to_resume(home, sandbox, tmp_path):
    studio = live_studio(home, sandbox)
    set_faults(sandbox, run_seconds=3.0)

    async def go():
        chain = studio.chains.create(PROVIDER, MODEL, str(start_image(tmp_path / "s.png")),
                                     ["one", "two"], params=PARAMS)
        studio.chains.start(chain.id)
        for _ in range(300):
            job_id = studio.chains.get(chain.id).links[0].job_id
            job = studio.store.get_job(job_id) if job_id else None
            if job is not None and job.remote_id:
                break
            await asyncio.sleep(0.02)
        await studio.aclose()  # the app closes with link 1 out at the provider
        return chain.id

    chain_id = asyncio.run(go())
    set_faults(sandbox, run_seconds=0.3)
    left = Studio(home).chains.get(chain_id)
    assert left.status.value == "running"
    assert [lk.status.value for lk in left.links] == ["running", "pending"]
    assert len(_posts(sandbox)) == 1  # nothing was sent on the way out
