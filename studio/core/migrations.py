"""Versioned schema of studio.db, tracked in `PRAGMA user_version`.

Each step runs in its own transaction and bumps user_version with it, so a crash or a
second process mid-upgrade leaves the database at a whole version. Never edit a released
step: add a new one. Release 0.1.0 wrote the baseline with user_version 0.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from studio.providers.modes import Mode, roles_for

_JOB_COLUMNS_0_1 = (
    "provider", "model", "mode", "prompt", "request", "status", "created_at", "updated_at",
    "dry_run", "dry_run_reason", "sandbox", "prepared", "estimate", "actual_cost", "remote",
    "progress", "queue_position", "message", "error", "error_code", "retried_from",
    "compare_group", "submitted_at", "started_at", "finished_at", "seed", "input_hashes")
_ASSET_COLUMNS_0_1 = (
    "job_id", "path", "sha256", "media_type", "bytes", "width", "height", "duration_seconds",
    "created_at", "rating", "provenance", "index")


def _columns(names: tuple[str, ...]) -> str:
    return ", ".join(["id TEXT PRIMARY KEY", *(f'"{n}"' for n in names)])


# Step 1: the schema of release 0.1.0, exactly (IF NOT EXISTS: its databases already have it).
_BASELINE = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    f"CREATE TABLE IF NOT EXISTS jobs ({_columns(_JOB_COLUMNS_0_1)})",
    "CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status)",
    "CREATE INDEX IF NOT EXISTS jobs_created ON jobs(created_at)",
    "CREATE INDEX IF NOT EXISTS jobs_group ON jobs(compare_group)",
    "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, "
    "job_id TEXT NOT NULL, at REAL NOT NULL, kind TEXT NOT NULL, data TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS events_job ON events(job_id)",
    f"CREATE TABLE IF NOT EXISTS assets ({_columns(_ASSET_COLUMNS_0_1)})",
    "CREATE INDEX IF NOT EXISTS assets_job ON assets(job_id)",
    "CREATE INDEX IF NOT EXISTS assets_created ON assets(created_at)",
    "INSERT OR IGNORE INTO meta VALUES ('schema', '1')",
)

# Release 0.1.0 failed these after a remote id was known although the provider may have
# finished (poll outages, cut downloads): mark them so `resume` checks once more.
_TRANSIENT_CODES = ("network", "unreachable", "timeout", "malformed_response", "poll_budget",
                    "http_408", "http_409", "http_429")

# Step 2: jobs.recoverable, and one lease row per job being driven by some process.
_RECOVERY_AND_LEASES = (
    'ALTER TABLE jobs ADD COLUMN "recoverable" INTEGER NOT NULL DEFAULT 0',
    "UPDATE jobs SET recoverable = 1 WHERE status = 'failed' AND remote IS NOT NULL AND "
    f"(error_code IN ({', '.join(repr(c) for c in _TRANSIENT_CODES)}) "
    "OR error_code LIKE 'http_5%')",
    "CREATE INDEX IF NOT EXISTS jobs_recoverable ON jobs(recoverable) WHERE recoverable = 1",
    "CREATE TABLE IF NOT EXISTS leases (job_id TEXT PRIMARY KEY, owner TEXT NOT NULL, "
    "taken_at REAL NOT NULL, heartbeat_at REAL NOT NULL, expires_at REAL NOT NULL)",
    "UPDATE meta SET value = '2' WHERE key = 'schema'",
)


def _budgets(db: sqlite3.Connection) -> None:
    """Step 3 (issue 19, spend budgets): jobs may now be `refused` by a budget, a status
    older releases cannot read (hence a version of its own, so they refuse the database
    instead of skipping those rows); spend is summed by submit time; a fan-out holds its
    total in budget_holds while its jobs are written."""
    db.execute("CREATE INDEX IF NOT EXISTS jobs_submitted ON jobs(submitted_at)")
    db.execute("CREATE TABLE IF NOT EXISTS budget_holds (id INTEGER PRIMARY KEY "
               "AUTOINCREMENT, hold TEXT NOT NULL, provider TEXT NOT NULL, model TEXT NOT "
               "NULL, usd REAL NOT NULL, created_at REAL NOT NULL, expires_at REAL NOT NULL)")
    db.execute("CREATE INDEX IF NOT EXISTS budget_holds_hold ON budget_holds(hold)")
    db.execute("UPDATE meta SET value = '3' WHERE key = 'schema'")


def _lineage(db: sqlite3.Connection) -> None:
    """Step 4: which assets each job took as inputs (and in what role), and batches of
    variations. Old jobs get their parents from their `asset:` inputs, or from an input
    whose sha256 is an asset's."""
    db.execute("CREATE TABLE IF NOT EXISTS job_parents (job_id TEXT NOT NULL, "
               "position INTEGER NOT NULL, asset_id TEXT NOT NULL, role TEXT NOT NULL, "
               "sha256 TEXT, PRIMARY KEY (job_id, position))")
    db.execute("CREATE INDEX IF NOT EXISTS job_parents_asset ON job_parents(asset_id)")
    db.execute("CREATE TABLE IF NOT EXISTS job_batches (job_id TEXT PRIMARY KEY, "
               "batch_id TEXT NOT NULL, position INTEGER NOT NULL)")
    db.execute("CREATE INDEX IF NOT EXISTS job_batches_batch ON job_batches(batch_id)")
    assets = {r[0]: r[1] for r in db.execute("SELECT id, sha256 FROM assets")}
    by_sha: dict[str, str] = {}
    for asset_id, sha in db.execute("SELECT id, sha256 FROM assets ORDER BY created_at DESC"):
        by_sha[sha] = asset_id  # the oldest asset with these bytes wins
    for job_id, mode, request, hashes in db.execute(
            "SELECT id, mode, request, input_hashes FROM jobs").fetchall():
        for position, asset_id, role in _old_parents(mode, request, hashes, assets, by_sha):
            db.execute("INSERT OR IGNORE INTO job_parents VALUES (?, ?, ?, ?, ?)",
                       (job_id, position, asset_id, role, assets[asset_id]))


