"""Chains and their links in the store (tables `chains` and `chain_links`).

A chain is what was asked (its spec: provider, model, params, start image, one prompt per
link) and where it stands; each link is one image-to-video job whose input is the start
image (link 1) or the last frame of the link before. Everything needed to resume after a
restart is here; `attempts` keeps every job a link was tried with (regenerate adds one).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from studio.core.store import Store


class ChainStatus(StrEnum):
    PENDING = "pending"  # made, not run yet
    RUNNING = "running"
    SUCCEEDED = "succeeded"  # every link made and the film stitched
    DRY_RUN = "dry_run"  # every link's request recorded, nothing sent
    FAILED = "failed"
    CANCELLED = "cancelled"
    STALE = "stale"  # a link was regenerated: the links after it wait to be made again


class LinkStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    DRY_RUN = "dry_run"
    FAILED = "failed"
    CANCELLED = "cancelled"
    STALE = "stale"  # made from a frame that has since changed


FINISHED_LINK = (LinkStatus.SUCCEEDED,)


def new_chain_id() -> str:
    return "c" + uuid.uuid4().hex[:15]


@dataclass(frozen=True)
class ChainSpec:
    """What a chain makes: one image-to-video job per prompt, in order."""

    provider: str
    model: str
    start_image: str  # `asset:<id>` or an https URL
    prompts: tuple[str, ...]
    params: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    negative_prompt: str | None = None
    # Per link: an end frame for models that take one (None: no end frame).
    end_images: tuple[str | None, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"provider": self.provider, "model": self.model,
                "start_image": self.start_image, "prompts": list(self.prompts),
                "params": self.params, "seed": self.seed,
                "negative_prompt": self.negative_prompt, "end_images": list(self.end_images)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChainSpec:
        return cls(str(data["provider"]), str(data["model"]), str(data["start_image"]),
                   tuple(str(p) for p in data.get("prompts") or ()),
                   dict(data.get("params") or {}), data.get("seed"),
                   data.get("negative_prompt"), tuple(data.get("end_images") or ()))

    def end_image(self, index: int) -> str | None:
        """The end frame of link `index` (1-based), if any."""
        return self.end_images[index - 1] if index - 1 < len(self.end_images) else None


@dataclass
class Link:
    chain_id: str
    index: int  # 1-based
    prompt: str
    status: LinkStatus = LinkStatus.PENDING
    job_id: str | None = None
    input_ref: str | None = None  # what the job was sent: `asset:<id>`, a URL or a file
    input_asset_id: str | None = None
    input_path: str | None = None
    input_sha256: str | None = None
    placeholder: bool = False  # a dry-run's stand-in for a frame not known yet
    output_asset_id: str | None = None
    attempts: list[str] = field(default_factory=list)
    error: str | None = None
    updated_at: float = 0.0


@dataclass
class Chain:
    id: str
    spec: ChainSpec
    status: ChainStatus = ChainStatus.PENDING
    created_at: float = 0.0
    updated_at: float = 0.0
    final_asset_id: str | None = None
    error: str | None = None
    links: list[Link] = field(default_factory=list)

    def link(self, index: int) -> Link:
        if not 1 <= index <= len(self.links):
            raise KeyError(f"chain {self.id} has links 1..{len(self.links)}, not {index}")
        return self.links[index - 1]


class ChainRecords:
    def __init__(self, store: Store) -> None:
        self.store = store

    def create(self, spec: ChainSpec) -> Chain:
        now = time.time()
        chain = Chain(new_chain_id(), spec, ChainStatus.PENDING, now, now)
        chain.links = [Link(chain.id, i, prompt, updated_at=now)
                       for i, prompt in enumerate(spec.prompts, start=1)]
        with self.store.transaction() as db:
            db.execute("INSERT INTO chains VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (chain.id, now, now, chain.status.value, json.dumps(spec.as_dict()),
                        None, None))
            for link in chain.links:
                self._write_link(db, link)
        return chain

    def get(self, chain_id: str) -> Chain | None:
        rows = self.store.query("SELECT id, created_at, updated_at, status, spec, "
                                "final_asset_id, error FROM chains WHERE id=?", (chain_id,))
        if not rows:
            return None
        return self._chain(rows[0])

    def recent(self, limit: int = 100) -> list[Chain]:
        rows = self.store.query("SELECT id, created_at, updated_at, status, spec, "
                                "final_asset_id, error FROM chains ORDER BY created_at DESC "
                                "LIMIT ?", (limit,))
        return [self._chain(r) for r in rows]

    def unfinished(self) -> list[str]:
        rows = self.store.query("SELECT id FROM chains WHERE status IN (?, ?) ORDER BY "
                                "created_at", (ChainStatus.RUNNING.value,
                                               ChainStatus.PENDING.value))
        return [r[0] for r in rows]

    def _chain(self, row: Any) -> Chain:
        chain = Chain(row[0], ChainSpec.from_dict(json.loads(row[4])), ChainStatus(row[3]),
                      row[1], row[2], row[5], row[6])
        links = self.store.query(
            "SELECT position, prompt, status, job_id, input_ref, input_asset_id, input_path, "
            "input_sha256, placeholder, output_asset_id, attempts, error, updated_at "
            "FROM chain_links WHERE chain_id=? ORDER BY position", (chain.id,))
        chain.links = [Link(chain.id, r[0], r[1], LinkStatus(r[2]), r[3], r[4], r[5], r[6],
                            r[7], bool(r[8]), r[9], list(json.loads(r[10] or "[]")), r[11],
                            r[12]) for r in links]
        return chain

    def save_chain(self, chain: Chain) -> None:
        chain.updated_at = time.time()
        with self.store.transaction() as db:
            db.execute("UPDATE chains SET updated_at=?, status=?, final_asset_id=?, error=? "
                       "WHERE id=?", (chain.updated_at, chain.status.value,
                                      chain.final_asset_id, chain.error, chain.id))

    def save_link(self, link: Link) -> None:
        link.updated_at = time.time()
        with self.store.transaction() as db:
            self._write_link(db, link)

    def chain_of_job(self, job_id: str) -> tuple[str, int] | None:
        rows = self.store.query("SELECT chain_id, position FROM chain_links WHERE job_id=?",
                                (job_id,))
        return (rows[0][0], rows[0][1]) if rows else None

    @staticmethod
    def _write_link(db: Any, link: Link) -> None:
        db.execute("INSERT OR REPLACE INTO chain_links VALUES "
                   "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (link.chain_id, link.index, link.prompt, link.status.value, link.job_id,
                    link.input_ref, link.input_asset_id, link.input_path, link.input_sha256,
                    int(link.placeholder), link.output_asset_id, json.dumps(link.attempts),
                    link.error, link.updated_at))
