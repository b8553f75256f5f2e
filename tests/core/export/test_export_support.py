"""Helpers for the export, credentials and contact-sheet tests (no tests here): finished
jobs with real PNG/JPEG/WebP/MP4 outputs written through the store API, and a PNG signed
as if a provider had embedded its own C2PA manifest."""

from __future__ import annotations

import hashlib
import time
import uuid
from pathlib import Path

from PIL import Image

from studio.core.jobs import Asset, Job, JobStatus, new_job_id
from studio.core.service import Studio

MEDIA = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp", "mp4": "video/mp4"}
ACME = "Acme Image Cloud"


def gradient(size=(96, 64), color=(200, 40, 40)) -> Image.Image:
    """Not flat, so lossy re-encoding would show."""
    im = Image.new("RGB", size, color)
    for x in range(size[0]):
        for y in range(0, size[1], 3):
            im.putpixel((x, y), ((x * 7) % 256, (y * 5) % 256, color[2]))
    return im


def write_media(path: Path, kind: str, color=(200, 40, 40)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "mp4":
        import av
        import numpy as np

        with av.open(str(path), "w") as out:
            stream = out.add_stream("libx264", rate=12)
            stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
            for _ in range(6):
                frame = np.zeros((48, 64, 3), dtype=np.uint8)
                frame[:] = color
                for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                    out.mux(packet)
            for packet in stream.encode():
                out.mux(packet)
    elif kind == "jpg":
        gradient(color=color).save(path, quality=85)
    else:
        gradient(color=color).save(path)
    return path


def add_output(studio: Studio, kind: str = "png", *, provider: str = "fal",
               model: str = "fal-ai/flux/dev", prompt: str = "a red fox in snow",
               seed: int | None = 7, group: str | None = None, created_at: float | None = None,
               color=(200, 40, 40), source: Path | None = None, cost: float = 0.02,
               prepared: dict | None = None, provenance: dict | None = None) -> Asset:
    """A succeeded live job with one real output file, saved the way the runner saves it."""
    now = created_at or time.time()
    job = Job(id=new_job_id(), provider=provider, model=model, mode="txt2img", prompt=prompt,
              request={"provider": provider, "model": model, "prompt": prompt,
                       "negative_prompt": "blurry", "seed": seed,
                       "params": {"num_inference_steps": 28, "guidance_scale": 3.5}},
              dry_run=False, compare_group=group, created_at=now)
    studio.store.create_job(job)
    for status in (JobStatus.QUEUED, JobStatus.SUBMITTING):
        studio.store.update_job(job.id, status=status)
    studio.store.update_job(job.id, status=JobStatus.SUBMITTED, submitted_at=now,
                            remote={"remote_id": "r-" + job.id},
                            prepared=prepared or {"method": "POST", "url": f"https://x/{model}",
                                                  "headers": {"Authorization": "Key ***"}})
    job = studio.store.update_job(job.id, status=JobStatus.SUCCEEDED, seed=seed,
                                  finished_at=now + 2.5,
                                  estimate={"usd": cost, "approximate": True})
    folder = studio.paths.assets_dir / job.id
    path = folder / f"00.{kind}"
    if source is not None:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_bytes(source.read_bytes())
    else:
        write_media(path, kind, color)
    data = path.read_bytes()
    asset = Asset(id=uuid.uuid4().hex[:16], job_id=job.id, path=str(path),
                  sha256=hashlib.sha256(data).hexdigest(), media_type=MEDIA[kind],
                  bytes=len(data), width=64 if kind == "mp4" else 96,
                  height=48 if kind == "mp4" else 64, created_at=now)
    if provenance is not None:
        asset.provenance = provenance
    else:
        from studio.core.provenance import build_record

        asset.provenance = build_record(job, asset, provider)
    return studio.store.add_asset(asset)


def provider_signed_png(path: Path, cert_dir: Path) -> Path:
    """A PNG carrying a C2PA manifest from "Acme Image Cloud", as a provider would ship it."""
    import c2pa

    from studio.core.export.credentials import (
        TRAINED_ALGORITHMIC_MEDIA,
        local_certificate,
        make_signer,
    )

    plain = write_media(path.with_name("plain.png"), "png", (30, 90, 200))
    signer = make_signer(local_certificate(cert_dir))
    manifest = {"claim_generator_info": [{"name": ACME, "version": "3.1"}],
                "assertions": [{"label": "c2pa.actions", "data": {"actions": [
                    {"action": "c2pa.created", "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA,
                     "softwareAgent": {"name": "Acme Diffusion XL"}}]}}]}
    with c2pa.Builder(manifest) as builder:
        builder.sign_file(str(plain), str(path), signer)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
