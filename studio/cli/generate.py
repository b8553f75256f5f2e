"""studio-cli generate: send (or dry-run) one request.

Without --wait it returns once the provider has accepted the job (its remote id is
stored) and lets go of it: `studio-cli wait ID` or `job ID --refresh` finish it later,
and so do `resume`, `serve` and the app. With --wait it follows the job to its end.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pydantic import ValidationError

from studio.cli.common import human_job, print_json
from studio.cli.follow import acceptance_note, until_accepted
from studio.cli.params import parse_params
from studio.cli.presets import preset_params
from studio.cli.prompts import add_prompt_args, prompt_from
from studio.cli.spend import add_max_usd, check_spend, report_refused
from studio.core.jobs import Job, JobStatus
from studio.core.jobview import job_dict
from studio.core.requests import RequestError, field_errors
from studio.core.service import Studio
from studio.providers.base import Mode, RenderRequest


def build(p: argparse.ArgumentParser) -> None:
    p.add_argument("--provider", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--mode", choices=[m.value for m in Mode])
    add_prompt_args(p)
    p.add_argument("--negative")
    p.add_argument("--seed", type=int)
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="a model setting, read by the setting's type (duration=5, audio=no, "
                        "a JSON value for lists and objects)")
    p.add_argument("--preset", metavar="NAME",
                   help="start from this preset's settings (studio-cli presets list); "
                        "--param values override it")
    p.add_argument("--image", action="append", default=[],
                   metavar="ASSET_ID_OR_PATH_OR_URL")
    p.add_argument("--mask", metavar="ASSET_ID_OR_PATH",
                   help="inpaint/outpaint mask: white = change, black = keep")
    p.add_argument("--wait", action="store_true",
                   help="wait for a live job to finish (default: return once the provider "
                        "has accepted it)")
    p.add_argument("--confirm-weaker-safety", action="store_true",
                   help="send even though a param weakens the provider's safety filter")
    p.add_argument("--json", action="store_true")
    add_max_usd(p)


async def run(studio: Studio, args: argparse.Namespace) -> int:
    prompt = prompt_from(args)
    params = parse_params(args.param, _fields(studio, args.provider, args.model))
    if args.preset:
        params = {**preset_params(studio, args.provider, args.model, args.preset), **params}
    try:
        request = RenderRequest(
            provider=args.provider, model=args.model, mode=args.mode, prompt=prompt,
            negative_prompt=args.negative, seed=args.seed, params=params,
            input_images=[studio.input_ref(i) for i in args.image],
            mask=studio.input_ref(args.mask) if args.mask else None,
            confirm_weaker_safety=args.confirm_weaker_safety)
    except ValidationError as exc:
        raise RequestError(field_errors(exc)) from None
    # A mask file is kept as an asset; image + mask models outpaint on a canvas.
    request = studio.iteration.prepare_request(request)
    check_spend(studio, [request], args)  # above --max-usd or the confirm amount: exit 2
    job = await studio.submit(request)
    if not job.dry_run:
        if args.wait:
            job = await _wait_with_progress(studio, job.id)
        else:
            [job] = await until_accepted(studio, [job.id])
            if note := acceptance_note(job):
                print(f"studio-cli: {note}", file=sys.stderr)
    data = job_dict(job, studio.store)
    if args.json:
        print_json(data)
    else:
        print(human_job(data))
    if (refused := report_refused([job])) is not None:
        return refused
    if job.status in (JobStatus.FAILED, JobStatus.UNKNOWN, JobStatus.CANCELLED):
        print(f"studio-cli: job {job.id} {job.status.value}: {job.error or job.message}",
              file=sys.stderr)
        return 1
    return 0


def _fields(studio: Studio, provider_id: str, model_id: str) -> dict[str, Any] | None:
    """The model's params fields, to read --param values by type (None: unknown model,
    which the request check reports)."""
    provider = studio.providers.get(provider_id)
    model = provider.models.get(model_id) if provider is not None else None
    return dict(model.params.model_fields) if model is not None else None


async def _wait_with_progress(studio: Studio, job_id: str) -> Job:
    tty = sys.stderr.isatty()
    last = None

    def show(event: Any) -> None:
        nonlocal last
        if event.job_id != job_id or event.job is None or not tty:
            return
        j = event.job
        text = f"\r{j.status.value} {'' if j.progress is None else f'{j.progress:.0%}'}"
        if text != last:
            sys.stderr.write(text.ljust(30))
            last = text

    unsubscribe = studio.store.subscribe(show)
    try:
        return await studio.wait(job_id)
    finally:
        unsubscribe()
        if tty and last:
            sys.stderr.write("\n")
