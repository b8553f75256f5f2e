"""Iterating on renders: how long the last frame of a clip takes to save, and how long a
lineage tree takes to build for a long chain and a wide fan-out.

    python -m bench iteration
"""

from __future__ import annotations

import asyncio
import hashlib
import statistics
import time
import uuid
from pathlib import Path

import numpy as np

from bench.common import temp_home
from studio.core.jobs import Asset, Job, JobStatus, new_job_id
from studio.core.lineage import Parent
from studio.core.paths import StudioPaths
from studio.core.service import Studio
from studio.providers.base import Role


def _clip(path: Path, seconds: int = 10, fps: int = 24, size=(1280, 720)) -> Path:
    import av

    rng = np.random.default_rng(1)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        stream.codec_context.options = {"preset": "ultrafast", "g": "48"}
        base = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
        for i in range(seconds * fps):
            frame = np.roll(base, i * 4, axis=1)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        out.mux(stream.encode(None))
    return path


def _output(studio: Studio, path: Path, media_type: str) -> Asset:
    """A finished job with `path` as its one output (written straight to the store)."""
    job = Job(id=new_job_id(), provider="fal", model="bench", mode="txt2img", prompt="bench",
              request={}, status=JobStatus.SUCCEEDED, dry_run=False)
    studio.store.create_job(job)
    data = path.read_bytes()
    return studio.store.add_asset(Asset(
        id=uuid.uuid4().hex[:16], job_id=job.id, path=str(path),
        sha256=hashlib.sha256(data).hexdigest(), media_type=media_type, bytes=len(data)))


async def _frames(studio: Studio, clip: Path) -> list[float]:
    video = _output(studio, clip, "video/mp4")
    times = []
    for _ in range(5):
        start = time.perf_counter()
        await studio.save_frame(video.id)
        times.append(time.perf_counter() - start)
    return times


def _graph(studio: Studio, folder: Path, chain: int, fan: int) -> tuple[float, float]:
    image = folder / "tiny.png"
    image.write_bytes(b"\x89PNG bench")  # the tree reads rows, never the files

    def stored_output(_: Studio) -> Asset:
        return _output(studio, image, "image/png")

    root = stored_output(studio)
    previous = root
    for _ in range(chain):
        child = stored_output(studio)
        studio.lineage_records.record(child.job_id, [Parent(0, previous.id, Role.INPUT)])
        previous = child
    hub = stored_output(studio)
    for _ in range(fan):
        child = stored_output(studio)
        studio.lineage_records.record(child.job_id, [Parent(0, hub.id, Role.REFERENCE)])
    start = time.perf_counter()
    studio.lineage(previous.id)  # up a chain of `chain` generations
    up = time.perf_counter() - start
    start = time.perf_counter()
    studio.lineage(hub.id)  # down to `fan` children
    down = time.perf_counter() - start
    return up, down


def main(argv: list[str]) -> None:
    with temp_home() as folder:
        studio = Studio(StudioPaths.resolve(Path(folder) / "home"), env={})
        try:
            clip = _clip(Path(folder) / "clip.mp4")
            times = asyncio.run(_frames(studio, clip))
            print(f"iteration: save the last frame of a 10 s 1280x720 clip: median "
                  f"{statistics.median(times) * 1000:.0f} ms (5 runs, GOP 48)")
            up, down = _graph(studio, Path(folder), chain=30, fan=200)
            print(f"iteration: lineage tree, 30 generations up: {up * 1000:.0f} ms; "
                  f"200 children down: {down * 1000:.0f} ms")
        finally:
            studio.store.close()


if __name__ == "__main__":
    main([])
