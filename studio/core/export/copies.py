"""Export outputs to a folder: copies named by a template, each with its JSON sidecar,
metadata embedded, optionally signed with C2PA, and a manifest.json for the whole export.

`plan_export` (fast, on the caller's thread) reads the store and decides every name: it is
the preview. `run_export` (a worker thread) writes exactly that plan into a hidden temp
folder inside the destination and moves the files into place only when all of them are
ready; a failure or a cancel removes everything it wrote. Stored originals are only read.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio import __version__
from studio.core.export import credentials
from studio.core.export.embed import EmbedError, embed, embeddable
from studio.core.export.names import (
    DEFAULT_TEMPLATE,
    NameFields,
    existing_names,
    extension_for,
    free_name,
    render_names,
)
from studio.core.export.sources import ExportSource, resolve
from studio.core.jobs import Asset, Job
from studio.core.provenance import build_record, parents_in
from studio.core.redaction import Redactor

if TYPE_CHECKING:
    from studio.core.service import Studio

SCHEMA = "provider-studio/export"
VERSION = 1
TEMP_PREFIX = ".provider-studio-export-"
Progress = Callable[[int, int, str], None]  # done, total, current file name


class ExportError(RuntimeError):
    """The export could not be written; nothing was left in the destination."""


class ExportCancelled(ExportError):
    """The user cancelled; nothing was left in the destination."""


@dataclass(frozen=True)
class SignWith:
    """Sign with the user's PEM chain + key, or (both None) the local studio certificate."""

    config_dir: Path
    chain: str | None = None
    key: str | None = None


@dataclass(frozen=True)
class PlannedFile:
    asset: Asset
    job: Job
    name: str
    record: dict[str, Any]  # provenance, already redacted
    provider_name: str
    # The assets it was made from, for the C2PA manifest (lineage parents).
    ingredients: tuple[credentials.Ingredient, ...] = ()

    @property
    def sidecar(self) -> str:
        return self.name + ".json"


@dataclass(frozen=True)
class ExportPlan:
    destination: Path
    template: str
    items: list[PlannedFile]
    manifest_name: str
    source: dict[str, Any] = field(default_factory=dict)

    def names(self) -> list[str]:
        return [item.name for item in self.items]


@dataclass
class ExportedFile:
    name: str
    sha256: str
    bytes: int
    media_type: str
    sidecar: str
    sidecar_sha256: str
    asset_id: str
    job_id: str
    original_sha256: str
    embedded: list[str]
    # signed | provider manifest kept | provider manifest kept, signed | none
    content_credentials: str


@dataclass
class ExportResult:
    destination: Path
    manifest: Path
    files: list[ExportedFile]
    signed_by: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"destination": str(self.destination), "manifest": str(self.manifest),
                "signed_by": self.signed_by,
                "files": [{"file": f.name, **{k: v for k, v in vars(f).items() if k != "name"}}
                          for f in self.files]}


def plan_export(studio: Studio, source: ExportSource, destination: Path | str,
                template: str = DEFAULT_TEMPLATE) -> ExportPlan:
    """Every file name the export will write (the preview); raises TemplateError or
    SourceError with a message for the user. Reads the store; writes nothing."""
    destination = Path(destination).expanduser()
    pairs = resolve(studio.store, source)
    taken = existing_names(destination)
    names = render_names(template, ((_fields(a, j), extension_for(a.media_type, a.path))
                                    for a, j in pairs), taken)
    items = [PlannedFile(a, j, name, _record(studio, a, j, name),
                         _provider_name(studio, j), _ingredients(studio, j))
             for (a, j), name in zip(pairs, names, strict=True)]
    manifest = free_name("manifest", ".json",
                         [*taken, *names, *(i.sidecar for i in items)])
    return ExportPlan(destination, template, items, manifest, source.describe())


def _fields(asset: Asset, job: Job) -> NameFields:
    return NameFields(created_at=asset.created_at or job.created_at, provider=job.provider,
                      model=job.model, mode=job.mode, seed=_seed(job), output=asset.index,
                      job_id=job.id, asset_id=asset.id, group=job.compare_group,
                      prompt=job.prompt, rating=asset.rating)


def _seed(job: Job) -> int | None:
    seed = job.seed if job.seed is not None else (job.request or {}).get("seed")
    return seed if isinstance(seed, int) else None


