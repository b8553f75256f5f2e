"""Lineage: which assets a job took as inputs (and in what role), and the graph they make.

An input is an asset's when it was given as `asset:<id>`, or when its bytes (sha256) are
an asset's (a file dragged out of the gallery). Each such input is a row of `job_parents`
(migration step 3), written with the job. The graph goes up through parents and down
through the jobs that used an asset and the assets they made.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from studio.core.inputs import ASSET_PREFIX
from studio.core.jobs import Asset, Job
from studio.core.store import Store
from studio.providers.base import InputImage, RenderRequest, Role

MAX_DEPTH = 32  # generations walked each way; a deeper chain is cut (and says so)


@dataclass(frozen=True)
class Parent:
    """One input of a job that came from an asset."""

    position: int  # index in the request's input_images; the mask comes after them
    asset_id: str
    role: Role
    sha256: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"asset_id": self.asset_id, "role": self.role.value, "position": self.position,
                "sha256": self.sha256}


@dataclass
class Node:
    """An asset (or a job that made none yet) with its parents and children."""

    asset_id: str | None
    job_id: str
    provider: str
    model: str
    mode: str
    status: str
    media_type: str | None = None
    path: str | None = None
    created_at: float = 0.0
    parents: list[Edge] = field(default_factory=list)
    children: list[Edge] = field(default_factory=list)
    truncated: bool = False  # the walk stopped here (too deep, or a cycle)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "asset_id": self.asset_id, "job_id": self.job_id, "provider": self.provider,
            "model": self.model, "mode": self.mode, "status": self.status,
            "media_type": self.media_type, "path": self.path, "created_at": self.created_at,
            "parents": [e.as_dict() for e in self.parents],
            "children": [e.as_dict() for e in self.children]}
        if self.truncated:
            out["truncated"] = True
        return out


@dataclass
class Edge:
    """A link in an output's lineage: what another asset was to it."""
    role: Role
    node: Node

    def as_dict(self) -> dict[str, Any]:
        return {"role": self.role.value, **self.node.as_dict()}


class LineageRecords:
    """The job_parents table of one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def resolve(self, request: RenderRequest, images: Sequence[InputImage]) -> list[Parent]:
        """The parents among a checked request's images (inputs, then the mask)."""
        refs = [*request.input_images, *([request.mask] if request.mask else [])]
        out = []
        for position, (ref, image) in enumerate(zip(refs, images, strict=False)):
            asset_id = self._asset_of(ref, image)
            if asset_id is not None:
                out.append(Parent(position, asset_id, image.role, image.sha256 or None))
        return out

    def _asset_of(self, ref: str, image: InputImage) -> str | None:
        if ref.startswith(ASSET_PREFIX):
            asset_id = ref[len(ASSET_PREFIX):].strip()
            return asset_id if self.store.get_asset(asset_id) is not None else None
        if not image.sha256:
            return None  # a URL: its bytes are unknown here
        rows = self.store.query("SELECT id FROM assets WHERE sha256=? ORDER BY created_at "
                                "LIMIT 1", (image.sha256,))
        return rows[0][0] if rows else None

    def record(self, job_id: str, parents: Sequence[Parent],
               db: sqlite3.Connection | None = None) -> None:
        """Write a job's parents (inside the caller's transaction when `db` is given)."""
        if not parents:
            return
        rows = [(job_id, p.position, p.asset_id, p.role.value, p.sha256) for p in parents]
        if db is not None:
            db.executemany("INSERT OR REPLACE INTO job_parents VALUES (?, ?, ?, ?, ?)", rows)
            return
        with self.store.transaction() as conn:
            conn.executemany("INSERT OR REPLACE INTO job_parents VALUES (?, ?, ?, ?, ?)", rows)

    def parents(self, job_id: str) -> list[Parent]:
        rows = self.store.query("SELECT position, asset_id, role, sha256 FROM job_parents "
                                "WHERE job_id=? ORDER BY position", (job_id,))
        return [Parent(r[0], r[1], _role(r[2]), r[3]) for r in rows]

    def uses(self, asset_id: str) -> list[tuple[str, Role]]:
        """(job id, role) of every job that took the asset as an input, oldest first."""
        rows = self.store.query(
            "SELECT p.job_id, p.role FROM job_parents p JOIN jobs j ON j.id = p.job_id "
            "WHERE p.asset_id=? ORDER BY j.created_at, p.position", (asset_id,))
        return [(r[0], _role(r[1])) for r in rows]

    # -- the graph ----------------------------------------------------------------------

    def tree(self, asset_id: str, depth: int = MAX_DEPTH) -> Node:
        """The asset with its ancestors (parents, recursively) and descendants (the jobs
        that used it and what they made, recursively). Raises KeyError for an unknown id."""
        found = self.store.get_assets_with_jobs([asset_id])
        if asset_id not in found:
            raise KeyError(asset_id)
        asset, job = found[asset_id]
        root = _node(asset, job)
        self._ancestors(root, depth, {asset_id})
        self._descendants(root, depth, {asset_id})
        return root

    def _ancestors(self, node: Node, depth: int, seen: set[str]) -> None:
        parents = self.parents(node.job_id)
        if parents and depth <= 0:
            node.truncated = True
            return
        found = self.store.get_assets_with_jobs([p.asset_id for p in parents])
        for parent in parents:
            if parent.asset_id not in found:
                continue  # the parent asset was deleted; the row stays as a record
            child = _node(*found[parent.asset_id])
            node.parents.append(Edge(parent.role, child))
            if parent.asset_id in seen:
                child.truncated = True
                continue
            self._ancestors(child, depth - 1, seen | {parent.asset_id})

    def _descendants(self, node: Node, depth: int, seen: set[str]) -> None:
        if node.asset_id is None:
            return
        uses = self.uses(node.asset_id)
        if uses and depth <= 0:
            node.truncated = True
            return
        for job_id, role in uses:
            job = self.store.get_job(job_id)
            if job is None:
                continue
            assets = self.store.assets_for_job(job_id)
            if not assets:  # a dry-run, a failure, or still running: the job itself
                node.children.append(Edge(role, _job_node(job)))
                continue
            for asset in assets:
                child = _node(asset, job)
                node.children.append(Edge(role, child))
                if asset.id in seen:
                    child.truncated = True
                    continue
                self._descendants(child, depth - 1, seen | {asset.id})


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        return Role.INPUT  # written by a newer release: shown as a plain input


def _node(asset: Asset, job: Job) -> Node:
    return Node(asset.id, job.id, job.provider, job.model, job.mode, job.status.value,
                asset.media_type, asset.path, asset.created_at)


def _job_node(job: Job) -> Node:
    return Node(None, job.id, job.provider, job.model, job.mode, job.status.value,
                created_at=job.created_at)
