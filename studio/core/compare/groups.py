"""Compare groups: one brief fanned out to many provider/model targets in one action.

A group has one cell per target. Each cell keeps the target, the record of how the brief
was adapted to it, and its runs (jobs, oldest first; the newest is the one shown). Jobs go
through `Studio.submit` with `compare_group` set, so the dry-run/live policy is unchanged.
"""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.core import timing
from studio.core.compare.adapt import (
    Adaptation,
    Adapted,
    Brief,
    Target,
    adapt,
    confirm_sent,
    seed_honoured,
)
from studio.core.events import StoreEvent
from studio.core.jobs import Job, JobStatus
from studio.core.jobview import job_dict
from studio.core.ports import Submissions
from studio.core.requests import CheckedRequest, FieldError, RequestError
from studio.core.store import Store
from studio.core.timing import latency_from
from studio.providers.base import InputImage, ProviderError, RenderRequest, UnknownModel

DDL = """
CREATE TABLE IF NOT EXISTS compare_groups (
    id TEXT PRIMARY KEY, created_at REAL NOT NULL, brief TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS compare_cells (
    group_id TEXT NOT NULL, position INTEGER NOT NULL, provider TEXT NOT NULL,
    model TEXT NOT NULL, target_params TEXT NOT NULL, adaptations TEXT NOT NULL,
    created_at REAL NOT NULL, PRIMARY KEY (group_id, position));
CREATE TABLE IF NOT EXISTS compare_runs (
    job_id TEXT PRIMARY KEY, group_id TEXT NOT NULL, position INTEGER NOT NULL,
    created_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS compare_runs_group ON compare_runs(group_id);
CREATE INDEX IF NOT EXISTS compare_groups_created ON compare_groups(created_at);
"""