def _old_parents(mode: str, request: str, hashes: str | None, assets: dict[str, str],
                 by_sha: dict[str, str]) -> list[tuple[int, str, str]]:
    try:
        refs = json.loads(request).get("input_images") or []
        shas = json.loads(hashes) if hashes else []
        roles = roles_for((), Mode(mode), len(refs))
    except (TypeError, ValueError, AttributeError):
        return []  # an unreadable row stays as it is (the store reports it)
    files = [r for r in refs if isinstance(r, str) and not r.lower().startswith("http")]
    out = []
    for position, ref in enumerate(refs):
        if not isinstance(ref, str):
            continue
        asset_id = ref[len("asset:"):] if ref.startswith("asset:") else None
        if asset_id is None and len(files) == len(shas) and ref in files:
            asset_id = by_sha.get(shas[files.index(ref)])
        if asset_id in assets:
            out.append((position, asset_id, roles[position].value))
    return out


# Quality metrics of each output (one row per asset, the newest measurement), the
# assistant's opinion of an output (kept apart: a model's view, not a measurement) and
# the assistant's runs (flow, exact requests, conversation, result). IF NOT EXISTS
# throughout, so the step is safe whatever number it is given.
_QUALITY_AND_ASSISTANT = (
    "CREATE TABLE IF NOT EXISTS asset_metrics (asset_id TEXT PRIMARY KEY, kind TEXT, "
    "quality_score REAL, metrics_version TEXT NOT NULL, metrics TEXT NOT NULL, note TEXT, "
    "measured_at REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS asset_metrics_score ON asset_metrics(quality_score)",
    "CREATE TABLE IF NOT EXISTS asset_opinions (asset_id TEXT PRIMARY KEY, run_id TEXT NOT "
    "NULL, model TEXT NOT NULL, score INTEGER NOT NULL, reasons TEXT NOT NULL, "
    "created_at REAL NOT NULL)",
    "CREATE TABLE IF NOT EXISTS assist_runs (id TEXT PRIMARY KEY, flow TEXT NOT NULL, "
    "created_at REAL NOT NULL, finished_at REAL, live INTEGER NOT NULL, reason TEXT NOT "
    "NULL, model TEXT NOT NULL, status TEXT NOT NULL, requests TEXT NOT NULL, "
    "conversation TEXT NOT NULL, result TEXT, error TEXT)",
    "CREATE INDEX IF NOT EXISTS assist_runs_created ON assist_runs(created_at)",
)


def add_quality_and_assistant_tables(db: sqlite3.Connection) -> None:
    """Issue 15's step: self-contained and idempotent (it may be renumbered on merge)."""
    for sql in _QUALITY_AND_ASSISTANT:
        db.execute(sql)


# RunPod pods (issue 18): every pod action as it was decided (dry-run with its price per
# hour, or sent) and the pods whose ComfyUI is registered as a server of its own.
_PODS = (
    "CREATE TABLE IF NOT EXISTS pod_actions (id TEXT PRIMARY KEY, created_at REAL NOT NULL, "
    "action TEXT NOT NULL, pod_id TEXT, live INTEGER NOT NULL, reason TEXT NOT NULL, "
    "usd_per_hour REAL, request TEXT NOT NULL, result TEXT, error TEXT)",
    "CREATE INDEX IF NOT EXISTS pod_actions_created ON pod_actions(created_at)",
    "CREATE TABLE IF NOT EXISTS pod_servers (pod_id TEXT PRIMARY KEY, provider_id TEXT NOT "
    "NULL, name TEXT NOT NULL, base_url TEXT NOT NULL, checkpoints TEXT NOT NULL, "
    "usd_per_hour REAL, registered_at REAL NOT NULL)",
)


