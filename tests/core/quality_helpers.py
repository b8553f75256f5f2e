"""Outputs of a studio made from files the tests write (their hash the file's own)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from studio.core.jobs import Asset, Job, new_job_id
from studio.core.service import Studio


def add_output(studio: Studio, path: Path, *, mode: str = "txt2img",
               params: dict | None = None, provider: str = "fal",
               model: str = "fal-ai/flux/dev") -> Asset:
    """A finished job of this studio whose output is `path` (made by the test)."""
    job = Job(id=new_job_id(), provider=provider, model=model, mode=mode, prompt="a test",
              request={"provider": provider, "model": model, "prompt": "a test",
                       "params": params or {}})
    studio.store.create_job(job)
    data = path.read_bytes()
    media = "video/mp4" if path.suffix == ".mp4" else "image/png"
    return studio.store.add_asset(Asset(id=new_job_id(), job_id=job.id, path=str(path),
                                        sha256=hashlib.sha256(data).hexdigest(),
                                        media_type=media, bytes=len(data)))
