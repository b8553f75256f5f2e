"""Finished jobs with real image and video outputs, written through the store API."""

from __future__ import annotations

import hashlib
import time
import uuid
from pathlib import Path

from PIL import Image, ImageDraw

from studio.core.jobs import Asset, Job, JobStatus, new_job_id
from studio.core.provenance import build_record
from studio.core.service import Studio
from studio.sandbox.render import render_mp4


def disc_png(path: Path, size=(96, 64), background=(20, 200, 60), disc=(200, 30, 30)) -> Path:
    """A flat background with a disc in the middle: easy to check edits against."""
    image = Image.new("RGB", size, background)
    w, h = size
    ImageDraw.Draw(image).ellipse((w // 4, h // 4, 3 * w // 4, 3 * h // 4), fill=disc)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


def stored_output(studio: Studio, *, video: bool = False, seed: int = 7,
                  provider: str = "fal", model: str = "fal-ai/flux/dev",
                  size=(96, 64)) -> Asset:
    """A succeeded job of `provider`/`model` with one PNG (or a 2 s MP4) output."""
    now = time.time()
    job = Job(id=new_job_id(), provider=provider, model=model,
              mode="txt2video" if video else "txt2img", prompt="a red fox",
              request={"provider": provider, "model": model, "mode": None,
                       "prompt": "a red fox", "negative_prompt": None, "seed": None,
                       "params": {}, "input_images": []},
              dry_run=False, created_at=now)
    studio.store.create_job(job)
    for status in (JobStatus.QUEUED, JobStatus.SUBMITTING):
        studio.store.update_job(job.id, status=status)
    studio.store.update_job(job.id, status=JobStatus.SUBMITTED, submitted_at=now,
                            remote={"remote_id": "r-" + job.id, "urls": {}})
    job = studio.store.update_job(job.id, status=JobStatus.SUCCEEDED, seed=seed,
                                  finished_at=now + 1)
    folder = studio.paths.assets_dir / job.id
    folder.mkdir(parents=True, exist_ok=True)
    if video:
        path = folder / "00.mp4"
        path.write_bytes(render_mp4("a red fox", seed, 160, 96, 2.0, 12))
    else:
        path = disc_png(folder / "00.png", size)
    data = path.read_bytes()
    asset = Asset(id=uuid.uuid4().hex[:16], job_id=job.id, path=str(path),
                  sha256=hashlib.sha256(data).hexdigest(),
                  media_type="video/mp4" if video else "image/png", bytes=len(data),
                  width=160 if video else size[0], height=96 if video else size[1],
                  duration_seconds=2.0 if video else None, created_at=now)
    asset.provenance = build_record(job, asset, provider)
    return studio.store.add_asset(asset)


def white_box_mask(path: Path, size=(96, 64), box=(8, 8, 40, 32)) -> Path:
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).rectangle(box, fill=255)
    path.parent.mkdir(parents=True, exist_ok=True)
    mask.save(path)
    return path
