"""Export to a folder: embedded metadata read back with Pillow, sidecars, manifest, names,
collisions, and that a cancelled or failed export leaves nothing behind."""

import asyncio
import json
import threading
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from studio.core.export.copies import (
    ExportCancelled,
    ExportError,
    export_async,
    plan_export,
    run_export,
)
from studio.core.export.embed import PNG_KEY, TRAINED_ALGORITHMIC_MEDIA
from studio.core.export.sources import ExportSource, SourceError
from studio.core.service import Studio
from tests.conftest import TEST_KEY, scan_for_secret
from tests.core.export.test_export_support import add_output, sha256


@pytest.fixture
def studio(home):
    s = Studio(home, env={"FAL_KEY": TEST_KEY})
    yield s
    s.store.close()


def export(studio, assets, dest, **kw):
    plan = plan_export(studio, ExportSource(asset_ids=tuple(a.id for a in assets)), dest,
                       **kw)
    return plan, run_export(plan, studio.redactor)


def same_pixels(a: Path, b: Path) -> bool:
    with Image.open(a) as x, Image.open(b) as y:
        return ImageChops.difference(x.convert("RGBA"), y.convert("RGBA")).getbbox() is None


def test_png_carries_provenance_itxt_and_a1111_parameters(studio, tmp_path):
    asset = add_output(studio, "png", seed=1234)
    before = sha256(Path(asset.path))
    _, result = export(studio, [asset], tmp_path / "out")
    [f] = result.files
    out = result.destination / f.name
    with Image.open(out) as im:
        record = json.loads(im.info[PNG_KEY])
        parameters = im.info["parameters"]
    assert record["job_id"] == asset.job_id and record["model"] == "fal-ai/flux/dev"
    assert record["output"]["sha256"] == asset.sha256
    assert parameters.splitlines()[0] == "a red fox in snow"
    assert parameters.splitlines()[1] == "Negative prompt: blurry"
    assert "Steps: 28, CFG scale: 3.5, Seed: 1234, Size: 96x64" in parameters
    assert "Model: fal-ai/flux/dev, Provider: fal" in parameters
    assert same_pixels(out, Path(asset.path))  # metadata only: the picture is untouched
    assert sha256(Path(asset.path)) == before  # the stored original is never modified
    sidecar = json.loads((result.destination / f.sidecar).read_text())
    assert sidecar["job_id"] == asset.job_id
    assert sidecar["export"]["sha256"] == sha256(out) == f.sha256
    assert sidecar["export"]["original_sha256"] == asset.sha256


@pytest.mark.parametrize("kind", ["jpg", "webp"])
def test_jpeg_and_webp_carry_xmp_with_digital_source_type(studio, tmp_path, kind):
    asset = add_output(studio, kind, prompt='fox & "hare" <at> dusk')
    _, result = export(studio, [asset], tmp_path / "out")
    out = result.destination / result.files[0].name
    with Image.open(out) as im:
        xmp = im.getxmp()["xmpmeta"]["RDF"]["Description"]
    assert xmp["DigitalSourceType"] == TRAINED_ALGORITHMIC_MEDIA
    assert xmp["description"]["Alt"]["li"]["text"] == 'fox & "hare" <at> dusk'
    assert xmp["Model"] == "fal-ai/flux/dev" and xmp["JobId"] == asset.job_id
    assert out.read_bytes() != Path(asset.path).read_bytes()
    assert same_pixels(out, Path(asset.path))  # spliced in, not re-encoded


def test_lossless_webp_with_alpha_keeps_alpha_and_gains_xmp(studio, tmp_path):
    src = tmp_path / "alpha.webp"
    Image.new("RGBA", (40, 30), (10, 200, 10, 90)).save(src, lossless=True)
    asset = add_output(studio, "webp", source=src)
    _, result = export(studio, [asset], tmp_path / "out")
    out = result.destination / result.files[0].name
    with Image.open(out) as im:
        assert im.mode == "RGBA" and im.getpixel((5, 5)) == (10, 200, 10, 90)
        assert "trainedAlgorithmicMedia" in str(im.getxmp())


