"""Rows of the jobs and assets tables to dataclasses and back.

A row that cannot be read (an unknown status, bad JSON) raises BadRow, so a listing can
skip it and report it instead of failing as a whole.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from typing import Any

from studio.core.jobs import Asset, Job, JobStatus
from studio.core.store_errors import BadRow

JOB_FIELDS = [f.name for f in dataclasses.fields(Job)]
ASSET_FIELDS = [f.name for f in dataclasses.fields(Asset)]
JSON_JOB = {"request", "prepared", "estimate", "actual_cost", "remote", "input_hashes"}
JSON_ASSET = {"provenance"}


def cols(names: list[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def to_row(obj: Any, cols: list[str], json_cols: set[str]) -> list[Any]:
    out = []
    for c in cols:
        v = getattr(obj, c)
        if c in json_cols:
            v = None if v is None else json.dumps(v)
        elif isinstance(v, bool):
            v = int(v)
        elif hasattr(v, "value"):  # enums
            v = v.value
        out.append(v)
    return out


def job_from_row(row: sqlite3.Row | dict[str, Any]) -> Job:
    data = {k: row[k] for k in row.keys()}  # noqa: SIM118 (sqlite3.Row)
    row_id = str(data.get("id"))
    try:
        for k in JSON_JOB:
            data[k] = json.loads(data[k]) if data[k] is not None else None
    except (TypeError, ValueError, RecursionError) as exc:  # JSONDecodeError: a ValueError
        raise BadRow("jobs", row_id, _why(exc)) from None
    try:
        data["status"] = JobStatus(data["status"])
    except ValueError:
        raise BadRow("jobs", row_id, f"unknown status {data['status']!r}") from None
    for k in ("request",):
        if not isinstance(data[k], dict):
            raise BadRow("jobs", row_id, f"{k} is not a JSON object")
    for k in ("prepared", "estimate", "actual_cost", "remote"):
        if data[k] is not None and not isinstance(data[k], dict):
            raise BadRow("jobs", row_id, f"{k} is not a JSON object")
    data["input_hashes"] = data["input_hashes"] or []
    data["dry_run"] = bool(data["dry_run"])
    data["sandbox"] = bool(data["sandbox"])
    data["recoverable"] = bool(data.get("recoverable"))
    return Job(**data)


def asset_from_row(row: sqlite3.Row | dict[str, Any]) -> Asset:
    data = {k: row[k] for k in row.keys()}  # noqa: SIM118
    try:
        data["provenance"] = json.loads(data["provenance"]) if data["provenance"] else None
    except (TypeError, ValueError) as exc:
        raise BadRow("assets", str(data.get("id")), _why(exc)) from None
    return Asset(**data)


def _why(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"bad JSON ({exc.msg})"
    return str(exc).splitlines()[0][:120]
