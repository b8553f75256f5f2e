"""studio-cli batch FILE --target P:M [--target P:M ...] [--wait] --json

A text file (one prompt per line; blank lines and # comments skipped) or a CSV (columns
prompt, negative, seed, image, and any other column as a model setting) sent to every target
as ONE batch (the Gallery stacks it; `jobs` lists its jobs). Every row is checked before
anything is sent: a bad row (empty prompt, bad seed, a setting no target has, a value a
model refuses) exits 2 naming its line, and nothing is sent. Live jobs pass the spend check
first (`--max-usd`); a budget that refuses a job stops the rest of the batch (exit 2).
Without --wait it returns once every provider has accepted its job.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from studio.cli.common import UsageError, print_json
from studio.cli.follow import until_accepted
from studio.cli.spend import add_max_usd, check_spend, report_refused
from studio.core.batch_list import (
    BatchListError,
    BatchPlan,
    BatchSender,
    plan_batch,
    read_list,
)
from studio.core.jobs import Job, JobStatus
from studio.core.jobview import asset_dict
from studio.core.service import Studio

FAILED = (JobStatus.FAILED, JobStatus.UNKNOWN, JobStatus.CANCELLED)


def build(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="a .txt (one prompt per line) or .csv (prompt, negative, "
                                "seed, image, setting columns; image: asset:<id>, an https "
                                "URL or a file relative to the list)")
    p.add_argument("--target", action="append", required=True, metavar="PROVIDER:MODEL",
                   help="a model to send every row to (repeatable)")
    p.add_argument("--wait", action="store_true",
                   help="wait for every live job to finish (and list the outputs)")
    p.add_argument("--json", action="store_true")
    add_max_usd(p)


def _targets(items: list[str]) -> list[tuple[str, str]]:
    out = []
    for item in items:
        provider, sep, model = item.partition(":")
        if not sep or not provider or not model:
            raise UsageError(f"--target {item!r}: write PROVIDER:MODEL, e.g. "
                             "comfyui:qwen-image-txt2img")
        out.append((provider, model))
    return out


async def run(studio: Studio, args: argparse.Namespace) -> int:
    targets = _targets(args.target)
    try:
        plan = plan_batch(studio, read_list(Path(args.file)), targets)
    except BatchListError as exc:
        raise UsageError(f"{args.file}: {exc}") from None
    if not plan.ok:
        return _bad_rows(plan, args)
    check_spend(studio, plan.requests, args)  # above --max-usd or the confirm amount: exit 2
    sender = BatchSender(studio, plan)
    outcome = await sender.send()
    live = [j.id for j in outcome.jobs if not j.dry_run and not j.status.terminal]
    if args.wait:
        await asyncio.gather(*(studio.wait(job_id) for job_id in live))
    else:
        await until_accepted(studio, live)
    jobs = [studio.store.get_job(j.id) or j for j in outcome.jobs]
    data = _result(studio, sender, jobs, outcome.not_sent, outcome.message, args.wait)
    if args.json:
        print_json(data)
    else:
        print(_human(data))
    if outcome.message:
        print(f"studio-cli: {outcome.message}", file=sys.stderr)
    for job in jobs:
        if job.status in FAILED:
            print(f"studio-cli: job {job.id} ({job.provider}:{job.model}) "
                  f"{job.status.value}: {job.error or job.message}", file=sys.stderr)
    refused = report_refused(jobs)
    return refused or (1 if any(j.status in FAILED for j in jobs) else 0)


def _bad_rows(plan: BatchPlan, args: argparse.Namespace) -> int:
    bad = [r for r in plan.rows if not r.ok]
    message = (f"{len(bad)} of {len(plan.rows)} rows cannot be sent; nothing was sent")
    if args.json:
        print_json({"error": message, "rows": [r.as_dict() for r in bad]})
    for line in plan.errors:
        print(f"studio-cli: {args.file}: {line}", file=sys.stderr)
    print(f"studio-cli: {message}", file=sys.stderr)
    return 2


def _result(studio: Studio, sender: BatchSender, jobs: list[Job], not_sent: int,
            stopped: str, with_outputs: bool) -> dict[str, Any]:
    per_row = len(sender.plan.targets)
    rows = sender.plan.rows
    items = []
    for position, job in enumerate(jobs):
        row = rows[position // per_row]
        item: dict[str, Any] = {
            "job_id": job.id, "target": f"{job.provider}:{job.model}", "line": row.line,
            "prompt": row.prompt, "seed": job.seed, "status": job.status.value,
            "dry_run": job.dry_run, "error": job.error}
        if with_outputs:
            item["outputs"] = [asset_dict(a) for a in studio.store.assets_for_job(job.id)]
        items.append(item)
    counts = Counter(j.status.value for j in jobs)
    data: dict[str, Any] = {
        "batch_id": sender.batch_id, "rows": len(rows),
        "targets": [f"{p}:{m}" for p, m in sender.plan.targets],
        "total": sender.total, "sent": len(jobs), "not_sent": not_sent,
        "counts": dict(sorted(counts.items())), "jobs": items}
    if stopped:
        data["stopped"] = stopped
    if with_outputs:
        data["outputs"] = [o for item in items for o in item["outputs"]]
    return data


def _human(data: dict[str, Any]) -> str:
    counts = ", ".join(f"{n} {s}" for s, n in data["counts"].items())
    lines = [f"batch {data['batch_id']}: {data['sent']} of {data['total']} jobs sent "
             f"({counts})"]
    for item in data["jobs"]:
        lines.append(f"  {item['job_id']}  {item['status']:<10} {item['target']:<36} "
                     f"line {item['line']}: {item['prompt'][:50]}")
        for output in item.get("outputs", []):
            lines.append(f"      {output['path']}")
    return "\n".join(lines)