def test_video_is_copied_byte_for_byte_with_sidecar(studio, tmp_path):
    asset = add_output(studio, "mp4")
    _, result = export(studio, [asset], tmp_path / "out")
    [f] = result.files
    assert (result.destination / f.name).read_bytes() == Path(asset.path).read_bytes()
    assert f.name.endswith(".mp4") and f.embedded == []
    assert json.loads((result.destination / f.sidecar).read_text())["asset_id"] == asset.id


def test_manifest_lists_every_file_with_its_sha256(studio, tmp_path):
    assets = [add_output(studio, k) for k in ("png", "jpg", "webp", "mp4")]
    _, result = export(studio, assets, tmp_path / "out")
    manifest = json.loads(result.manifest.read_text())
    assert manifest["schema"] == "provider-studio/export" and manifest["count"] == 4
    listed = {}
    for entry in manifest["files"]:
        listed[entry["file"]] = entry["sha256"]
        listed[entry["sidecar"]["file"]] = entry["sidecar"]["sha256"]
    on_disk = {p.name: sha256(p) for p in result.destination.iterdir()
               if p.name != "manifest.json"}
    assert on_disk == listed
    assert [e["asset_id"] for e in manifest["files"]] == [a.id for a in assets]


def test_preview_names_are_the_names_written_and_collisions_are_resolved(studio, tmp_path):
    dest = tmp_path / "out"
    dest.mkdir()
    first = add_output(studio, "png", model="fal-ai/flux/dev", seed=5, created_at=1.7e9)
    same = add_output(studio, "png", model="fal-ai/flux/dev", seed=5, created_at=1.7e9)
    (dest / "fal_fal-ai-flux-dev_5.png").write_bytes(b"the user's own file")
    (dest / "MANIFEST.json").write_bytes(b"{}")
    plan = plan_export(studio, ExportSource(asset_ids=(first.id, same.id)), dest,
                       "{provider}_{model}_{seed}")
    assert plan.names() == ["fal_fal-ai-flux-dev_5-2.png", "fal_fal-ai-flux-dev_5-3.png"]
    assert plan.manifest_name == "manifest-2.json"  # case-insensitive, like macOS/Windows
    result = run_export(plan, studio.redactor)
    assert [f.name for f in result.files] == plan.names()
    assert (dest / "fal_fal-ai-flux-dev_5.png").read_bytes() == b"the user's own file"
    assert sorted(p.name for p in dest.iterdir()) == sorted([
        "fal_fal-ai-flux-dev_5.png", "MANIFEST.json", "manifest-2.json",
        *plan.names(), *(n + ".json" for n in plan.names())])


def test_cancel_mid_export_leaves_no_partial_files(studio, tmp_path):
    assets = [add_output(studio, "png", color=(i * 40, 10, 10)) for i in range(4)]
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine")
    plan = plan_export(studio, ExportSource(asset_ids=tuple(a.id for a in assets)), dest)
    cancel = threading.Event()
    seen = []

    def progress(done, total, name):
        seen.append((done, total, name))
        if done == 2:
            cancel.set()

    with pytest.raises(ExportCancelled):
        run_export(plan, studio.redactor, progress=progress, cancel=cancel)
    assert seen == [(1, 4, plan.names()[0]), (2, 4, plan.names()[1])]
    assert [p.name for p in dest.iterdir()] == ["keep.txt"]


async def test_cancelling_the_background_task_cleans_up(studio, tmp_path):
    assets = [add_output(studio, "png") for _ in range(3)]
    plan = plan_export(studio, ExportSource(asset_ids=tuple(a.id for a in assets)),
                       tmp_path / "new" / "out")
    started = threading.Event()
    release = threading.Event()

    def progress(done, total, name):
        started.set()
        release.wait(5)  # hold the worker until the task has been cancelled

    task = asyncio.ensure_future(export_async(plan, studio.redactor, progress=progress))
    await asyncio.to_thread(started.wait, 5)
    task.cancel()
    await asyncio.sleep(0.05)
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not (tmp_path / "new").exists()  # folders the export made are gone too