def letter(position: int) -> str:
    """A, B, ... Z, then A2, B2 ...: the neutral label blind mode shows."""
    return chr(ord("A") + position % 26) + (str(position // 26 + 1) if position >= 26 else "")


@dataclass
class Cell:
    group_id: str
    position: int
    target: Target
    adaptations: list[Adaptation]
    job_ids: list[str] = field(default_factory=list)  # runs, oldest first

    @property
    def job_id(self) -> str | None:
        return self.job_ids[-1] if self.job_ids else None

    @property
    def letter(self) -> str:
        return letter(self.position)

    @property
    def seed_honoured(self) -> bool | None:
        return seed_honoured(self.adaptations)


@dataclass
class CompareGroup:
    id: str
    created_at: float
    brief: Brief
    cells: list[Cell]

    def cell(self, position: int) -> Cell:
        for c in self.cells:
            if c.position == position:
                return c
        raise KeyError(f"group {self.id} has no cell {letter(position)}")

    def cell_of_job(self, job_id: str) -> Cell | None:
        return next((c for c in self.cells if job_id in c.job_ids), None)

    def latest_jobs(self) -> list[str]:
        return [c.job_id for c in self.cells if c.job_id]

    def votable(self, store: Store) -> list[str]:
        """The newest job of every cell that finished with an output, in cell order."""
        out = []
        for job_id in self.latest_jobs():
            job = store.get_job(job_id)
            if job is not None and job.status is JobStatus.SUCCEEDED and \
                    store.assets_for_job(job_id):
                out.append(job_id)
        return out


def latency_seconds(job: Job | None, sent_at: float | None = None) -> float | None:
    """Request-start-to-finish time of a finished live job (core.timing)."""
    return latency_from(job, sent_at)


def cost_usd(job: Job | None) -> float | None:
    """What the job cost: the provider's figure when it gave one, else the estimate.
    A dry-run, or a job a budget refused, cost nothing (None)."""
    if job is None or job.dry_run or job.status is JobStatus.REFUSED:
        return None
    for record in (job.actual_cost, job.estimate):
        if record and record.get("usd") is not None:
            return float(record["usd"])
    return None


class CompareGroups:
    """Create, read and re-run compare groups in the studio's database."""

    def __init__(self, studio: Submissions) -> None:
        self.studio = studio  # seen through the narrow port: check, prepare, submit, store
        self.store = studio.store
        self.store.ensure_schema(DDL)

    # -- planning -----------------------------------------------------------------------

    def plan(self, brief: Brief, targets: list[Target], *, group: str | None = None,
             load_images: bool = True) -> list[Adapted]:
        """Every target's request and adaptation record, checked; nothing is written.
        Raises RequestError naming each bad target."""
        if not targets:
            raise RequestError([FieldError("targets", "add at least one PROVIDER:MODEL")])
        errors: list[FieldError] = []
        out: list[Adapted] = []
        for target in targets:
            provider = self.studio.providers.get(target.provider)
            if provider is None:
                known = ", ".join(sorted(self.studio.providers))
                errors.append(FieldError(target.label, f"unknown provider "
                                                       f"{target.provider!r}; known: {known}"))
                continue
            try:
                model = provider.model(target.model)
            except UnknownModel as exc:
                errors.append(FieldError(target.label, exc.message))
                continue
            adapted = adapt(brief, target, model, group)
            try:
                checked = self.studio.check(adapted.request, load_images=load_images)
            except RequestError as exc:
                errors.extend(FieldError(f"{target.label} {e.field}", e.message)
                              for e in exc.errors)
                continue
            out.append(self._confirm(adapted, checked))
        if errors:
            raise RequestError(errors)
        return out

    def _confirm(self, adapted: Adapted, checked: CheckedRequest) -> Adapted:
        """Build the call (pure) to see which mapped settings the model really sends; keep
        the target's own params with the types the model gave them ("20" -> 20)."""
        typed = checked.params.model_dump(mode="json")
        params = {k: typed.get(k, v) for k, v in adapted.target.params.items()}
        adapted = dataclasses.replace(
            adapted, target=adapted.target.model_copy(update={"params": params}))
        if not checked.images and checked.request.input_images:
            stand_ins = tuple(InputImage(Path(p).name, "image/png", b"", "0" * 64)
                              for p in checked.request.input_images)
            checked = dataclasses.replace(checked, images=stand_ins)
        try:
            call = self.studio.prepare(checked)
        except (ValueError, KeyError, ProviderError):
            return adapted
        return confirm_sent(adapted, call)

    # -- writing ------------------------------------------------------------------------

    async def create(self, brief: Brief, targets: list[Target]) -> CompareGroup:
        """Check every target, store the group, then submit one job per target."""
        group_id = uuid.uuid4().hex[:12]
        planned = self.plan(brief, targets, group=group_id)
        now = time.time()
        stored_brief = self.studio.redactor.value(brief.model_dump(mode="json"))
        with self.store.transaction() as db:
            db.execute("INSERT INTO compare_groups VALUES (?, ?, ?)",
                       (group_id, now, json.dumps(stored_brief)))
            for position, adapted in enumerate(planned):
                self._insert_cell(db, group_id, position, adapted, now)
        self._publish(group_id)
        # Checked against the spend budgets as a whole: all of it is sent, or none.
        async with self.studio.budget.fan_out([a.request for a in planned]):
            for position, adapted in enumerate(planned):
                await self._submit(group_id, position, adapted.request)
        return self._require(group_id)

    async def rerun(self, group_id: str, position: int | None = None) -> list[Job]:
        """The exact same request again: one cell, or every cell of the group."""
        runs = self.rerun_requests(group_id, position)
        # Checked against the spend budgets as a whole, like the group's first run.
        async with self.studio.budget.fan_out([request for _, request, _ in runs]):
            return [await self._submit(group_id, at, request, old_id)
                    for at, request, old_id in runs]

    def rerun_requests(self, group_id: str, position: int | None = None
                       ) -> list[tuple[int, RenderRequest, str | None]]:
        """What a re-run sends: (cell position, request, the job it repeats) per cell."""
        group = self._require(group_id)
        cells = group.cells if position is None else [group.cell(position)]
        runs: list[tuple[int, RenderRequest, str | None]] = []
        for cell in cells:
            old = self.store.get_job(cell.job_id) if cell.job_id else None
            if old is not None:
                runs.append((cell.position, RenderRequest.model_validate(old.request), old.id))
            else:  # the first submit never happened: adapt the brief again
                [adapted] = self.plan(group.brief, [cell.target], group=group_id)
                runs.append((cell.position, adapted.request, None))
        return runs

    async def add_target(self, group_id: str, target: Target) -> Cell:
        """A new cell in an existing group, adapted from the group's own brief."""
        group = self._require(group_id)
        [adapted] = self.plan(group.brief, [target], group=group_id)
        position = max((c.position for c in group.cells), default=-1) + 1
        with self.store.transaction() as db:
            self._insert_cell(db, group_id, position, adapted, time.time())
        await self._submit(group_id, position, adapted.request)
        return self._require(group_id).cell(position)

    def _insert_cell(self, db: Any, group_id: str, position: int, adapted: Adapted,
                     now: float) -> None:
        target = adapted.target
        db.execute("INSERT INTO compare_cells VALUES (?, ?, ?, ?, ?, ?, ?)", (
            group_id, position, target.provider, target.model,
            json.dumps(self.studio.redactor.value(target.params)),
            json.dumps([a.as_dict() for a in adapted.adaptations], default=str), now))

    async def _submit(self, group_id: str, position: int, request: RenderRequest,
                      retried_from: str | None = None) -> Job:
        request = request.model_copy(update={"compare_group": group_id})
        job = await self.studio.submit(request, retried_from=retried_from)
        with self.store.transaction() as db:
            db.execute("INSERT INTO compare_runs VALUES (?, ?, ?, ?)",
                       (job.id, group_id, position, time.time()))
        self._publish(group_id, job.id)
        return job

    def _publish(self, group_id: str, job_id: str = "") -> None:
        self.store.publish(StoreEvent.compare_changed(group_id, job_id))

    # -- reading ------------------------------------------------------------------------

    def get(self, group_id: str) -> CompareGroup | None:
        rows = self.store.query("SELECT * FROM compare_groups WHERE id=?", (group_id,))
        if not rows:
            return None
        row = rows[0]
        runs: dict[int, list[str]] = {}
        for r in self.store.query("SELECT job_id, position FROM compare_runs WHERE group_id=? "
                                  "ORDER BY created_at, rowid", (group_id,)):
            runs.setdefault(r["position"], []).append(r["job_id"])
        cells = [
            Cell(group_id, c["position"],
                 Target(provider=c["provider"], model=c["model"],
                        params=json.loads(c["target_params"])),
                 [Adaptation.from_dict(a) for a in json.loads(c["adaptations"])],
                 runs.get(c["position"], []))
            for c in self.store.query("SELECT * FROM compare_cells WHERE group_id=? "
                                      "ORDER BY position", (group_id,))
        ]
        return CompareGroup(row["id"], row["created_at"],
                            Brief.model_validate(json.loads(row["brief"])), cells)

    def _require(self, group_id: str) -> CompareGroup:
        group = self.get(group_id)
        if group is None:
            raise KeyError(f"no compare group {group_id!r}")
        return group

    def find(self, prefix: str) -> CompareGroup | None:
        """A group by full id or unique prefix."""
        rows = self.store.query("SELECT id FROM compare_groups WHERE id LIKE ? LIMIT 2",
                                (prefix.replace("%", "").replace("_", "") + "%",))
        return self.get(rows[0]["id"]) if len(rows) == 1 and prefix else None

    def ids(self, limit: int = 200) -> list[str]:
        rows = self.store.query("SELECT id FROM compare_groups ORDER BY created_at DESC "
                                "LIMIT ?", (limit,))
        return [r["id"] for r in rows]

    def recent(self, limit: int = 200) -> list[CompareGroup]:
        return [g for gid in self.ids(limit) if (g := self.get(gid)) is not None]

    # -- JSON ---------------------------------------------------------------------------

    def cell_dict(self, cell: Cell, *, outputs: bool = True) -> dict[str, Any]:
        job = self.store.get_job(cell.job_id) if cell.job_id else None
        data = job_dict(job, self.store if outputs else None) if job else {"job_id": None}
        data.pop("request", None)  # the prepared HTTP call; `studio-cli job ID` has it
        return {
            "position": cell.position, "label": cell.letter,
            "target": cell.target.label, "target_params": cell.target.params,
            **data,
            "adaptations": [a.as_dict() for a in cell.adaptations],
            "seed_honoured": cell.seed_honoured,
            "latency_seconds": timing.latency_seconds(self.store, job),
            "runs": list(cell.job_ids),
        }

    def group_dict(self, group: CompareGroup, *, outputs: bool = True) -> dict[str, Any]:
        return {"group_id": group.id, "created_at": group.created_at,
                "brief": group.brief.model_dump(mode="json"),
                "targets": [self.cell_dict(c, outputs=outputs) for c in group.cells]}
