"""Paid outputs are never dropped or kept broken: downloads cut short are fetched again,
a job succeeds only with every output whole, and a failure leaves no orphan file."""

import io
from pathlib import Path

import av
import pytest
from PIL import Image

from studio.core.jobs import JobStatus
from studio.core.provenance import sidecar_path
from studio.providers.base import RenderRequest
from tests.conftest import set_faults
from tests.core.live_helpers import downloads, flux, leftovers, live_studio, submissions


def _decodes(path: Path) -> bool:
    if path.suffix == ".mp4":
        with av.open(str(path)) as container:
            return sum(1 for _ in container.decode(video=0)) == container.streams.video[0].frames
    with Image.open(io.BytesIO(path.read_bytes())) as im:
        im.load()
    return True


@pytest.mark.parametrize("fault", [
    {"truncate_download": {"count": 2}},  # a body shorter than its Content-Length
    {"truncate_download": {"count": 2, "content_length": False}},  # short, no length
    {"reset_download": {"count": 1}},  # dropped right after the headers
    {"reset_download": {"count": 1, "fraction": 0.4}},  # dropped mid-body
])
async def test_a_cut_download_is_fetched_again_and_kept_whole(home, sandbox, fault):
    set_faults(sandbox, provider="fal", **fault)
    studio = live_studio(home, sandbox)
    try:
        job = await studio.wait((await studio.submit(flux())).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        [asset] = studio.store.assets_for_job(job.id)
        assert _decodes(Path(asset.path))
        cut = next(iter(fault.values()))["count"]
        outcomes = [d["outcome"] for d in downloads(sandbox, "fal")]
        assert outcomes == ["cut"] * cut + ["whole"]
        assert any(e.get("event") == "download_retry" for e in _log(studio, job))
    finally:
        await studio.aclose()
    assert leftovers(home.data_dir) == []


async def test_a_second_output_that_stays_broken_leaves_no_orphan(home, sandbox):
    studio = live_studio(home, sandbox, download_attempts=2)
    try:
        # The first image downloads whole; the second is cut short on both tries.
        set_faults(sandbox, truncate_download={"count": 2, "skip": 1, "provider": "fal",
                                               "content_length": False})
        job = await studio.wait((await studio.submit(flux(params={"num_images": 2}))).id)
        assert [d["outcome"] for d in downloads(sandbox, "fal")] == ["whole", "cut", "cut"]
        assert studio.store.assets_for_job(job.id) == []
    finally:
        await studio.aclose()
    assert job.status is JobStatus.FAILED
    assert "incomplete" in job.error and job.recoverable and job.remote_id
    assert "Check again" in job.error
    job_dir = home.assets_dir / job.id
    assert not job_dir.exists() or list(job_dir.iterdir()) == []  # no 00.png without a row


async def test_check_again_fetches_what_a_broken_download_left(home, sandbox):
    set_faults(sandbox, truncate_download={"count": 9, "provider": "fal",
                                           "content_length": False})
    studio = live_studio(home, sandbox, download_attempts=2)
    try:
        job = await studio.wait((await studio.submit(flux(params={"num_images": 2}))).id)
        assert job.status is JobStatus.FAILED and job.recoverable
        set_faults(sandbox, truncate_download=0)  # the CDN is healthy again
        await studio.check_again(job.id)
        job = await studio.wait(job.id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        assert not job.recoverable and job.error is None
        assets = studio.store.assets_for_job(job.id)
        assert [a.index for a in assets] == [0, 1]
        for asset in assets:
            assert _decodes(Path(asset.path)) and sidecar_path(Path(asset.path)).exists()
        statuses = [e["to"] for e in studio.store.events(job.id) if e["kind"] == "status"]
        assert statuses[statuses.index("failed"):] == ["failed", "submitted", "succeeded"]
    finally:
        await studio.aclose()
    assert len(submissions(sandbox, "fal")) == 1  # fetched again, never paid twice


async def test_a_video_cut_short_without_length_is_refetched(home, sandbox):
    set_faults(sandbox, provider="luma", truncate_download={"count": 1, "fraction": 0.9,
                                                            "content_length": False})
    studio = live_studio(home, sandbox)
    try:
        request = RenderRequest(provider="luma", model="ray-flash-2", prompt="waves at night",
                                params={"duration": "5s", "resolution": "540p"})
        job = await studio.wait((await studio.submit(request)).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        [asset] = studio.store.assets_for_job(job.id)
        assert asset.media_type == "video/mp4" and _decodes(Path(asset.path))
        assert [d["outcome"] for d in downloads(sandbox, "luma")] == ["cut", "whole"]
    finally:
        await studio.aclose()


async def test_stability_image_cut_short_is_never_kept(home, sandbox):
    # Stability answers the image in the submit response itself: it cannot be fetched
    # again, so a broken one fails the job (and says so) instead of being kept.
    set_faults(sandbox, provider="stability",
               truncate_download={"count": 1, "content_length": False})
    studio = live_studio(home, sandbox)
    try:
        request = RenderRequest(provider="stability", model="core", prompt="a teapot",
                                params={"output_format": "png"})
        job = await studio.wait((await studio.submit(request)).id)
        assert studio.store.assets_for_job(job.id) == []
    finally:
        await studio.aclose()
    assert job.status is JobStatus.FAILED and "incomplete" in job.error
    assert not job.recoverable
    assert not (home.assets_dir / job.id).exists() or not any(
        (home.assets_dir / job.id).iterdir())


def _log(studio, job):
    import json

    path = studio.paths.job_log(job.provider, job.id)
    return [json.loads(line) for line in path.read_text().splitlines()]
