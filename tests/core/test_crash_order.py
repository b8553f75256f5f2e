"""Order of writes: outputs go to `.part`, are verified, moved into place, sidecars and
then asset rows + `succeeded` in one transaction. A kill at any point leaves a state
that resume completes, with nothing left behind and nothing counted twice."""

import json
from pathlib import Path

from PIL import Image

from studio.core.jobs import JobStatus
from studio.core.leases import Leases
from studio.core.provenance import sidecar_path
from studio.core.service import Studio
from tests.conftest import set_faults
from tests.core.live_helpers import flux, leftovers, live_studio, submissions, wait_for


class Killed(BaseException):
    """Stands for SIGKILL: nothing after this point runs, no cleanup handler either."""


async def test_killed_after_moving_files_before_the_transaction(home, sandbox):
    studio = live_studio(home, sandbox)

    def die(*args, **kwargs):
        raise Killed

    studio.store.complete_job = die
    try:
        job = await studio.submit(flux(params={"num_images": 2}))
        await studio.wait(job.id)
        state = studio.store.get_job(job.id)
        assert state.status in (JobStatus.SUBMITTED, JobStatus.RUNNING)  # not succeeded
        assert studio.store.assets_for_job(job.id) == []
        moved = sorted(p.name for p in (home.assets_dir / job.id).iterdir())
        assert moved == ["00.png", "00.png.json", "01.png", "01.png.json"]
    finally:
        del studio.store.complete_job
        await studio.aclose()

    again = Studio(home, sandbox_url=sandbox.url)
    try:
        assert await again.resume() == [job.id]
        done = await again.wait(job.id)
        assert done.status is JobStatus.SUCCEEDED, done.error
        assets = again.store.assets_for_job(job.id)
        assert [a.index for a in assets] == [0, 1]
        for asset in assets:
            with Image.open(asset.path) as im:
                im.load()
            sidecar = json.loads(sidecar_path(Path(asset.path)).read_text())
            assert sidecar["asset_id"] == asset.id  # rewritten for the rows that count
        assert sorted(p.name for p in (home.assets_dir / job.id).iterdir()) == moved
    finally:
        await again.aclose()
    assert len(submissions(sandbox, "fal")) == 1


async def test_part_files_left_by_a_kill_are_removed_at_start(home, sandbox):
    set_faults(sandbox, queue_seconds=0.3)
    studio = live_studio(home, sandbox)
    try:
        job = await studio.submit(flux())
        await wait_for(lambda: studio.store.get_job(job.id).remote_id, "a remote id")
    finally:
        await studio.aclose()  # quit mid-poll: the job stays submitted
    job_dir = home.assets_dir / job.id
    job_dir.mkdir(parents=True)
    stray = job_dir / ".00.k1ll3d.part"
    stray.write_bytes(b"\x89PNG\r\n\x1a\n half a download")
    busy_dir = home.assets_dir / "busyjob000000000"
    busy_dir.mkdir()
    busy_part = busy_dir / ".00.x.part"
    busy_part.write_bytes(b"another process is writing this")

    again = Studio(home, sandbox_url=sandbox.url)
    other = Leases(again.store, "elsewhere:1:live")  # a live owner on another machine
    assert other.take("busyjob000000000")
    try:
        assert await again.resume() == [job.id]
        assert not stray.exists() and busy_part.exists()  # another owner's work is kept
        done = await again.wait(job.id)
        assert done.status is JobStatus.SUCCEEDED
    finally:
        await again.aclose()
    assert leftovers(home.data_dir) == [busy_part]