def _provider_name(studio: Studio, job: Job) -> str:
    provider = studio.providers.get(job.provider)
    return provider.info.name if provider else job.provider


def _record(studio: Studio, asset: Asset, job: Job, name: str) -> dict[str, Any]:
    record = asset.provenance or build_record(job, asset, _provider_name(studio, job))
    parents = studio.lineage_records.parents(job.id)
    if parents and not parents_in(record):  # a version 1 record: lineage from the store
        record = {**record, "parents": [p.as_dict() for p in parents]}
    return studio.redactor.value({**record, **quality_fields(studio, asset.id, name)})


def quality_fields(studio: Studio, asset_id: str, name: str) -> dict[str, Any]:
    """The output's stored quality metrics (Measurement.as_json's shape, `path` being the
    exported file) and, apart, the assistant's opinion of it, when there are any."""
    out: dict[str, Any] = {}
    quality = studio.quality(asset_id)
    if quality is not None:
        out["quality"] = {**quality.as_json(), "path": name, "note": quality.note,
                          "measured_at": quality.measured_at}
    opinion = studio.opinion(asset_id)
    if opinion is not None:
        out["model_opinion"] = opinion.as_json()
    return out


def _ingredients(studio: Studio, job: Job) -> tuple[credentials.Ingredient, ...]:
    """The job's parent assets whose files are still here, as C2PA ingredients."""
    parents = studio.lineage_records.parents(job.id)
    found = studio.store.get_assets_with_jobs([p.asset_id for p in parents])
    out = []
    for parent in parents:
        asset = found[parent.asset_id][0] if parent.asset_id in found else None
        if asset is None or asset.media_type not in credentials.SIGNABLE or \
                not Path(asset.path).is_file():
            continue
        out.append(credentials.Ingredient(Path(asset.path), asset.media_type,
                                          f"{parent.role.value}: {Path(asset.path).name}",
                                          parent.role.value, asset.id))
    return tuple(out)


async def export_async(plan: ExportPlan, redactor: Redactor, *, sign: SignWith | None = None,
                       progress: Progress | None = None,
                       cancel: threading.Event | None = None) -> ExportResult:
    """run_export on a worker thread; cancelling the task cancels the export cleanly."""
    cancel = cancel or threading.Event()
    loop = asyncio.get_running_loop()
    future = loop.run_in_executor(None, lambda: run_export(
        plan, redactor, sign=sign, progress=progress, cancel=cancel))
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        cancel.set()
        await asyncio.wait([future])  # the worker removes what it wrote before we return
        raise


def run_export(plan: ExportPlan, redactor: Redactor, *, sign: SignWith | None = None,
               progress: Progress | None = None,
               cancel: threading.Event | None = None) -> ExportResult:
    """Write the plan (worker thread). Raises ExportCancelled or ExportError and then
    leaves the destination as it found it."""
    dest = plan.destination
    if dest.exists() and not dest.is_dir():
        raise ExportError(f"{dest} is a file, not a folder")
    created = _make_folders(dest)
    staging: Path | None = None
    try:
        staging = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=dest))
        signer, signed_by = _signer(sign)
        files: list[ExportedFile] = []
        total = len(plan.items)
        for done, item in enumerate(plan.items):
            _check(cancel)
            files.append(_write_one(item, staging, redactor, signer))
            if progress is not None:
                progress(done + 1, total, item.name)
        manifest = _manifest(plan, files, signed_by)
        (staging / plan.manifest_name).write_bytes(
            json.dumps(redactor.value(manifest), indent=2, sort_keys=True).encode())
        _check(cancel)
        names = [n for f in files for n in (f.name, f.sidecar)] + [plan.manifest_name]
        _move_into_place(staging, dest, names)
        return ExportResult(dest, dest / plan.manifest_name, files, signed_by)
    except ExportError:
        raise
    except (OSError, EmbedError, credentials.CredentialsError) as exc:
        raise ExportError(f"export to {dest} failed: {exc}") from exc
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if created and dest.is_dir() and not any(dest.iterdir()):
            _remove_folders(created)


def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise ExportCancelled("export cancelled; nothing was written")


def _signer(sign: SignWith | None) -> tuple[Any, str | None]:
    if sign is None:
        return None, None
    cert = credentials.choose_certificate(sign.config_dir, sign.chain, sign.key)
    return credentials.make_signer(cert), cert.subject()


def _write_one(item: PlannedFile, staging: Path, redactor: Redactor, signer: Any
               ) -> ExportedFile:
    asset, job = item.asset, item.job
    original = Path(asset.path)
    if _sha256(original) != asset.sha256:
        raise ExportError(f"the stored output {original.name} changed since it was saved "
                          "(sha256 mismatch); it was not exported")
    out = staging / item.name
    provider_signed = credentials.has_manifest(original)
    embedded: list[str] = []
    if not provider_signed and embeddable(asset.media_type):
        data, embedded = embed(original.read_bytes(), asset.media_type, item.record)
        out.write_bytes(data)
    else:  # videos, and a provider's signed file, stay byte-for-byte as they were
        shutil.copyfile(original, out)
    state = "provider manifest kept" if provider_signed else "none"
    if signer is not None and asset.media_type in credentials.SIGNABLE:
        unsigned = out.with_name(out.name + ".unsigned")
        out.replace(unsigned)
        credentials.sign_copy(unsigned, out, asset.media_type, signer, _claim(item),
                              parent=original if provider_signed else None)
        unsigned.unlink()
        state = "provider manifest kept, signed" if provider_signed else "signed"
    sha, size = _sha256(out), out.stat().st_size
    sidecar = {**item.record, "export": {
        "file": item.name, "sha256": sha, "bytes": size, "original_sha256": asset.sha256,
        "embedded": embedded, "content_credentials": state, "exported_at": time.time(),
        "app": {"name": "Provider Studio", "version": __version__}}}
    side_bytes = json.dumps(redactor.value(sidecar), indent=2, sort_keys=True,
                            default=str).encode()
    (staging / item.sidecar).write_bytes(side_bytes)
    return ExportedFile(item.name, sha, size, asset.media_type, item.sidecar,
                        hashlib.sha256(side_bytes).hexdigest(), asset.id, job.id,
                        asset.sha256, embedded, state)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _claim(item: PlannedFile) -> credentials.Claim:
    prompt = item.job.prompt or ""
    return credentials.Claim(
        title=item.name, provider=item.job.provider,
        provider_name=item.provider_name,
        model=item.job.model, prompt_sha256=hashlib.sha256(prompt.encode()).hexdigest(),
        job_id=item.job.id, seed=_seed(item.job), ingredients=item.ingredients,
        sandbox=item.job.sandbox)


def _manifest(plan: ExportPlan, files: list[ExportedFile], signed_by: str | None
              ) -> dict[str, Any]:
    return {
        "schema": SCHEMA, "version": VERSION,
        "app": {"name": "Provider Studio", "version": __version__},
        "created_at": time.time(), "template": plan.template, "source": plan.source,
        "signed_by": signed_by, "count": len(files),
        "files": [{"file": f.name, "sha256": f.sha256, "bytes": f.bytes,
                   "media_type": f.media_type, "asset_id": f.asset_id, "job_id": f.job_id,
                   "original_sha256": f.original_sha256, "embedded": f.embedded,
                   "content_credentials": f.content_credentials,
                   "sidecar": {"file": f.sidecar, "sha256": f.sidecar_sha256}}
                  for f in files],
    }


def _make_folders(dest: Path) -> list[Path]:
    """Create dest and missing parents; return the ones made (to remove after a failure)."""
    missing = []
    for folder in (dest, *dest.parents):
        if folder.exists():
            break
        missing.append(folder)
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create the folder {dest}: {exc}") from None
    return missing


def _remove_folders(created: list[Path]) -> None:
    for folder in created:  # deepest first
        try:
            folder.rmdir()
        except OSError:
            return


def _move_into_place(staging: Path, dest: Path, names: list[str]) -> None:
    """Rename each staged file into dest; if one fails, the ones already moved go back."""
    moved: list[Path] = []
    try:
        for name in names:
            target = dest / name
            if target.exists():
                raise ExportError(f"{target} appeared during the export; nothing was written")
            os.replace(staging / name, target)
            moved.append(target)
    except BaseException:
        for target in moved:
            target.unlink(missing_ok=True)
        raise
