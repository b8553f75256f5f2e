"""What the command groups share: the bad-input error and printing."""

from __future__ import annotations

import json
from typing import Any


class UsageError(Exception):
    """Bad input: exit 2 with the message."""


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


def usd(value: float | None) -> str:
    return "" if value is None else f"~${value:.3f}"


def human_job(job: dict[str, Any]) -> str:
    cost = job["estimates"].get("usd")
    line = (f"{job['job_id']}  {job['status']:<10} {job['provider']}:{job['model']}"
            f"  {usd(cost)}")
    if job.get("dry_run_reason"):
        line += f"\n  dry-run: {job['dry_run_reason']}"
    if job.get("error"):
        line += f"\n  error: {job['error']}"
    for out in job.get("outputs") or []:
        line += f"\n  output: {out['path']} ({out['media_type']}, sha256 {out['sha256'][:12]})"
    return line
