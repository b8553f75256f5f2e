"""Batch from a list: reading text and CSV lists, checking rows against the targets, and
sending as one batch (cancel all) over the sandbox."""

import asyncio

import pytest

from studio.core.batch_list import (
    BatchListError,
    BatchPlan,
    BatchSender,
    plan_batch,
    read_list,
)
from studio.core.jobs import JobStatus
from studio.core.service import Studio
from tests.conftest import set_faults

QWEN = ("comfyui", "qwen-image-txt2img")
FLUX = ("fal", "fal-ai/flux/dev")


def test_a_text_list_skips_blank_lines_and_comments(tmp_path):
    path = tmp_path / "list.txt"
    path.write_bytes("\ufeffa red fox\r\n\r\n# not this\r\n  a blue kite  \r\n".encode())
    batch = read_list(path)
    assert batch.kind == "text"
    assert [(r.line, r.prompt) for r in batch.rows] == [(1, "a red fox"), (4, "a blue kite")]


def test_a_csv_reads_quoted_cells_aliases_and_typed_settings(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text('Prompt,negative_prompt,seed,steps,cfg,sampler_name\n'
                    '"a menu, with prices",blur,12,8,1.5,euler\n'
                    '"a poster ""quoted""",,,,,\n')
    first, second = read_list(path).rows
    assert (first.prompt, first.negative, first.seed) == ("a menu, with prices", "blur", 12)
    assert first.params == {"steps": 8, "cfg": 1.5, "sampler_name": "euler"}
    assert (second.prompt, second.negative, second.seed, second.params) == (
        'a poster "quoted"', None, None, {})
    # A .txt whose first line has a prompt column is read as CSV too.
    assert read_list("prompt,seed\na cat,3\n").rows[0].seed == 3


def test_a_csv_image_column_is_resolved_against_the_lists_folder(tmp_path):
    path = tmp_path / "lists" / "list.csv"
    path.parent.mkdir()
    path.write_text("prompt,Input_Image\n"
                    "one,frames/a.png\n"
                    "two,asset:0123abcd\n"
                    "three,https://example.com/b.png\n"
                    f"four,{tmp_path / 'c.png'}\n"
                    "five,\n")
    rows = read_list(path).rows
    assert [r.image for r in rows] == [str(path.parent / "frames" / "a.png"),
                                       "asset:0123abcd", "https://example.com/b.png",
                                       str(tmp_path / "c.png"), None]
    assert all(r.params == {} for r in rows)  # the image is not a model setting
    assert rows[0].as_dict()["image"] == str(path.parent / "frames" / "a.png")


@pytest.mark.parametrize("name, text, message", [
    ("list.csv", "prompt,image,input_image\na,b.png,c.png\n", "both an 'image'"),
    ("list.txt", "", "no prompts"),
    ("list.txt", "\n# only a comment\n", "no prompts"),
    ("list.csv", "", "the CSV file is empty"),
    ("list.csv", "negative,seed\nblur,1\n", "needs a 'prompt' column"),
    ("list.csv", "prompt,seed,Seed\na,1,2\n", "column name twice"),
    ("list.csv", "prompt,\na,1\n", "no name"),
])
def test_lists_that_cannot_be_read_say_why(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(BatchListError, match=message):
        read_list(path)


def test_binary_and_missing_files_are_refused(tmp_path):
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(BatchListError, match=r"binary|not UTF-8"):
        read_list(binary)
    with pytest.raises(BatchListError, match="cannot be read"):
        read_list(tmp_path / "missing.txt")


def test_rows_are_checked_against_every_target_before_anything_is_sent(home):
    studio = Studio(home)
    batch = read_list("prompt,seed,steps,num_inference_steps\n"
                      "ok,1,4,4\n"
                      ",2,,\n"
                      "big seed,99999999999,,\n"
                      "too many steps,3,,400\n"
                      "extra,4,,,surplus\n")
    plan = plan_batch(studio, batch, [QWEN, FLUX])
    assert not plan.ok and plan.requests == []
    errors = {r.line: r.errors for r in plan.rows}
    assert errors[2] == []
    assert errors[3] == ["the prompt is empty"]
    assert errors[4] == ["seed 99999999999 is outside 0 to 4294967294"]
    assert errors[5] == ["fal:fal-ai/flux/dev: num_inference_steps: Input should be less "
                         "than or equal to 50"]
    assert errors[6] == ["5 cells but 4 columns"]
    good = plan_batch(studio, read_list("prompt,steps,num_inference_steps\na,4,4\n"),
                      [QWEN, FLUX])
    assert good.ok and [r.params for r in good.requests] == [{"steps": 4},
                                                             {"num_inference_steps": 4}]
    with pytest.raises(BatchListError, match="no model"):
        plan_batch(studio, batch, [("fal", "nope")])
    with pytest.raises(BatchListError, match="at least one model"):
        plan_batch(studio, batch, [])
    with pytest.raises(BatchListError, match="nothing was sent"):
        BatchSender(studio, plan)


async def test_cancel_all_stops_the_sending_and_cancels_what_was_sent(home, sandbox):
    set_faults(sandbox, run_seconds=3.0)
    studio = Studio(home, sandbox_url=sandbox.url)
    try:
        assert await studio.catalog.refresh() == {}
        plan = plan_batch(studio, read_list("\n".join(f"board {n}" for n in range(6))),
                          [QWEN])
        sender = BatchSender(studio, plan)
        record = sender._record

        pressed = []

        def press_cancel_all(position, job):  # Cancel all, pressed as the 3rd job is sent
            if position == 2:
                pressed.append(asyncio.get_running_loop().create_task(sender.cancel()))
            return record(position, job)

        sender._record = press_cancel_all
        outcome = await sender.send()
        await pressed[0]
        assert sender.cancelled and len(outcome.jobs) in (3, 4) and outcome.not_sent >= 2
        ids = studio.batches.jobs(sender.batch_id)
        assert ids == [j.id for j in outcome.jobs]
        for job_id in ids:
            job = await asyncio.wait_for(studio.wait(job_id), 10)
            assert job.status is JobStatus.CANCELLED, (job.status, job.message)
    finally:
        await studio.aclose()


def test_an_empty_plan_is_not_ok():
    assert not BatchPlan([], [QWEN], []).ok
