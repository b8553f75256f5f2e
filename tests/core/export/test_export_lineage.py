"""Exports list an output's parents: in the sidecar (also for version 1 records, from the
store) and as `inputTo` ingredients of the signed C2PA manifest."""

import json

from studio.core.export.copies import SignWith, plan_export, run_export
from studio.core.export.credentials import read_credentials
from studio.core.export.sources import ExportSource
from studio.core.lineage import Parent
from studio.core.service import Studio
from studio.providers.base import Role
from tests.core.asset_helpers import stored_output, white_box_mask


def export(studio, asset, dest, sign=True):
    plan = plan_export(studio, ExportSource(asset_ids=(asset.id,)), dest)
    return run_export(plan, studio.redactor,
                      sign=SignWith(studio.paths.config_dir) if sign else None)


def test_a_mask_exports_with_its_image_as_parent_and_ingredient(home, tmp_path):
    studio = Studio(home, env={})
    try:
        image = stored_output(studio)
        mask = studio.save_mask(image.id, white_box_mask(tmp_path / "m.png").read_bytes())
        result = export(studio, mask, tmp_path / "out")
        [item] = result.files
        sidecar = json.loads((result.destination / item.sidecar).read_text())
        assert sidecar["parents"] == [{"asset_id": image.id, "role": "source", "position": 0,
                                       "sha256": image.sha256}]
        assert sidecar["operation"]["name"] == "mask"
        report = read_credentials(result.destination / item.name)
        assert report.status == "valid"
        [ingredient] = report.ingredients
        assert ingredient["relationship"] == "inputTo"
        assert ingredient["title"] == "source: 00.png"
    finally:
        studio.store.close()


def test_a_version_1_record_exports_its_parents_from_the_store(home, tmp_path):
    studio = Studio(home, env={})
    try:
        parent = stored_output(studio)
        child = stored_output(studio)
        studio.lineage_records.record(child.job_id, [
            Parent(0, parent.id, Role.INPUT, parent.sha256)])
        old = {k: v for k, v in child.provenance.items() if k not in ("parents", "notes")}
        old["version"] = 1
        with studio.store.transaction() as db:
            db.execute("UPDATE assets SET provenance=? WHERE id=?", (json.dumps(old), child.id))
        result = export(studio, studio.store.get_asset(child.id), tmp_path / "out", sign=False)
        sidecar = json.loads((result.destination / result.files[0].sidecar).read_text())
        assert sidecar["version"] == 1
        assert [p["asset_id"] for p in sidecar["parents"]] == [parent.id]
    finally:
        studio.store.close()
