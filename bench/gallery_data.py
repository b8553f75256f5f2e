"""A gallery of N distinct outputs in a STUDIO_HOME, made once and reused between runs."""

from __future__ import annotations

import hashlib
import io
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from PIL import Image

from studio.core.jobs import Asset, Job, JobStatus, new_job_id
from studio.core.paths import StudioPaths
from studio.core.store import Store
from studio.core.store_rows import ASSET_FIELDS, JOB_FIELDS, JSON_ASSET, JSON_JOB, cols, to_row

CACHE_ROOT = Path(tempfile.gettempdir()) / "provider-studio-bench"
VERSION = 1


def _image_bytes(i: int, side: int) -> bytes:
    """A distinct 1024-class JPEG per index (so every thumbnail is a real decode)."""
    r, g, b = (i * 37) % 256, (i * 91) % 256, (i * 53) % 256
    im = Image.new("RGB", (side, side), (r, g, b))
    im.paste((255 - r, g, 255 - b), (i % side // 2, i % (side // 3), side // 2, side // 2))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=80)
    return buf.getvalue()


def gallery_home(n: int, side: int = 1024) -> Path:
    """A STUDIO_HOME whose store holds n succeeded jobs with one image each."""
    root = CACHE_ROOT / f"gallery-v{VERSION}-{n}-{side}"
    if (root / "ready").exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    paths = StudioPaths.resolve(root).ensure()
    store = Store(paths.db_file)
    start = time.time() - n
    providers = [("fal", "fal-ai/flux/dev"), ("stability", "ultra"), ("runway", "gen4_image"),
                 ("luma", "photon-1")]
    with store.transaction() as db:
        for i in range(n):
            provider, model = providers[i % len(providers)]
            job_id = new_job_id()
            folder = paths.assets_dir / job_id
            folder.mkdir(parents=True)
            data = _image_bytes(i, side)
            path = folder / "00.jpg"
            path.write_bytes(data)
            job = Job(id=job_id, provider=provider, model=model, mode="txt2img",
                      prompt=f"bench prompt {i} a lighthouse at dusk", request={},
                      status=JobStatus.SUCCEEDED, created_at=start + i,
                      updated_at=start + i, dry_run=False, finished_at=start + i)
            asset = Asset(id=f"a{i:06d}", job_id=job_id, path=str(path),
                          sha256=hashlib.sha256(data).hexdigest(), media_type="image/jpeg",
                          bytes=len(data), width=side, height=side, created_at=start + i)
            _insert(db, job, asset)
    store.close()
    (root / "ready").write_text("ok")
    return root


def _insert(db: sqlite3.Connection, job: Job, asset: Asset) -> None:
    db.execute(f"INSERT INTO jobs ({cols(JOB_FIELDS)}) VALUES "
               f"({', '.join('?' * len(JOB_FIELDS))})", to_row(job, JOB_FIELDS, JSON_JOB))
    db.execute(f"INSERT INTO assets ({cols(ASSET_FIELDS)}) VALUES "
               f"({', '.join('?' * len(ASSET_FIELDS))})",
               to_row(asset, ASSET_FIELDS, JSON_ASSET))


def fresh_copy(src: Path, dest: Path, *, keep_thumbs: bool) -> Path:
    """A new home with the prepared database (its rows point at the shared asset files)."""
    (dest / "data").mkdir(parents=True)
    for name in ("studio.db", "studio.db-wal"):
        if (src / "data" / name).exists():
            shutil.copy2(src / "data" / name, dest / "data" / name)
    if keep_thumbs and (src / "data" / "thumbs").exists():
        shutil.copytree(src / "data" / "thumbs", dest / "data" / "thumbs")
    return dest
