"""Each output's quality, stored with it: the local metrics (core.metrics) and, kept apart,
the assistant's opinion of how well it follows its prompt.

One row per asset in `asset_metrics` (the newest measurement; a file that cannot be
measured keeps its reason as `note`) and in `asset_opinions`. Every write publishes an
`asset_quality` event after its commit, so views refresh without polling.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from studio.core.events import EventKind, StoreEvent
from studio.core.ports import Tables

if TYPE_CHECKING:  # the metrics load numpy and FFmpeg: not at start-up
    from studio.core.metrics import Measurement

_CHUNK = 500  # ids per query, well under SQLite's variable limit
OPINION_LABEL = "the assistant's opinion (a language model's view, not a measurement)"


@dataclass(frozen=True)
class QualityRecord:
    """The stored measurement of one output, or why it could not be measured."""

    asset_id: str
    path: str
    kind: str | None
    quality_score: float | None
    metrics: dict[str, Any]
    metrics_version: str
    note: str | None
    measured_at: float

    @property
    def current(self) -> bool:
        """Measured with today's formula: only then comparable with fresh scores."""
        from studio.core.metrics import METRICS_VERSION

        return self.metrics_version == METRICS_VERSION

    def as_json(self) -> dict[str, Any]:
        """The shape of `studio-cli metrics --json` (Measurement.as_json)."""
        return {"path": self.path, "kind": self.kind, "quality_score": self.quality_score,
                "metrics": self.metrics, "metrics_version": self.metrics_version}


@dataclass(frozen=True)
class Opinion:
    """A vision model's rating of an output's prompt adherence, 0-100, with its reasons."""

    asset_id: str
    run_id: str
    model: str
    score: int
    reasons: list[str]
    created_at: float

    def as_json(self) -> dict[str, Any]:
        return {"source": OPINION_LABEL, "model": self.model, "score": self.score,
                "reasons": self.reasons, "run": self.run_id, "created_at": self.created_at}


class QualityStore:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    # -- local metrics --------------------------------------------------------------------

    def save(self, asset_id: str, measurement: Measurement) -> QualityRecord | None:
        return self._write(asset_id, measurement.kind, measurement.quality_score,
                           measurement.metrics, measurement.metrics_version, None)

    def save_failure(self, asset_id: str, message: str) -> QualityRecord | None:
        """A file that cannot be measured: the reason is kept, the job is untouched."""
        from studio.core.metrics import METRICS_VERSION

        return self._write(asset_id, None, None, {}, METRICS_VERSION,
                           f"not measurable: {message}")

    def _write(self, asset_id: str, kind: str | None, score: float | None,
               metrics: dict[str, Any], version: str, note: str | None
               ) -> QualityRecord | None:
        """None when the asset is gone (deleted while it was measured)."""
        now = time.time()
        with self.tables.transaction() as db:
            if db.execute("SELECT 1 FROM assets WHERE id=?", (asset_id,)).fetchone() is None:
                return None
            db.execute("INSERT OR REPLACE INTO asset_metrics (asset_id, kind, quality_score, "
                       "metrics_version, metrics, note, measured_at) VALUES (?, ?, ?, ?, ?, "
                       "?, ?)", (asset_id, kind, score, version, json.dumps(metrics), note,
                                 now))
        self._announce(asset_id)
        return self.get(asset_id)

    def get(self, asset_id: str) -> QualityRecord | None:
        rows = self.tables.query(
            "SELECT m.*, a.path FROM asset_metrics m JOIN assets a ON a.id = m.asset_id "
            "WHERE m.asset_id=?", (asset_id,))
        return _record(rows[0]) if rows else None

    def scores(self, asset_ids: Iterable[str]) -> dict[str, float | None]:
        """Quality scores of these assets (None: measured but not measurable); assets not
        measured yet are absent."""
        ids = list(dict.fromkeys(asset_ids))
        out: dict[str, float | None] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            rows = self.tables.query(
                "SELECT asset_id, quality_score FROM asset_metrics WHERE asset_id IN "
                f"({', '.join('?' * len(chunk))})", chunk)
            out.update({r["asset_id"]: r["quality_score"] for r in rows})
        return out

    def job_scores(self, job_ids: Iterable[str]) -> dict[str, list[float]]:
        """The measured scores of each job's outputs (for per-model medians)."""
        ids = list(dict.fromkeys(job_ids))
        out: dict[str, list[float]] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            rows = self.tables.query(
                "SELECT a.job_id, m.quality_score FROM asset_metrics m JOIN assets a ON "
                "a.id = m.asset_id WHERE m.quality_score IS NOT NULL AND a.job_id IN "
                f"({', '.join('?' * len(chunk))})", chunk)
            for r in rows:
                out.setdefault(r["job_id"], []).append(float(r["quality_score"]))
        return out

    # -- the assistant's opinion ----------------------------------------------------------

    def save_opinion(self, asset_id: str, run_id: str, model: str, score: int,
                     reasons: list[str]) -> Opinion | None:
        with self.tables.transaction() as db:
            if db.execute("SELECT 1 FROM assets WHERE id=?", (asset_id,)).fetchone() is None:
                return None
            db.execute("INSERT OR REPLACE INTO asset_opinions (asset_id, run_id, model, score, "
                       "reasons, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                       (asset_id, run_id, model, int(score), json.dumps(reasons), time.time()))
        self._announce(asset_id)
        return self.opinion(asset_id)

    def opinion(self, asset_id: str) -> Opinion | None:
        rows = self.tables.query("SELECT * FROM asset_opinions WHERE asset_id=?", (asset_id,))
        if not rows:
            return None
        r = rows[0]
        return Opinion(r["asset_id"], r["run_id"], r["model"], int(r["score"]),
                       _list(r["reasons"]), float(r["created_at"]))

    def _announce(self, asset_id: str) -> None:
        asset = self.tables.get_asset(asset_id)
        if asset is not None:
            self.tables.publish(StoreEvent.for_asset(EventKind.ASSET_QUALITY, asset))


def median_score(scores: Iterable[float]) -> float | None:
    values = list(scores)
    return round(statistics.median(values), 2) if values else None


def _record(row: sqlite3.Row) -> QualityRecord:
    try:
        metrics = json.loads(row["metrics"]) if row["metrics"] else {}
    except ValueError:
        metrics = {}
    score = row["quality_score"]
    return QualityRecord(row["asset_id"], row["path"], row["kind"],
                         None if score is None else float(score),
                         metrics if isinstance(metrics, dict) else {},
                         str(row["metrics_version"]), row["note"], float(row["measured_at"]))


def _list(text: str | None) -> list[str]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []
