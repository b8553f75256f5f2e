"""What to export: a selection of outputs, some jobs, a compare group or a gallery filter,
turned into the ordered (asset, job) pairs an export plan is made of."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from studio.core.jobs import Asset, Job
from studio.core.store import Store

_CHUNK = 500  # ids per query, well under SQLite's variable limit


class SourceError(ValueError):
    """The source names nothing that can be exported; the message says why."""


@dataclass(frozen=True)
class ExportSource:
    asset_ids: tuple[str, ...] = ()
    job_ids: tuple[str, ...] = ()
    group: str | None = None
    provider: str | None = None
    model: str | None = None
    mode: str | None = None
    text: str | None = None
    min_rating: int | None = None
    newest_first: bool = True

    @property
    def kind(self) -> str:
        if self.asset_ids:
            return "selection"
        if self.job_ids:
            return "jobs"
        if self.group:
            return "compare_group"
        return "filter"

    def describe(self) -> dict[str, Any]:
        """For the export manifest: how the files were chosen."""
        out: dict[str, Any] = {"kind": self.kind}
        if self.kind == "filter":
            out["filter"] = {k: v for k, v in (
                ("provider", self.provider), ("model", self.model), ("mode", self.mode),
                ("text", self.text), ("min_rating", self.min_rating)) if v}
        elif self.kind == "compare_group":
            out["group"] = self.group
        elif self.kind == "jobs":
            out["jobs"] = list(self.job_ids)
        return out


def resolve(store: Store, source: ExportSource) -> list[tuple[Asset, Job]]:
    """The outputs a source names, in the order they will be numbered."""
    if source.asset_ids:
        ids = [_full_asset_id(store, a) for a in source.asset_ids]
    elif source.job_ids or source.group:
        jobs = ([_job(store, j) for j in source.job_ids] if source.job_ids
                else group_jobs(store, source.group or ""))
        ids = [a.id for job in jobs for a in store.assets_for_job(job.id)]
    else:
        ids = store.asset_ids(provider=source.provider, model=source.model, mode=source.mode,
                              text=source.text, min_rating=source.min_rating,
                              newest_first=source.newest_first)
    pairs = with_jobs(store, list(dict.fromkeys(ids)))
    if not pairs:
        raise SourceError(_nothing(source))
    return pairs


def with_jobs(store: Store, ids: list[str]) -> list[tuple[Asset, Job]]:
    found: dict[str, tuple[Asset, Job]] = {}
    for start in range(0, len(ids), _CHUNK):
        found.update(store.get_assets_with_jobs(ids[start:start + _CHUNK]))
    return [found[i] for i in ids if i in found]


def group_jobs(store: Store, group: str) -> list[Job]:
    """Jobs of a compare group (exact id, else a unique prefix), oldest first."""
    rows = store.query("SELECT id FROM jobs WHERE compare_group=? ORDER BY created_at", [group])
    if not rows and group:
        names = store.query("SELECT DISTINCT compare_group FROM jobs WHERE compare_group "
                            "LIKE ? LIMIT 2", [group.replace("%", "") + "%"])
        if len(names) == 1:
            rows = store.query("SELECT id FROM jobs WHERE compare_group=? ORDER BY created_at",
                               [names[0][0]])
    jobs = [store.get_job(r[0]) for r in rows]
    if not jobs:
        raise SourceError(f"no compare group {group!r}")
    return [j for j in jobs if j is not None]


def _job(store: Store, job_id: str) -> Job:
    job = store.find_job(job_id)
    if job is None:
        raise SourceError(f"no job {job_id!r}")
    return job


def _full_asset_id(store: Store, asset_id: str) -> str:
    if store.get_asset(asset_id) is not None:
        return asset_id
    rows = store.query("SELECT id FROM assets WHERE id LIKE ? LIMIT 2",
                       [asset_id.replace("%", "") + "%"])
    if len(rows) != 1:
        raise SourceError(f"no output {asset_id!r}")
    return str(rows[0][0])


def _nothing(source: ExportSource) -> str:
    return {
        "selection": "nothing to export: the selected outputs are gone",
        "jobs": "nothing to export: those jobs have no outputs (dry-runs or failures)",
        "compare_group": f"nothing to export: compare group {source.group!r} has no outputs",
        "filter": "nothing to export: no output matches the filter",
    }[source.kind]
