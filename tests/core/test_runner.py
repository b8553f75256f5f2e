"""The runner over real HTTP against the sandbox: lifecycle, faults, cancel, resume."""

import asyncio
import hashlib
import json
from pathlib import Path

import pytest

from studio.core.config import set_value
from studio.core.jobs import Job, JobStatus, new_job_id
from studio.core.provenance import sidecar_path
from studio.core.service import Studio
from studio.providers.base import RenderRequest
from tests.conftest import sandbox_requests, set_faults

FLUX = dict(provider="fal", model="fal-ai/flux/schnell", prompt="a red fox in snow", seed=11,
            params={"image_size": "square", "output_format": "png"})


def live_studio(home, sandbox) -> Studio:
    studio = Studio(home, sandbox_url=sandbox.url)
    s = set_value(studio.settings, "features.enable_public_image_providers", "true")
    studio.update_settings(s)
    return studio


async def test_live_job_end_to_end_with_provenance(home, sandbox):
    set_faults(sandbox, run_seconds=1.2)  # long enough to be seen running
    studio = live_studio(home, sandbox)
    try:
        job = await studio.submit(RenderRequest(**FLUX))
        assert job.status is JobStatus.QUEUED and not job.dry_run
        job = await studio.wait(job.id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        assert job.remote_id and job.seed == 11
        [asset] = studio.store.assets_for_job(job.id)
        data = Path(asset.path).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert hashlib.sha256(data).hexdigest() == asset.sha256
        assert (asset.width, asset.height) == (512, 512)
        sidecar = json.loads(sidecar_path(Path(asset.path)).read_text())
        assert sidecar["sandbox"] is True and sidecar["remote_job_id"] == job.remote_id
        assert sidecar["output"]["sha256"] == asset.sha256
        assert sidecar["request"]["headers"]["Authorization"] == "Key ***"
        statuses = [e["to"] for e in studio.store.events(job.id) if e["kind"] == "status"]
        assert statuses == ["queued", "submitting", "submitted", "running", "succeeded"]
    finally:
        await studio.aclose()
    [submit] = [r for r in sandbox_requests(sandbox, "fal") if r["method"] == "POST"]
    assert submit["path"] == "/fal/fal-ai/flux/schnell"
    assert submit["body"] == {**FLUX["params"], "prompt": FLUX["prompt"], "seed": 11,
                              "num_inference_steps": 4, "guidance_scale": 3.5,
                              "num_images": 1, "enable_safety_checker": True,
                              "acceleration": "none"}


async def test_flag_off_means_dry_run_and_nothing_sent(home, sandbox):
    studio = Studio(home, sandbox_url=sandbox.url, sandbox_live=False)  # the real-world rule
    try:
        job = await studio.submit(RenderRequest(**FLUX))
        assert job.status is JobStatus.DRY_RUN
        assert "enable_public_image_providers is off" in job.dry_run_reason
        assert job.prepared["body"]["prompt"] == FLUX["prompt"]
        assert job.estimate["usd"] > 0
    finally:
        await studio.aclose()
    assert sandbox_requests(sandbox, "fal") == []


async def test_cancel_running_job_tells_the_provider(home, sandbox):
    set_faults(sandbox, run_seconds=5)
    studio = live_studio(home, sandbox)
    try:
        job = await studio.submit(RenderRequest(**FLUX))
        for _ in range(100):
            if studio.store.get_job(job.id).status is JobStatus.RUNNING:
                break
            await asyncio.sleep(0.05)
        job = await studio.cancel(job.id)
        assert job.status is JobStatus.CANCELLED
    finally:
        await studio.aclose()
    assert any(r["method"] == "PUT" and r["path"].endswith("/cancel")
               for r in sandbox_requests(sandbox, "fal"))
    assert not (home.assets_dir / job.id).exists()


@pytest.mark.parametrize("fault", [
    {"server_errors": 2}, {"malformed_json": 2}, {"rate_limit": {"count": 1, "retry_after": 1}},
])
async def test_transient_faults_while_polling_are_survived(home, sandbox, fault):
    set_faults(sandbox, queue_seconds=0.5)
    studio = live_studio(home, sandbox)
    try:
        job = await studio.submit(RenderRequest(**FLUX))
        while not studio.store.get_job(job.id).remote_id:
            await asyncio.sleep(0.01)
        set_faults(sandbox, **fault)  # hits the status polls, not the submit
        job = await studio.wait(job.id)
        assert job.status is JobStatus.SUCCEEDED, job.error
    finally:
        await studio.aclose()
    polls = [r for r in sandbox_requests(sandbox, "fal") if r["method"] == "GET"]
    assert len(polls) >= 3


async def test_garbled_submit_answer_is_unknown_never_resubmitted(home, sandbox):
    set_faults(sandbox, malformed_json=1)
    studio = live_studio(home, sandbox)
    try:
        job = await studio.wait((await studio.submit(RenderRequest(**FLUX))).id)
        assert job.status is JobStatus.UNKNOWN and "malformed" in job.error
        assert await studio.resume() == []
    finally:
        await studio.aclose()
    assert len([r for r in sandbox_requests(sandbox, "fal") if r["method"] == "POST"]) == 1


async def test_rate_limit_on_submit_waits_for_retry_after(home, sandbox):
    set_faults(sandbox, rate_limit={"count": 1, "retry_after": 1})
    studio = live_studio(home, sandbox)
    try:
        job = await studio.wait((await studio.submit(RenderRequest(**FLUX))).id)
    finally:
        await studio.aclose()
    assert job.status is JobStatus.SUCCEEDED
    posts = [r for r in sandbox_requests(sandbox, "fal") if r["method"] == "POST"]
    assert len(posts) == 2
    assert job.submitted_at - job.created_at >= 1.0  # waited out Retry-After


async def test_provider_failure_ends_failed_with_its_message(home, sandbox):
    set_faults(sandbox, fail_next={"provider": "fal", "message": "NSFW content detected"})
    studio = live_studio(home, sandbox)
    try:
        job = await studio.wait((await studio.submit(RenderRequest(**FLUX))).id)
        assert job.status is JobStatus.FAILED and "NSFW content detected" in job.error
        assert studio.store.assets_for_job(job.id) == []
    finally:
        await studio.aclose()


async def test_restart_resumes_polling_without_resubmitting(home, sandbox):
    set_faults(sandbox, run_seconds=1.5)
    first = live_studio(home, sandbox)
    job = await first.submit(RenderRequest(**FLUX))
    for _ in range(100):
        if first.store.get_job(job.id).remote_id:
            break
        await asyncio.sleep(0.02)
    await first.aclose()  # like quitting the app mid-poll
    assert Studio(home).store.get_job(job.id).status in (JobStatus.SUBMITTED, JobStatus.RUNNING)

    second = Studio(home, sandbox_url=sandbox.url)
    try:
        assert await second.resume() == [job.id]
        done = await second.wait(job.id)
        assert done.status is JobStatus.SUCCEEDED
    finally:
        await second.aclose()
    posts = [r for r in sandbox_requests(sandbox, "fal") if r["method"] == "POST"]
    assert len(posts) == 1


async def test_job_caught_mid_submit_becomes_unknown_not_resubmitted(home, sandbox):
    studio = Studio(home, sandbox_url=sandbox.url)
    job = Job(id=new_job_id(), provider="fal", model=FLUX["model"], mode="txt2img",
              prompt=FLUX["prompt"], request=RenderRequest(**FLUX).model_dump(mode="json"),
              dry_run=False)
    studio.store.create_job(job)
    studio.store.update_job(job.id, status=JobStatus.QUEUED)
    studio.store.update_job(job.id, status=JobStatus.SUBMITTING)  # then the process died
    await studio.aclose()

    studio = Studio(home, sandbox_url=sandbox.url)
    try:
        assert await studio.resume() == []
        j = studio.store.get_job(job.id)
        assert j.status is JobStatus.UNKNOWN and "may have received" in j.message
    finally:
        await studio.aclose()
    assert sandbox_requests(sandbox, "fal") == []


async def test_queued_job_never_sent_is_started_on_resume(home, sandbox):
    studio = live_studio(home, sandbox)
    job = Job(id=new_job_id(), provider="fal", model=FLUX["model"], mode="txt2img",
              prompt=FLUX["prompt"], request=RenderRequest(**FLUX).model_dump(mode="json"),
              dry_run=False)
    studio.store.create_job(job)
    studio.store.update_job(job.id, status=JobStatus.QUEUED)
    try:
        assert await studio.resume() == [job.id]
        assert (await studio.wait(job.id)).status is JobStatus.SUCCEEDED
    finally:
        await studio.aclose()
