"""studio-cli metrics: one `as_json()` per measured input (exactly its keys), failures
named on stderr with exit 1 after the others, an output's measurement stored with it."""

import json

from studio.cli import main
from studio.core.service import Studio
from tests.core.export.test_export_support import add_output
from tests.core.metrics_media import blurred, panning, save_png, scene, write_clip

KEYS = {"path", "kind", "quality_score", "metrics", "metrics_version"}


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_files_and_outputs_print_one_object_each(home, capsys, tmp_path):
    studio = Studio(home)
    asset = add_output(studio, "png")
    studio.store.close()
    rgb = scene(seed=2)
    sharp = save_png(tmp_path / "sharp.png", rgb)
    soft = save_png(tmp_path / "soft.png", blurred(rgb, 3))
    clip = write_clip(tmp_path / "clip.mp4", panning(24))
    code, out, err = run(capsys, "metrics", str(sharp), str(soft), str(clip),
                         f"asset:{asset.id}", asset.id[:8], "--json")
    assert code == 0, err
    items = json.loads(out)
    assert [set(i) for i in items] == [KEYS] * 5
    assert [i["kind"] for i in items] == ["image", "image", "video", "image", "image"]
    assert items[0]["quality_score"] > items[1]["quality_score"]
    assert items[0]["metrics"]["sharpness"] > items[1]["metrics"]["sharpness"]
    assert items[3]["path"] == asset.path and items[3] == items[4]
    reopened = Studio(home)
    try:
        assert reopened.quality(asset.id).quality_score == items[3]["quality_score"]
    finally:
        reopened.store.close()


def test_a_bad_input_is_named_and_the_others_still_measured(home, capsys, tmp_path):
    good = save_png(tmp_path / "good.png", scene())
    text = tmp_path / "notes.txt"
    text.write_text("hello, not a picture\n" * 20)
    code, out, err = run(capsys, "metrics", str(text), "nosuchasset", str(good), "--json")
    assert code == 1
    [item] = json.loads(out)
    assert item["path"] == str(good)
    assert "notes.txt" in err and "nosuchasset: no such file, and no output" in err
    assert "Traceback" not in err


def test_human_output_names_what_was_not_as_asked(home, capsys, tmp_path):
    clip = write_clip(tmp_path / "frozen.mp4", [panning(1)[0]] * 24)
    code, out, _ = run(capsys, "metrics", str(clip))
    assert code == 0
    assert "video" in out and "frozen" in out
