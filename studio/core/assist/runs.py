"""Assistant runs: one flow (enhance, analyze, story, judge...) with every request as sent
(secrets masked), the whole conversation, and the result or the error. Kept in studio.db
(`assist_runs`), like a job's prepared call, so a dry-run shows exactly what would go out.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from studio.core.ports import Tables


class RunStatus(StrEnum):
    DRY_RUN = "dry_run"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass
class AssistRun:
    """One run of the assistant: flow, model, live or not, and its answer."""
    id: str
    flow: str
    live: bool
    reason: str
    model: str
    created_at: float = field(default_factory=time.time)
    status: RunStatus = RunStatus.RUNNING
    requests: list[dict[str, Any]] = field(default_factory=list)
    # {"agent", "role", "text", "images"}: images are named, never inlined.
    conversation: list[dict[str, Any]] = field(default_factory=list)
    result: dict[str, Any] | None = None
    error: str | None = None
    finished_at: float | None = None

    @classmethod
    def start(cls, flow: str, *, live: bool, reason: str, model: str) -> AssistRun:
        status = RunStatus.RUNNING if live else RunStatus.DRY_RUN
        return cls(uuid.uuid4().hex[:16], flow, live, reason, model, status=status)

    def as_json(self) -> dict[str, Any]:
        """The shape every `studio-cli assist ... --json` prints."""
        return {"run": self.id, "flow": self.flow, "live": self.live, "reason": self.reason,
                "requests": self.requests, "result": self.result}


_COLUMNS = ("id", "flow", "created_at", "finished_at", "live", "reason", "model", "status",
            "requests", "conversation", "result", "error")


class AssistRuns:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def save(self, run: AssistRun) -> None:
        row = (run.id, run.flow, run.created_at, run.finished_at, int(run.live), run.reason,
               run.model, run.status.value, json.dumps(run.requests),
               json.dumps(run.conversation),
               None if run.result is None else json.dumps(run.result), run.error)
        with self.tables.transaction() as db:
            db.execute(f"INSERT OR REPLACE INTO assist_runs ({', '.join(_COLUMNS)}) VALUES "
                       f"({', '.join('?' * len(_COLUMNS))})", row)

    def get(self, run_id: str) -> AssistRun | None:
        rows = self.tables.query("SELECT * FROM assist_runs WHERE id=?", (run_id,))
        return _run(rows[0]) if rows else None

    def recent(self, limit: int = 50, flow: str | None = None) -> list[AssistRun]:
        sql, args = "SELECT * FROM assist_runs", list[Any]()
        if flow:
            sql += " WHERE flow=?"
            args.append(flow)
        rows = self.tables.query(sql + " ORDER BY created_at DESC LIMIT ?", [*args, limit])
        return [_run(r) for r in rows]


def _run(row: sqlite3.Row) -> AssistRun:
    def load(name: str, default: Any) -> Any:
        try:
            value = json.loads(row[name]) if row[name] else default
        except ValueError:
            return default
        return value if isinstance(value, type(default)) or value is None else default

    return AssistRun(row["id"], row["flow"], bool(row["live"]), row["reason"], row["model"],
                     float(row["created_at"]), RunStatus(row["status"]), load("requests", []),
                     load("conversation", []), load("result", {}) or None, row["error"],
                     row["finished_at"])
