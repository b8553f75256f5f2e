"""Contact sheets of a compare group: a PNG and a self-contained HTML page."""

import base64
import io
import re

import pytest
from PIL import Image

from studio.core.compare.adapt import Brief, Target
from studio.core.compare.groups import CompareGroups
from studio.core.compare.votes import Votes
from studio.core.config import set_value
from studio.core.export.contact_sheet import make_contact_sheet
from studio.core.export.sources import SourceError
from studio.core.jobs import Job, JobStatus, new_job_id
from studio.core.service import Studio
from tests.core.export.test_export_support import add_output


@pytest.fixture
def studio(home):
    s = Studio(home, env={})
    yield s
    s.store.close()


def embedded_images(page: str) -> list[Image.Image]:
    return [Image.open(io.BytesIO(base64.b64decode(d)))
            for d in re.findall(r'src="data:image/jpeg;base64,([^"]+)"', page)]


def test_sheet_shows_prompt_outputs_cost_latency_and_votes(studio, tmp_path):
    prompt = "a fox <b>& a hare</b>"
    fox = add_output(studio, "png", group="grp-1", prompt=prompt, cost=0.025)
    hare = add_output(studio, "mp4", group="grp-1", prompt=prompt, provider="stability",
                      model="ultra", cost=0.08)
    failed = Job(id=new_job_id(), provider="luma", model="photon-1", mode="txt2img",
                 prompt=prompt, request={}, dry_run=False, compare_group="grp-1",
                 error="content policy: refused")
    studio.store.create_job(failed)
    studio.store.update_job(failed.id, status=JobStatus.QUEUED)
    studio.store.update_job(failed.id, status=JobStatus.FAILED, error=failed.error)
    shown = [fox.job_id, hare.job_id]
    votes = Votes(studio.store)
    votes.cast("grp-1", shown, winner=fox.job_id, ratings={fox.job_id: 5, hare.job_id: 3})
    votes.cast("grp-1", shown, winner=fox.job_id, ratings={fox.job_id: 4})

    sheet = make_contact_sheet(studio, "grp-1", tmp_path / "sheets")
    page = sheet.html.read_text(encoding="utf-8")
    assert "a fox &lt;b&gt;&amp; a hare&lt;/b&gt;" in page and "<b>& a hare" not in page
    assert "fal.ai" in page and "FLUX.1 [dev]" in page
    assert "~$0.025" in page and "~$0.080" in page and "2.5 s" in page
    assert "2 wins · ★ 4.5 (2)" in page and "★ 3.0 (1)" in page
    assert "content policy: refused" in page and "failed" in page
    pictures = embedded_images(page)
    assert len(pictures) == 2  # the image and the video's first frame
    red, green, _ = pictures[0].convert("RGB").resize((1, 1)).getpixel((0, 0))
    assert red > green + 60  # the red fox picture itself, not a placeholder
    assert not re.search(r"""(src|href)=["'](?!data:)""", page)  # nothing fetched
    with Image.open(sheet.png) as png:
        assert png.format == "PNG" and png.width >= 3 * 320
    assert [c.label for c in sheet.cells] == ["A", "B", "C"]


def test_second_sheet_does_not_overwrite_the_first(studio, tmp_path):
    add_output(studio, "png", group="grp-2")
    first = make_contact_sheet(studio, "grp-2", tmp_path)
    second = make_contact_sheet(studio, "grp-2", tmp_path)
    assert first.png != second.png and first.png.exists() and second.png.exists()


def test_unknown_group_is_an_error(studio, tmp_path):
    with pytest.raises(SourceError, match="no compare group"):
        make_contact_sheet(studio, "nope", tmp_path / "sheets")
    assert not (tmp_path / "sheets").exists()


async def test_live_compare_group_from_the_sandbox(home, sandbox, tmp_path):
    studio = Studio(home, sandbox_url=sandbox.url)
    studio.update_settings(set_value(studio.settings,
                                     "features.enable_public_image_providers", "true"))
    try:
        groups = CompareGroups(studio)
        group = await groups.create(Brief(prompt="a lighthouse at night", seed=4),
                                    [Target.parse("fal:fal-ai/flux/schnell"),
                                     Target.parse("stability:core")])
        for cell in group.cells:
            assert (await studio.wait(cell.job_id)).status is JobStatus.SUCCEEDED
        sheet = make_contact_sheet(studio, group.id[:6], tmp_path)
    finally:
        await studio.aclose()
    assert sheet.group == group.id
    assert [c.model for c in sheet.cells] == ["FLUX.1 [schnell]", "Stable Image Core"]
    page = sheet.html.read_text(encoding="utf-8")
    assert "a lighthouse at night" in page and len(embedded_images(page)) == 2
    assert all(c.latency.endswith(" s") for c in sheet.cells)
