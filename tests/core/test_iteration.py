"""Outputs as inputs: lineage of jobs, settings that reproduce an output with the seed the
provider used, batches of variations, saved frames, masks and imports as assets."""

import json
import sqlite3
from pathlib import Path

import pytest

from studio.core import migrations
from studio.core.frames import FrameError, extract_frame
from studio.core.jobs import JobStatus, NotRecoverable
from studio.core.service import Studio
from studio.core.store import Store
from studio.providers.base import Mode, RenderRequest, Role
from tests.core.asset_helpers import disc_png, stored_output, white_box_mask
from tests.core.live_helpers import flux, live_studio

IMG2IMG = "fal-ai/flux/dev/image-to-image"


@pytest.fixture
def studio(home):
    s = Studio(home, env={})
    yield s
    s.store.close()


async def test_inputs_from_outputs_are_recorded_by_id_or_by_bytes(studio):
    a, b = stored_output(studio), stored_output(studio, size=(64, 64))
    by_id = await studio.submit(RenderRequest(provider="fal", model=IMG2IMG, prompt="x",
                                              input_images=[f"asset:{a.id}"]))
    by_file = await studio.submit(RenderRequest(provider="fal", model=IMG2IMG, prompt="x",
                                                input_images=[b.path]))
    by_url = await studio.submit(RenderRequest(provider="fal", model=IMG2IMG, prompt="x",
                                               input_images=["https://example.com/a.png"]))
    records = studio.lineage_records
    assert [(p.asset_id, p.role) for p in records.parents(by_id.id)] == [(a.id, Role.INPUT)]
    assert [p.asset_id for p in records.parents(by_file.id)] == [b.id]
    assert records.parents(by_url.id) == []
    tree = studio.lineage(a.id).as_dict()
    [child] = tree["children"]
    assert (child["job_id"], child["asset_id"], child["status"]) == (by_id.id, None, "dry_run")
    assert tree["parents"] == []
    with pytest.raises(KeyError):
        studio.lineage("nope")


async def test_settings_of_an_output_restore_the_seed_the_provider_used(home, sandbox):
    studio = live_studio(home, sandbox)
    try:
        request = flux(seed=None)
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.SUCCEEDED and job.request["seed"] is None
        [asset] = studio.store.assets_for_job(job.id)
        settings = studio.settings_of(asset.id)
        assert settings.seed == job.seed is not None
        assert (settings.prompt, settings.params["image_size"]) == ("a red fox in snow",
                                                                    "square")
        assert studio.settings_of(job.id) == settings
    finally:
        await studio.aclose()


async def test_settings_of_give_inputs_and_mask_by_asset_id(studio, tmp_path):
    image = stored_output(studio)
    mask = studio.save_mask(image.id, white_box_mask(tmp_path / "m.png").read_bytes())
    job = await studio.submit(RenderRequest(
        provider="stability", model="inpaint", prompt="a window", mode=Mode.INPAINT, seed=4,
        input_images=[image.path], mask=mask.path))
    settings = studio.settings_of(job.id)
    assert settings.input_images == [f"asset:{image.id}"]
    assert settings.mask == f"asset:{mask.id}" and settings.seed == 4
    assert settings.compare_group is None
    with pytest.raises(ValueError, match="made by the studio"):
        studio.settings_of(mask.id)
    with pytest.raises(KeyError):
        studio.settings_of("nope")


async def test_variations_are_a_batch_of_seeds(studio):
    batch = await studio.variations(RenderRequest(provider="fal", model="fal-ai/flux/dev",
                                                  prompt="a fox", seed=10), 3)
    assert [j.request["seed"] for j in batch.jobs] == [10, 11, 12]
    assert studio.batches.jobs(batch.batch_id) == [j.id for j in batch.jobs]
    assert studio.batches.batch_of(batch.jobs[1].id) == batch.batch_id
    no_seed = await studio.variations(RenderRequest(
        provider="fal", model="fal-ai/kling-video/v2.1/master/text-to-video", prompt="waves"), 2)
    assert [j.request["seed"] for j in no_seed.jobs] == [None, None]
    random_base = await studio.variations(RenderRequest(provider="fal",
                                                        model="fal-ai/flux/dev",
                                                        prompt="a fox"), 2)
    first, second = (j.request["seed"] for j in random_base.jobs)
    assert isinstance(first, int) and second == first + 1
    with pytest.raises(ValueError, match="1 to 16"):
        await studio.variations(RenderRequest(provider="fal", model="fal-ai/flux/dev",
                                              prompt="a fox"), 0)


