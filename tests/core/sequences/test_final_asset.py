"""A stitched film saved as an asset: lineage parents, per-segment provenance, and C2PA
ingredients in an export."""

from __future__ import annotations

import json

import av

from studio.core.export.copies import SignWith, plan_export, run_export
from studio.core.export.credentials import read_credentials
from studio.core.export.sources import ExportSource
from studio.core.sequences.final_asset import Clip, stitch_assets
from studio.core.sequences.stitch import Transition
from studio.core.service import Studio
from tests.core.asset_helpers import stored_output


def test_a_film_lists_its_segments_in_provenance_lineage_and_c2pa(home, tmp_path):
    studio = Studio(home, env={})
    try:
        a = stored_output(studio, video=True, seed=1)
        b = stored_output(studio, video=True, seed=2, model="fal-ai/kling-video")
        film, result = stitch_assets(studio, [Clip(a.id), Clip(b.id)], title="two foxes")
        assert result.method == "copy"
        assert film.media_type == "video/mp4" and film.duration_seconds == result.duration_seconds
        assert abs(result.duration_seconds - 4.0) <= 2 / 12
        with av.open(film.path) as c:
            assert sum(1 for _ in c.decode(video=0)) == 48
        segments = film.provenance["segments"]
        assert [s["asset_id"] for s in segments] == [a.id, b.id]
        assert [s["job_id"] for s in segments] == [a.job_id, b.job_id]
        assert [s["seed"] for s in segments] == [1, 2]
        assert [s["model"] for s in segments] == ["fal-ai/flux/dev", "fal-ai/kling-video"]
        assert [s["sha256"] for s in segments] == [a.sha256, b.sha256]
        assert segments[1]["in_seconds"] == segments[0]["out_seconds"] == 2.0
        assert [p.asset_id for p in studio.lineage_records.parents(film.job_id)] == [a.id, b.id]

        out = run_export(plan_export(studio, ExportSource(asset_ids=(film.id,)), tmp_path / "x"),
                         studio.redactor, sign=SignWith(studio.paths.config_dir))
        [item] = out.files
        sidecar = json.loads((out.destination / item.sidecar).read_text())
        assert [s["sha256"] for s in sidecar["segments"]] == [a.sha256, b.sha256]
        report = read_credentials(out.destination / item.name)
        assert report.status == "valid"
        assert [i["relationship"] for i in report.ingredients] == ["inputTo", "inputTo"]
    finally:
        studio.store.close()


def test_a_crossfaded_film_is_reencoded_and_records_the_transition(home):
    studio = Studio(home, env={})
    try:
        a = stored_output(studio, video=True, seed=3)
        b = stored_output(studio, video=True, seed=4)
        film, result = stitch_assets(studio, [Clip(a.id, Transition("crossfade", 0.5)),
                                              Clip(b.id)])
        assert result.method == "reencode"
        assert abs(result.duration_seconds - 3.5) <= 1 / 12
        assert film.provenance["segments"][0]["transition_after"] == {"kind": "crossfade",
                                                                      "seconds": 0.5}
        assert film.provenance["segments"][1]["in_seconds"] == 1.5
    finally:
        studio.store.close()
