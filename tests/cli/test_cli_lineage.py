"""studio-cli for iterating: --image takes an asset id, --mask, outpaint params, and
`lineage ASSET_ID` (tree and JSON)."""

import json

from studio.core.service import Studio
from tests.cli.test_cli import run
from tests.core.asset_helpers import disc_png, stored_output, white_box_mask


def an_output(home):
    studio = Studio(home)
    try:
        return stored_output(studio)
    finally:
        studio.store.close()


def test_inpaint_dry_run_shows_the_multipart_request_with_the_mask(home, capsys, tmp_path):
    asset = an_output(home)
    mask = white_box_mask(tmp_path / "mask.png")
    code, out, err = run(capsys, "generate", "--provider", "stability", "--model", "inpaint",
                         "--mode", "inpaint", "--image", asset.id, "--mask", str(mask),
                         "--prompt", "a window", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["input"]["input_images"] == [f"asset:{asset.id}"]
    # The mask file was kept as a mask asset (greyscale PNG) made over the image.
    mask_id = data["input"]["mask"].removeprefix("asset:")
    studio = Studio(home)
    try:
        stored = studio.store.get_asset(mask_id)
        assert studio.lineage(mask_id).parents[0].node.asset_id == asset.id
    finally:
        studio.store.close()
    assert data["request"]["url"] == "https://api.stability.ai/v2beta/stable-image/edit/inpaint"
    assert [(f["field"], f["bytes"]) for f in data["request"]["files"]] == [
        ("image", asset.bytes), ("mask", stored.bytes)]
    assert data["request"]["form"]["grow_mask"] == "5"
    assert [i["sha256"] for i in data["request"]["inputs"]] == [asset.sha256, stored.sha256]


def test_an_asset_id_prefix_works_and_an_unknown_id_says_so(home, capsys):
    asset = an_output(home)
    code, out, _ = run(capsys, "generate", "--provider", "stability", "--model",
                       "upscale-fast", "--mode", "upscale", "--image", asset.id[:8],
                       "--prompt", "", "--json")
    assert code == 0 and json.loads(out)["input"]["input_images"] == [f"asset:{asset.id}"]
    code, _, err = run(capsys, "generate", "--provider", "stability", "--model",
                       "upscale-fast", "--image", "nosuchasset", "--prompt", "")
    assert code == 2 and "nosuchasset" in err and "does not exist" in err


def test_outpaint_with_stability_sends_its_own_sides(home, capsys, tmp_path):
    image = disc_png(tmp_path / "in.png")
    code, out, err = run(capsys, "generate", "--provider", "stability", "--model", "outpaint",
                         "--mode", "outpaint", "--image", str(image), "--param", "left=256",
                         "--prompt", "", "--json")
    assert code == 0, err
    form = json.loads(out)["request"]["form"]
    assert (form["left"], form["right"], "prompt" in form) == ("256", "0", False)


def test_outpaint_with_fill_makes_a_canvas_and_mask(home, capsys, tmp_path):
    image = disc_png(tmp_path / "in.png")
    code, out, err = run(capsys, "generate", "--provider", "fal", "--model",
                         "fal-ai/flux-pro/v1/fill", "--mode", "outpaint", "--image",
                         str(image), "--param", "left=32", "--prompt", "more sea", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["input"]["params"] == {"num_images": 1, "output_format": "png",
                                       "safety_tolerance": "2", "enhance_prompt": False}
    assert data["input"]["mask"].startswith("asset:")
    body = data["request"]["body"]
    assert body["image_url"].startswith("data:image/png") and body["mask_url"].startswith(
        "data:image/png")
    code, out, _ = run(capsys, "lineage", data["input"]["mask"].removeprefix("asset:"),
                       "--json")
    mask = json.loads(out)
    canvas = mask["parents"][0]
    assert (mask["mode"], canvas["mode"], canvas["parents"][0]["mode"]) == (
        "mask", "canvas", "import")
    assert [(c["role"], c["status"]) for c in mask["children"]] == [("mask", "dry_run")]


def test_lineage_tree_and_errors(home, capsys, tmp_path):
    asset = an_output(home)
    studio = Studio(home)
    try:
        mask = studio.save_mask(asset.id, white_box_mask(tmp_path / "m.png").read_bytes())
    finally:
        studio.store.close()
    code, out, _ = run(capsys, "lineage", asset.id)
    assert code == 0
    assert out.splitlines()[0].startswith(f"{asset.id}  fal:fal-ai/flux/dev txt2img")
    assert f"↳ [source] {mask.id}  studio:mask mask" in out
    code, out, _ = run(capsys, "lineage", mask.id, "--json")
    assert json.loads(out)["parents"][0]["asset_id"] == asset.id
    code, _, err = run(capsys, "lineage", "nope")
    assert code == 2 and "no asset 'nope'" in err
