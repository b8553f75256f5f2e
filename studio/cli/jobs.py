"""studio-cli jobs | job ID | cancel ID: the job list, one job in full, cancelling."""

from __future__ import annotations

import argparse

from studio.cli.common import UsageError, human_job, print_json
from studio.core.jobs import Job, JobStatus
from studio.core.jobview import job_dict
from studio.core.service import Studio


def build_list(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=50)


async def run_list(studio: Studio, args: argparse.Namespace) -> int:
    jobs = [job_dict(j) for j in studio.store.list_jobs(limit=args.limit)]
    if args.json:
        print_json(jobs)
        return 0
    for j in jobs:
        print(f"{j['job_id']}  {j['status']:<10} {j['provider']}:{j['model']}  "
              f"{(j['input'].get('prompt') or '')[:40]!r}")
    return 0


def build_show(p: argparse.ArgumentParser) -> None:
    p.add_argument("id")
    p.add_argument("--json", action="store_true")


async def run_show(studio: Studio, args: argparse.Namespace) -> int:
    job = _find(studio, args.id)
    data = job_dict(job, studio.store)
    data["events"] = studio.store.events(job.id)
    print_json(data) if args.json else print(human_job(data))
    return 0


def build_cancel(p: argparse.ArgumentParser) -> None:
    p.add_argument("id")


async def run_cancel(studio: Studio, args: argparse.Namespace) -> int:
    job = await studio.cancel(_find(studio, args.id).id)
    print(f"{job.id} {job.status.value}")
    return 0 if job.status == JobStatus.CANCELLED or job.status.terminal else 1


def _find(studio: Studio, ref: str) -> Job:
    job = studio.store.find_job(ref)
    if job is None:
        raise UsageError(f"no job {ref!r}")
    return job
