"""studio-cli resume | replay FILE: finish the live jobs a killed run left, and
re-estimate a saved dry-run payload (never the network)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pydantic import ValidationError

from studio.cli.common import UsageError, human_job, print_json
from studio.core import safe_json
from studio.core.jobs import JobStatus
from studio.core.jobview import job_dict
from studio.core.requests import RequestError, field_errors
from studio.core.service import Studio
from studio.providers.base import RenderRequest


def build_resume(p: argparse.ArgumentParser) -> None:
    """No options: every unfinished live job is resumed and waited for. Exit 0 when all
    succeeded, 1 when one did not, 2 when a job row could not be read (it is named)."""


async def run_resume(studio: Studio, args: argparse.Namespace) -> int:
    ids = await studio.resume()
    print(f"resuming {len(ids)} job(s)", file=sys.stderr)
    boards = studio.resume_storyboards()  # storyboards cut off mid-run carry on
    if boards:
        print(f"resuming {len(boards)} storyboard run(s)", file=sys.stderr)
    failed = 0
    for job_id in ids:
        job = await studio.wait(job_id)
        print(human_job(job_dict(job, studio.store)))
        failed += job.status != JobStatus.SUCCEEDED
    await studio.storyboard_runs.join()  # their next stages (and film, with auto-approve)
    for bad in studio.store.problems:  # rows that cannot be read were left alone
        print(f"studio-cli: skipped: {bad} (`studio-cli db check` lists every such row)",
              file=sys.stderr)
    return 2 if studio.store.problems else 1 if failed else 0


def build_replay(p: argparse.ArgumentParser) -> None:
    p.add_argument("file")
    p.add_argument("--json", action="store_true")


async def run_replay(studio: Studio, args: argparse.Namespace) -> int:
    try:
        saved = safe_json.loads(Path(args.file).read_bytes())
    except OSError as exc:
        raise UsageError(f"{args.file}: cannot be read ({exc.strerror or exc})") from None
    except ValueError as exc:  # not JSON, not UTF-8, or nested too deep
        raise UsageError(f"{args.file}: not a readable JSON file ({exc})") from None
    if not isinstance(saved, dict):
        raise UsageError(f"{args.file}: expected a JSON object")
    raw = saved.get("input", saved)
    try:
        request = RenderRequest.model_validate(raw)
    except ValidationError as exc:
        raise RequestError(field_errors(exc)) from None
    job = await studio.submit(request, force_dry_run=f"replay of {Path(args.file).name}")
    data = job_dict(job, studio.store)
    old = (saved.get("estimates") or {}).get("usd")
    data["saved_estimate_usd"] = old
    data["estimate_matches"] = old is None or old == data["estimates"]["usd"]
    print_json(data) if args.json else print(human_job(data))
    return 0 if data["estimate_matches"] else 1
