"""Every new output is measured off the loop and its quality stored with it; what the
request asked for (size, fps, duration) is checked; a file that cannot be measured is a
note, never a failed job; the Gallery's reads sort and filter by the score."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import pytest

from studio.core import migrations
from studio.core.config import set_value
from studio.core.events import EventKind
from studio.core.jobs import JobStatus
from studio.core.library import LibraryQuery
from studio.core.quality_worker import Asked, asked_by
from studio.core.service import Studio
from studio.core.store import Store
from tests.core.live_helpers import flux, live_studio
from tests.core.metrics_media import blurred, panning, save_png, scene, write_clip
from tests.core.quality_helpers import add_output


async def test_a_live_output_is_measured_in_the_background_and_announced(home, sandbox):
    studio = live_studio(home, sandbox)
    events = []
    studio.subscribe(lambda e: events.append(e) if e.kind is EventKind.ASSET_QUALITY else None)
    try:
        job = await studio.wait((await studio.submit(flux())).id)
        assert job.status is JobStatus.SUCCEEDED
        [asset] = studio.job_assets(job.id)
        assert await asyncio.to_thread(studio.metrics.wait_idle, 60)
        record = studio.quality(asset.id)
        assert record is not None and record.kind == "image" and record.note is None
        assert 0 <= record.quality_score <= 100 and record.current
        assert record.metrics["width"] == asset.width and "sharpness" in record.metrics
        # A preset size ("square") fixes no pixel count: nothing was checked.
        assert record.metrics["matches_expected"] is None
        assert [e.asset.id for e in events] == [asset.id]
        assert studio.quality_scores([asset.id, "nope"]) == {asset.id: record.quality_score}
    finally:
        await studio.aclose()


def test_what_the_request_asked_for_becomes_the_expectation():
    assert asked_by({"params": {"width": 1280, "height": 720}}, "txt2img") == Asked(1280, 720)
    assert asked_by({"params": {"size": "1024x768"}}, "img2img") == Asked(1024, 768)
    assert asked_by({"params": {"image_size": {"width": 640, "height": 480}}},
                    "txt2img") == Asked(640, 480)
    assert asked_by({"params": {"duration": "5s", "fps": 24}}, "txt2video") == Asked(
        None, None, 24.0, 5.0)
    assert asked_by({"params": {"duration_seconds": 8, "frame_rate": "30"}},
                    "img2video") == Asked(None, None, 30.0, 8.0)
    assert asked_by({"params": {"duration": "long", "fps": 0}}, "txt2video") == Asked()
    # Presets mean different pixels per provider; fps and duration mean nothing for stills.
    assert asked_by({"params": {"image_size": "square_hd", "aspect_ratio": "16:9",
                                "resolution": "720p", "duration": 5}}, "txt2img") == Asked()
    assert asked_by({"params": {"width": True, "height": -3}}, "txt2img").expected() is None
    assert asked_by({}, "txt2video").expected() is None


async def test_a_clip_is_checked_against_its_request(home, tmp_path):
    studio = Studio(home)
    clip = write_clip(tmp_path / "clip.mp4", panning(24), fps=12)  # 2 s at 12 fps
    asset = add_output(studio, clip, mode="txt2video",
                       params={"duration": 5, "fps": 24, "width": 192, "height": 128})
    job = studio.job(asset.job_id)
    try:
        studio.metrics.outputs_saved(job, [asset])
        assert await asyncio.to_thread(studio.metrics.wait_idle, 60)
        record = studio.quality(asset.id)
        assert record.kind == "video" and record.metrics["matches_expected"] is False
        assert record.metrics["expected"] == {"width": 192, "height": 128, "fps": 24.0,
                                              "duration_seconds": 5.0}
        assert sorted(record.metrics["mismatches"]) == [
            "duration is 2.00 s, asked 5 s", "frame rate is 12 fps, asked 24 fps"]
    finally:
        await studio.aclose()


async def test_an_unmeasurable_output_is_a_note_and_the_job_is_untouched(home, tmp_path):
    studio = Studio(home)
    garbage = tmp_path / "out.png"
    garbage.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a png" * 10)
    asset = add_output(studio, garbage)
    job = studio.job(asset.job_id)
    try:
        studio.metrics.outputs_saved(job, [asset])
        assert await asyncio.to_thread(studio.metrics.wait_idle, 60)
        record = studio.quality(asset.id)
        assert record.quality_score is None and record.kind is None
        assert record.note.startswith("not measurable: out.png: ")
        assert studio.job(job.id).status is job.status  # nothing else changed
        assert studio.quality_scores([asset.id]) == {asset.id: None}
    finally:
        await studio.aclose()


async def test_measuring_new_outputs_can_be_switched_off(home, sandbox):
    studio = live_studio(home, sandbox)
    studio.update_settings(set_value(studio.settings, "metrics.measure_new_outputs", "false"))
    try:
        job = await studio.wait((await studio.submit(flux())).id)
        [asset] = studio.job_assets(job.id)
        assert studio.metrics.pending == 0 and studio.quality(asset.id) is None
    finally:
        await studio.aclose()


async def test_closing_the_studio_finishes_the_measurements_in_hand(home, tmp_path):
    studio = Studio(home)
    assets = [add_output(studio, save_png(tmp_path / f"{i}.png", scene(seed=i)))
              for i in range(3)]
    for asset in assets:
        studio.metrics.outputs_saved(studio.job(asset.job_id), [asset])
    await studio.aclose()
    reopened = Studio(home)
    try:
        assert all(reopened.quality(a.id).quality_score > 0 for a in assets)
    finally:
        await reopened.aclose()


async def test_the_gallery_sorts_by_quality_and_filters_a_minimum(home, tmp_path):
    studio = Studio(home)
    sharp_rgb = scene(seed=4)
    sharp = add_output(studio, save_png(tmp_path / "sharp.png", sharp_rgb))
    soft = add_output(studio, save_png(tmp_path / "soft.png", blurred(sharp_rgb, 4)))
    unmeasured = add_output(studio, save_png(tmp_path / "later.png", sharp_rgb))
    try:
        scores = {a.id: (await asyncio.to_thread(studio.measure_asset, a.id)).quality_score
                  for a in (soft, sharp)}
        assert scores[sharp.id] > scores[soft.id]
        assert studio.asset_ids(by_quality=True) == [sharp.id, soft.id, unmeasured.id]
        cut = (scores[sharp.id] + scores[soft.id]) / 2
        assert studio.asset_ids(min_quality=cut) == [sharp.id]
        assert studio.asset_ids(min_quality=0, by_quality=True) == [sharp.id, soft.id]
        # The library (what the Gallery lists) sorts and filters the same way.
        assert studio.library.asset_ids(LibraryQuery(sort="quality")) == [
            sharp.id, soft.id, unmeasured.id]
        assert studio.library.asset_ids(LibraryQuery(min_quality=cut)) == [sharp.id]
        with pytest.raises(KeyError):
            studio.measure_asset("does-not-exist")
    finally:
        await studio.aclose()


def test_the_quality_step_is_self_contained_and_idempotent(tmp_path):
    path = tmp_path / "studio.db"
    Store(path).close()
    with sqlite3.connect(path) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"asset_metrics", "asset_opinions", "assist_runs"} <= tables
        migrations.add_quality_and_assistant_tables(db)  # again, at any step number: no-op
        assert db.execute("PRAGMA user_version").fetchone()[0] == migrations.LATEST


def test_a_0_1_0_database_gets_the_quality_tables(tmp_path):
    source = Path(__file__).parent / "data" / "studio-0.1.0.db"
    path = tmp_path / "studio.db"
    shutil.copyfile(source, path)
    store = Store(path)
    try:
        assert store.query("SELECT COUNT(*) FROM asset_metrics")[0][0] == 0
        assert store.asset_ids(by_quality=True) == store.asset_ids()  # none measured yet
    finally:
        store.close()
