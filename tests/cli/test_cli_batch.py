"""studio-cli batch: a list of prompts to several models as one batch, over the sandbox."""

import asyncio
import json

from PIL import Image

from studio.cli import main
from studio.core.service import Studio
from tests.conftest import sandbox_requests, set_faults

QWEN, FLUX = "comfyui:qwen-image-txt2img", "fal:fal-ai/flux/schnell"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_twenty_prompts_to_two_models_make_one_batch_of_forty_outputs(
        home, capsys, sandbox, monkeypatch, tmp_path):
    monkeypatch.setenv("STUDIO_SANDBOX_URL", sandbox.url)
    set_faults(sandbox, run_seconds=0.05)
    run(capsys, "config", "set", "features.enable_public_image_providers", "true")
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("# twenty menu boards\n\n" + "\n".join(
        f"a cafe menu board number {n}" for n in range(20)) + "\n")
    code, out, err = run(capsys, "--sandbox", "batch", str(prompts), "--target", QWEN,
                         "--target", FLUX, "--wait", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["rows"] == 20 and data["total"] == data["sent"] == 40
    assert data["targets"] == [QWEN, FLUX] and data["not_sent"] == 0
    assert data["counts"] == {"succeeded": 40}
    assert [j["line"] for j in data["jobs"][:4]] == [3, 3, 4, 4]  # comment, blank skipped
    assert {j["target"] for j in data["jobs"][::2]} == {QWEN}
    assert len(data["outputs"]) == 40
    for job in data["jobs"][:2] + data["jobs"][-2:]:  # Qwen-Image's PNG, FLUX's JPEG
        [output] = job["outputs"]
        with Image.open(output["path"]) as image:
            image.load()
            assert image.format == ("PNG" if job["target"] == QWEN else "JPEG")
    # One batch in the store: its 40 jobs in order, 40 outputs the Gallery stacks as one.
    studio = Studio(home)
    try:
        ids = studio.batches.jobs(data["batch_id"])
        assert ids == [j["job_id"] for j in data["jobs"]]
        assert len(studio.batches.assets(data["batch_id"])) == 40
        groups = {studio.batches.batch_of(i) for i in ids}
        assert groups == {data["batch_id"]}
    finally:
        asyncio.run(studio.aclose())
    posts = [r for r in sandbox_requests(sandbox, "comfyui") if r["route"] == "/prompt"
             and r["method"] == "POST"]
    assert len(posts) == 20


def test_csv_rows_with_errors_are_named_and_nothing_is_sent(home, capsys, tmp_path):
    sheet = tmp_path / "list.csv"
    sheet.write_text("prompt,negative,seed,steps,flavour\n"
                     "a lighthouse,fog,7,12,\n"
                     ",,,,\n"  # an all-empty row is skipped
                     " ,blur,8,,\n"
                     "a harbour,,seven,,\n"
                     "a kite,,9,,mint\n"
                     "a fox,,10,500,\n")
    code, out, err = run(capsys, "batch", str(sheet), "--target", QWEN, "--json")
    assert code == 2
    data = json.loads(out)
    errors = {r["line"]: r["errors"] for r in data["rows"]}
    assert errors[4] == ["the prompt is empty"]
    assert errors[5] == ["seed 'seven' is not a whole number"]
    assert errors[6] == ["unknown setting 'flavour': none of the models has it"]
    assert len(errors[7]) == 1 and "steps" in errors[7][0] and QWEN in errors[7][0]
    assert 2 not in errors
    assert "line 4: the prompt is empty" in err and "nothing was sent" in err
    code, out, _ = run(capsys, "jobs", "--json")
    assert json.loads(out) == []


def test_csv_columns_become_settings_and_dry_runs_keep_the_batch(home, capsys, tmp_path):
    sheet = tmp_path / "list.csv"
    # fal is a dry-run here (its flag is off): each row's request is recorded.
    sheet.write_text('prompt,negative,seed,num_inference_steps\n'
                     '"a menu, handwritten",blur,7,4\n'
                     'a poster,,8,\n')
    code, out, err = run(capsys, "batch", str(sheet), "--target", "fal:fal-ai/flux/dev",
                         "--target", "fal:fal-ai/flux/schnell", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["counts"] == {"dry_run": 4}
    first = json.loads(run(capsys, "job", data["jobs"][0]["job_id"], "--json")[1])
    assert first["input"]["prompt"] == "a menu, handwritten"
    assert first["input"]["negative_prompt"] == "blur" and first["input"]["seed"] == 7
    assert first["input"]["params"]["num_inference_steps"] == 4


def test_budget_refusal_with_max_usd_sends_nothing(home, capsys, tmp_path, monkeypatch,
                                                   sandbox):
    monkeypatch.setenv("STUDIO_SANDBOX_URL", sandbox.url)
    run(capsys, "config", "set", "features.enable_public_image_providers", "true")
    prompts = tmp_path / "p.txt"
    prompts.write_text("\n".join(f"prompt {n}" for n in range(20)))
    code, out, _ = run(capsys, "--sandbox", "batch", str(prompts), "--target",
                         "fal:fal-ai/flux/dev", "--max-usd", "0.05", "--json")
    assert code == 2
    assert "above --max-usd $0.05" in json.loads(out)["error"]
    assert json.loads(run(capsys, "jobs", "--json")[1]) == []
    assert [r for r in sandbox_requests(sandbox, "fal") if r["method"] == "POST"] == []


def test_a_budget_stops_the_batch_at_the_first_refused_job(home, capsys, tmp_path,
                                                           monkeypatch, sandbox):
    monkeypatch.setenv("STUDIO_SANDBOX_URL", sandbox.url)
    run(capsys, "config", "set", "features.enable_public_image_providers", "true")
    assert run(capsys, "budget", "set", "provider=fal", "daily=0.1")[0] == 0
    prompts = tmp_path / "p.txt"
    prompts.write_text("\n".join(f"prompt {n}" for n in range(10)))
    code, out, err = run(capsys, "--sandbox", "batch", str(prompts), "--target",
                         "fal:fal-ai/flux/dev", "--max-usd", "1", "--wait", "--json")
    assert code == 2, err
    data = json.loads(out)
    # FLUX.1 [dev] is $0.025 a megapixel image: 4 fit in $0.10, the 5th is refused.
    assert data["counts"] == {"refused": 1, "succeeded": 4}
    assert data["sent"] == 5 and data["not_sent"] == 5 and "Budget reached" in data["stopped"]


def _png(path, color):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (96, 64), color).save(path)
    return path


I2I = "fal:fal-ai/flux/dev/image-to-image"


def test_an_image_column_sends_each_rows_image(home, capsys, tmp_path, monkeypatch,
                                               sandbox):
    monkeypatch.setenv("STUDIO_SANDBOX_URL", sandbox.url)
    set_faults(sandbox, run_seconds=0.05)
    run(capsys, "config", "set", "features.enable_public_image_providers", "true")
    red = _png(tmp_path / "lists" / "frames" / "red.png", (220, 30, 30))
    blue = _png(tmp_path / "elsewhere" / "blue.png", (30, 30, 220))
    sheet = tmp_path / "lists" / "restyle.csv"
    sheet.write_text(f"prompt,image,strength\n"
                     f"as a watercolour,frames/red.png,0.8\n"  # relative to the list
                     f"as a woodcut,{blue},\n")
    code, out, err = run(capsys, "--sandbox", "batch", str(sheet), "--target", I2I,
                         "--wait", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["counts"] == {"succeeded": 2}
    assert data["rows"] == 2
    strengths = []
    for job, sent in zip(data["jobs"], (red, blue), strict=True):
        record = json.loads(run(capsys, "job", job["job_id"], "--json")[1])
        strengths.append(record["input"]["params"].get("strength"))
        assert record["input"]["input_images"] == [str(sent)]
        assert record["input"]["mode"] in (None, "img2img")
        assert record["request"]["body"]["image_url"].startswith("data:image/png")
        [output] = job["outputs"]
        with Image.open(output["path"]) as image:
            image.load()
    assert strengths[0] == 0.8 and strengths[1] != 0.8  # only row 1 set it
    posts = [r for r in sandbox_requests(sandbox, "fal") if r["method"] == "POST"]
    assert len(posts) == 2


def test_image_problems_are_named_per_row_and_nothing_is_sent(home, capsys, tmp_path):
    _png(tmp_path / "ok.png", (10, 200, 10))
    (tmp_path / "notes.png").write_text("not a picture")
    sheet = tmp_path / "list.csv"
    sheet.write_text("prompt,image\n"
                     "fine,ok.png\n"
                     "missing,nowhere.png\n"
                     "not an image,notes.png\n")
    code, out, err = run(capsys, "batch", str(sheet), "--target", I2I, "--json")
    assert code == 2, err
    errors = {r["line"]: r["errors"] for r in json.loads(out)["rows"]}
    assert 2 not in errors or errors[2] == []
    assert len(errors[3]) == 1 and "input_images" in errors[3][0]
    assert len(errors[4]) == 1 and "input_images" in errors[4][0]
    # A model that takes no image is told apart from a bad file.
    code, out, _ = run(capsys, "batch", str(sheet), "--target", FLUX, "--json")
    errors = {r["line"]: r["errors"] for r in json.loads(out)["rows"]}
    assert code == 2 and "input image" in errors[2][0]
    assert json.loads(run(capsys, "jobs", "--json")[1]) == []
