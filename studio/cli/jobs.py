"""studio-cli jobs | job ID [--refresh] | wait ID... | cancel ID: the job list, one job in
full, following jobs to their end, cancelling.

`jobs` lists every readable row; rows that cannot be read (an unknown status, bad JSON)
are skipped and named on stderr, and the exit code is then 2.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from studio.cli.common import UsageError, human_job, print_json
from studio.cli.follow import refresh, until_done
from studio.core.jobs import Job, JobStatus
from studio.core.jobview import job_dict
from studio.core.service import Studio

_FINE = (JobStatus.SUCCEEDED, JobStatus.DRY_RUN)


def build_list(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=50)


async def run_list(studio: Studio, args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise UsageError("--limit must be 1 or more")
    jobs = [job_dict(j) for j in studio.store.list_jobs(limit=args.limit)]
    if args.json:
        print_json(jobs)
    else:
        for j in jobs:
            print(f"{j['job_id']}  {j['status']:<10} {j['provider']}:{j['model']}  "
                  f"{(j['input'].get('prompt') or '')[:40]!r}")
    return _report_problems(studio)


def _report_problems(studio: Studio) -> int:
    for bad in studio.store.problems:
        print(f"studio-cli: skipped: {bad} (`studio-cli db check` lists every such row)",
              file=sys.stderr)
    return 2 if studio.store.problems else 0


def build_show(p: argparse.ArgumentParser) -> None:
    p.add_argument("id")
    p.add_argument("--refresh", action="store_true",
                   help="ask the provider now: fetch the outputs of a job that finished "
                        "there, record the progress of one still running")
    p.add_argument("--json", action="store_true")


async def run_show(studio: Studio, args: argparse.Namespace) -> int:
    job = _find(studio, args.id)
    if args.refresh:
        job, note = await refresh(studio, job)
        print(f"studio-cli: job {job.id}: {note}", file=sys.stderr)
    data = job_dict(job, studio.store)
    data["events"] = studio.store.events(job.id)
    print_json(data) if args.json else print(human_job(data))
    return 0


def build_wait(p: argparse.ArgumentParser) -> None:
    p.add_argument("ids", nargs="+", metavar="ID")
    p.add_argument("--json", action="store_true")


async def run_wait(studio: Studio, args: argparse.Namespace) -> int:
    """Every job to its end: sent or polled from here, or followed while another process
    runs it. Exit 0 when all succeeded (or were dry-runs), 1 otherwise."""
    jobs = {job.id: job for job in (_find(studio, ref) for ref in args.ids)}
    done = await asyncio.gather(*(until_done(studio, job_id) for job_id in jobs))
    data = [job_dict(j, studio.store) for j in done]
    if args.json:
        print_json(data)
    else:
        for item in data:
            print(human_job(item))
    failed = [j for j in done if j.status not in _FINE]
    for job in failed:
        print(f"studio-cli: job {job.id} {job.status.value}: {job.error or job.message or ''}",
              file=sys.stderr)
    return 1 if failed else 0


def build_cancel(p: argparse.ArgumentParser) -> None:
    p.add_argument("id")


async def run_cancel(studio: Studio, args: argparse.Namespace) -> int:
    job = await studio.cancel(_find(studio, args.id).id)
    print(f"{job.id} {job.status.value}")
    return 0 if job.status == JobStatus.CANCELLED or job.status.terminal else 1


def _find(studio: Studio, ref: str) -> Job:
    job = studio.store.find_job(ref)
    if job is None:
        raise UsageError(f"no job {ref!r} (see `studio-cli jobs`)")
    return job