def add_pod_tables(db: sqlite3.Connection) -> None:
    """Issue 18's step: self-contained and idempotent (it may be renumbered on merge)."""
    for sql in _PODS:
        db.execute(sql)


# The pods as last seen (status, rate, cost so far), for the budget status in any process
# (core.pod_spend).
_POD_SEEN = (
    "CREATE TABLE IF NOT EXISTS pod_seen (pod_id TEXT PRIMARY KEY, name TEXT NOT NULL, "
    "status TEXT NOT NULL, usd_per_hour REAL, cost_so_far REAL, seen_at REAL NOT NULL)",
)


# Issue 14 (chains): a chain of image-to-video links, each starting from the last frame
# of the one before, and its links (one row per link; attempts keep every job tried).
_CHAINS = (
    "CREATE TABLE IF NOT EXISTS chains (id TEXT PRIMARY KEY, created_at REAL NOT NULL, "
    "updated_at REAL NOT NULL, status TEXT NOT NULL, spec TEXT NOT NULL, "
    "final_asset_id TEXT, error TEXT)",
    "CREATE INDEX IF NOT EXISTS chains_created ON chains(created_at)",
    "CREATE TABLE IF NOT EXISTS chain_links (chain_id TEXT NOT NULL, position INTEGER NOT "
    "NULL, prompt TEXT NOT NULL, status TEXT NOT NULL, job_id TEXT, input_ref TEXT, "
    "input_asset_id TEXT, input_path TEXT, input_sha256 TEXT, placeholder INTEGER NOT NULL "
    "DEFAULT 0, output_asset_id TEXT, attempts TEXT NOT NULL DEFAULT '[]', error TEXT, "
    "updated_at REAL NOT NULL, PRIMARY KEY (chain_id, position))",
    "CREATE INDEX IF NOT EXISTS chain_links_job ON chain_links(job_id)",
)


def add_chain_tables(db: sqlite3.Connection) -> None:
    """Issue 14's chains step: self-contained and idempotent (it may be renumbered on merge)."""
    for sql in _CHAINS:
        db.execute(sql)


# Storyboards (issue 14): the spec (scenes, models, transitions) and the run state of each
# scene's stages (attempts, the approved one) as JSON, and the stitched result. IF NOT
# EXISTS, so the step is safe whatever number it is given.
_STORYBOARDS = (
    "CREATE TABLE IF NOT EXISTS storyboards (id TEXT PRIMARY KEY, title TEXT NOT NULL, "
    "created_at REAL NOT NULL, updated_at REAL NOT NULL, spec TEXT NOT NULL, "
    "state TEXT NOT NULL, final TEXT)",
    "CREATE INDEX IF NOT EXISTS storyboards_updated ON storyboards(updated_at)",
)


def add_storyboard_tables(db: sqlite3.Connection) -> None:
    """Issue 14's storyboard step: self-contained and idempotent (renumbered on merge)."""
    for sql in _STORYBOARDS:
        db.execute(sql)


@dataclass(frozen=True)
class Step:
    """One database migration: the schema version it makes and how."""
    version: int
    what: str
    statements: tuple[str, ...] = ()
    run: Callable[[sqlite3.Connection], None] | None = None


STEPS: tuple[Step, ...] = (
    Step(1, "baseline schema of release 0.1.0", _BASELINE),
    Step(2, "jobs.recoverable and job leases", _RECOVERY_AND_LEASES),
    Step(3, "refused jobs, spend by submit time, fan-out budget holds", run=_budgets),
    Step(4, "job parents (lineage) and batches", run=_lineage),
    Step(5, "output quality metrics, the assistant's opinions and runs",
         run=add_quality_and_assistant_tables),
    Step(6, "RunPod pod actions and the pods registered as ComfyUI servers",
         run=add_pod_tables),
    Step(7, "RunPod pods as last seen (their cost in the budget status)", _POD_SEEN),
    Step(8, "video chains and their links", run=add_chain_tables),
    Step(9, "storyboards: scenes, their stages' attempts, the stitched result",
         run=add_storyboard_tables),
)
LATEST = STEPS[-1].version


def version_of(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def pending(db: sqlite3.Connection) -> list[Step]:
    current = version_of(db)
    return [s for s in STEPS if s.version > current]


def apply(db: sqlite3.Connection, step: Step) -> bool:
    """Run one step in its own IMMEDIATE transaction; False if another process did it."""
    db.execute("BEGIN IMMEDIATE")
    try:
        if version_of(db) >= step.version:
            db.execute("ROLLBACK")
            return False
        for sql in step.statements:
            db.execute(sql)
        if step.run is not None:
            step.run(db)
        db.execute(f"PRAGMA user_version = {int(step.version)}")
        db.execute("COMMIT")
        return True
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