def test_destination_that_is_a_file_fails_and_writes_nothing(studio, tmp_path):
    asset = add_output(studio, "png")
    (tmp_path / "work").mkdir()
    dest = tmp_path / "work" / "out"
    dest.write_bytes(b"not a folder")
    plan = plan_export(studio, ExportSource(asset_ids=(asset.id,)), dest)
    with pytest.raises(ExportError, match="is a file"):
        run_export(plan, studio.redactor)
    assert dest.read_bytes() == b"not a folder"
    assert [p.name for p in (tmp_path / "work").iterdir()] == ["out"]


def test_a_failure_half_way_removes_what_was_written(studio, tmp_path):
    good = add_output(studio, "png")
    gone = add_output(studio, "jpg")
    plan = plan_export(studio, ExportSource(asset_ids=(good.id, gone.id)), tmp_path / "out")
    Path(gone.path).unlink()  # the stored file vanished after the preview
    with pytest.raises(ExportError, match="failed"):
        run_export(plan, studio.redactor)
    assert not (tmp_path / "out").exists()


def test_a_name_taken_during_the_export_undoes_the_files_already_moved(studio, tmp_path):
    assets = [add_output(studio, "png") for _ in range(2)]
    dest = tmp_path / "out"
    plan = plan_export(studio, ExportSource(asset_ids=tuple(a.id for a in assets)), dest)
    dest.mkdir()
    (dest / plan.names()[1]).write_bytes(b"another program's file")
    with pytest.raises(ExportError, match="appeared during the export"):
        run_export(plan, studio.redactor)
    assert [p.name for p in dest.iterdir()] == [plan.names()[1]]
    assert (dest / plan.names()[1]).read_bytes() == b"another program's file"


def test_no_key_anywhere_in_the_export(studio, tmp_path):
    leaky = {"method": "POST", "url": f"https://x/run?key={TEST_KEY}",
             "headers": {"Authorization": f"Key {TEST_KEY}"}, "body": {"note": TEST_KEY}}
    assets = [add_output(studio, kind, prepared=leaky, prompt=f"fox {TEST_KEY}")
              for kind in ("png", "jpg", "webp", "mp4")]
    assert TEST_KEY in json.dumps(studio.store.get_asset(assets[0].id).provenance)
    _, result = export(studio, assets, tmp_path / "out")
    assert len(list(result.destination.iterdir())) == 9
    assert scan_for_secret(result.destination, TEST_KEY) == []


def test_sources_group_jobs_and_filter(studio, tmp_path):
    a = add_output(studio, "png", group="g-123", prompt="a cat")
    b = add_output(studio, "jpg", group="g-123", provider="stability", model="sd3.5-large")
    c = add_output(studio, "png", provider="stability", model="sd3.5-large", prompt="a cat")
    ids = lambda source: [i.asset.id for i in plan_export(studio, source, tmp_path).items]  # noqa: E731
    assert ids(ExportSource(group="g-123")) == [a.id, b.id]
    assert ids(ExportSource(job_ids=(c.job_id[:6],))) == [c.id]
    assert set(ids(ExportSource(provider="stability"))) == {b.id, c.id}
    assert ids(ExportSource(provider="stability", text="cat")) == [c.id]
    with pytest.raises(SourceError, match="no compare group"):
        plan_export(studio, ExportSource(group="nope"), tmp_path)


def test_sidecars_carry_the_quality_metrics_and_the_models_opinion_apart(studio, tmp_path):
    measured, plain = add_output(studio, "png"), add_output(studio, "png", seed=8)
    record = studio.measure_asset(measured.id)
    studio.quality_store.save_opinion(measured.id, "run1", "gpt-4o-mini", 72,
                                      ["the fox is there", "no snow"])
    _, result = export(studio, [measured, plain], tmp_path / "out")
    first, second = (json.loads((result.destination / f.sidecar).read_text())
                     for f in result.files)
    quality = first["quality"]
    assert {k: quality[k] for k in ("kind", "quality_score", "metrics", "metrics_version")} == {
        k: record.as_json()[k] for k in ("kind", "quality_score", "metrics", "metrics_version")}
    assert quality["path"] == result.files[0].name  # the exported file, not our data folder
    assert first["model_opinion"]["score"] == 72
    assert "opinion" in first["model_opinion"]["source"]
    assert "quality" not in second and "model_opinion" not in second