async def test_save_frame_makes_an_image_asset_with_provenance_and_lineage(studio):
    video = stored_output(studio, video=True)
    last = await studio.save_frame(video.id)
    again = extract_frame(video.path)
    assert Path(last.path).read_bytes() == again.png  # the last frame, byte for byte
    assert (last.media_type, last.width, last.height) == ("image/png", 160, 96)
    operation = last.provenance["operation"]
    assert operation["last_frame"] and operation["frame_index"] == 23
    assert operation["source_asset_id"] == video.id
    assert last.provenance["parents"] == [{"asset_id": video.id, "role": "source",
                                           "position": 0, "sha256": video.sha256}]
    middle = await studio.save_frame(video.id, at=1.0)
    assert middle.provenance["operation"]["seconds"] == 1.0
    assert middle.sha256 != last.sha256
    job = studio.store.get_job(last.job_id)
    assert (job.provider, job.mode, job.status) == ("studio", "frame", JobStatus.SUCCEEDED)
    assert [c["asset_id"] for c in studio.lineage(video.id).as_dict()["children"]] == [
        last.id, middle.id]
    with pytest.raises(NotRecoverable, match="made by the studio itself"):
        await studio.retry(job.id)
    with pytest.raises(FrameError, match="after the end"):
        await studio.save_frame(video.id, at=9)
    with pytest.raises(ValueError, match="not an video"):
        await studio.save_frame(last.id)


def test_masks_are_assets_hidden_from_the_gallery_by_default(studio, tmp_path):
    image = stored_output(studio)
    mask = studio.save_mask(image.id, white_box_mask(tmp_path / "m.png", size=(48, 32))
                            .read_bytes())
    assert (mask.width, mask.height) == (96, 64)
    assert mask.provenance["operation"]["scaled_from"] == [48, 32]
    assert studio.store.asset_ids() == [image.id]
    assert set(studio.store.asset_ids(include_masks=True)) == {image.id, mask.id}
    assert studio.store.asset_ids(mode="mask") == [mask.id]


def test_import_image_is_deduplicated_by_content(studio, tmp_path):
    path = disc_png(tmp_path / "mine.png", disc=(10, 10, 240))
    first = studio.import_image(path)
    assert studio.import_image(path).id == first.id
    assert studio.store.get_job(first.job_id).mode == "import"
    existing = stored_output(studio)
    assert studio.import_image(existing.path).id == existing.id


def test_migration_step_3_backfills_parents_of_old_jobs(home, tmp_path):
    studio = Studio(home, env={})
    asset = stored_output(studio)
    db_file = studio.paths.db_file
    studio.store.close()
    with sqlite3.connect(db_file) as db:
        db.execute("DROP TABLE job_parents")
        db.execute("DROP TABLE job_batches")
        for job_id, refs, hashes in (
                ("old-by-id", [f"asset:{asset.id}"], []),
                ("old-by-file", ["/gone/file.png"], [asset.sha256]),
                ("old-unknown", ["/gone/other.png"], ["00" * 32])):
            db.execute("INSERT INTO jobs (id, provider, model, mode, prompt, request, status, "
                       "created_at, updated_at, dry_run, dry_run_reason, sandbox, "
                       "input_hashes) VALUES (?, 'fal', 'm', 'img2img', 'p', ?, 'dry_run', "
                       "1, 1, 1, '', 0, ?)",
                       (job_id, json.dumps({"input_images": refs}), json.dumps(hashes)))
        db.execute("PRAGMA user_version = 2")
    store = Store(db_file)
    try:
        assert migrations.version_of(store._db) == migrations.LATEST
        rows = store.query("SELECT job_id, asset_id, role FROM job_parents ORDER BY job_id")
        assert [tuple(r) for r in rows] == [("old-by-file", asset.id, "input"),
                                            ("old-by-id", asset.id, "input")]
    finally:
        store.close()


async def test_images_without_a_mode_pick_the_models_image_mode(studio):
    image = stored_output(studio)
    job = await studio.submit(RenderRequest(provider="stability", model="ultra", prompt="x",
                                            input_images=[f"asset:{image.id}"]))
    assert job.mode == "img2img" and job.prepared["inputs"][0]["role"] == "input"
    plain = await studio.submit(RenderRequest(provider="stability", model="ultra", prompt="x"))
    assert plain.mode == "txt2img"


def test_an_edited_mask_has_the_image_and_the_old_mask_as_parents(studio, tmp_path):
    from studio.core.masks import MaskError

    image = stored_output(studio)
    first = studio.save_mask(image.id, white_box_mask(tmp_path / "a.png").read_bytes())
    assert studio.mask_source(first.id).id == image.id
    assert studio.mask_source(image.id) is None  # not a mask
    second = studio.save_mask(image.id, white_box_mask(tmp_path / "b.png", size=(48, 32))
                              .read_bytes(), edited_from=first.id)
    parents = {(e.node.asset_id, e.role) for e in studio.lineage(second.id).parents}
    assert parents == {(image.id, Role.SOURCE), (first.id, Role.MASK)}
    assert second.provenance["operation"]["edited_from"] == first.id
    assert studio.mask_source(second.id).id == image.id
    with pytest.raises(MaskError, match="not a mask"):
        studio.save_mask(image.id, white_box_mask(tmp_path / "c.png").read_bytes(),
                         edited_from=image.id)
